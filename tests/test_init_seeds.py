"""The init-seed spread of a baseline's 'Acc.' (aznas_core.validation.init_seeds), on the
committed caches: restricting the argmax to the candidates changes nothing at seed 0, and
the restriction is justified at every committed seed."""
import pytest

from aznas_core import metrics, report
from aznas_core.validation import init_seeds

DATASETS = ("cifar10", "cifar100", "ImageNet16-120")


@pytest.mark.parametrize("dataset", DATASETS)
def test_candidates_hold_every_draws_seed0_argmax_and_top_k_bounds_them(dataset):
    frame, _ = report.cached_scores(dataset, ["synflow"], resolution=32)
    by_arch = frame.set_index("arch")["synflow"]
    best = {by_arch.loc[metrics.paper_sample(k, 3000, True)].idxmax() for k in init_seeds.DRAWS}
    assert set(init_seeds.candidates(dataset, "synflow", top_k=1)) == best
    wide = init_seeds.candidates(dataset, "synflow", top_k=20)
    assert best <= set(wide) and 20 <= len(wide) <= 5 * 20


@pytest.mark.parametrize("dataset", DATASETS)
def test_seed0_row_is_table1s_acc_and_committed_seeds_keep_the_argmax_among_candidates(dataset):
    table = init_seeds.acc_by_seed(dataset, "synflow", seeds=range(1, 21))
    full, _ = report.comparison_frame(dataset, ["synflow"], resolution=32)
    mean, std, per_draw = metrics.paper_acc(full, ["synflow"], "acc", method="-")
    seed0 = table.set_index("seed").loc[0]
    assert [seed0[f"draw{k}"] for k in init_seeds.DRAWS] == per_draw
    assert seed0["acc_mean"] == pytest.approx(mean) and seed0["acc_std"] == pytest.approx(std)
    # no non-candidate is within the largest seed-to-seed range of any seed's best candidate
    assert (table["margin"] > 1).all(), table


def test_an_uncached_seed_is_a_clear_error_naming_the_command():
    with pytest.raises(ValueError, match="init_seeds --proxy synflow --datasets cifar10 --seeds 999"):
        init_seeds.acc_by_seed("cifar10", "synflow", seeds=[999])


def test_a_family_still_filling_at_the_asked_resolution_keeps_its_larger_fallback_sample(
        tmp_path, monkeypatch):
    """comparison_frame(..., fallback=): a family is read where its cache covers the larger
    documented sample (ties: the asked resolution), so a sweep filling the nested samples at a
    new resolution never shrinks a table's sample (TE-NAS on ImageNet16-120 at 32x32)."""
    from aznas_core import sweep
    from aznas_core.benchmarks.nb201 import fixed_sample
    from aznas_core.proxies import Config
    from aznas_core.spaces import nb201

    monkeypatch.setattr(report, "SAMPLE_SIZES", (20,))  # one small documented sample: fast
    archs = [nb201.archs()[i] for i in fixed_sample(20)]

    def cache(res, n):
        sweep.run(archs=archs[:n], proxies=["synflow"], root=tmp_path, workers=1, executor="serial",
                  cfg=Config(dataset="ImageNet16-120", resolution=res), progress=False)

    def read():
        return report.comparison_frame("ImageNet16-120", ["synflow"], resolution=8, fallback=4,
                                       root=tmp_path)

    cache(4, 20)
    cache(8, 8)  # still filling the sample at 8x8: no documented sample there yet
    frame, used = read()
    assert used == {"synflow": 4} and frame["synflow"].notna().sum() == 20
    cache(8, 20)  # now the same sample at 8x8: the asked resolution wins the tie
    frame, used = read()
    assert used == {"synflow": 8} and frame["synflow"].notna().sum() == 20
