"""The init-seed spread of a baseline's 'Acc.' (aznas_core.report.init_seeds), on the
committed caches: restricting the argmax to the candidates changes nothing at seed 0, and
the restriction is justified at every committed seed."""
import pytest

from aznas_core import metrics, report
from aznas_core.report import init_seeds

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

    monkeypatch.setattr("aznas_core.report.methods.SAMPLE_SIZES", (20,))  # one small documented sample: fast
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


def test_philox_matches_random123_known_answers():
    from aznas_core.validation.cuda_rng import philox4x32_10

    kat = [((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
           ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
           ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
            (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1))]
    for counter, key, out in kat:
        assert tuple(int(w) for w in philox4x32_10(counter, key)) == out


def test_cuda_normal_reproduces_what_pytorch_printed_on_a_gpu():
    """`torch.manual_seed(0); torch.randn(8, 8, device="cuda")`, first three rows as PyTorch
    printed them (4 decimals) on a CUDA device: one call, element i from thread i."""
    import numpy as np

    from aznas_core.validation.cuda_rng import cuda_normal

    printed = [[-0.9247, -0.4253, -2.6438, 0.1452, -0.1209, -0.5797, -0.6229, -0.3284],
               [-1.0745, -0.3631, -1.6711, 2.2655, 0.3117, -0.1842, 1.2866, 1.1820],
               [-0.1271, 1.2169, 1.4353, 1.0605, -0.4941, -1.4244, -0.7244, -1.2973]]
    ours = cuda_normal(seed=0, call=0, numel=64, std=1.0).reshape(8, 8)[:3]
    assert np.abs(ours - np.array(printed)).max() <= 0.5e-4 + 1e-7  # equal to the printed digits
    # the next call starts a new Philox block (offset + 4): different numbers
    assert not np.allclose(cuda_normal(0, 1, 64, 1.0), cuda_normal(0, 0, 64, 1.0))


def test_cuda_normal_matches_the_draws_a_gpu_made():
    """The H200's own `normal_` draws (`validation.cuda_rng.record_gpu_draws`, committed as
    data/validation/cuda_rng_gpu_draws.npz, up to 36,864 elements, offsets up to call 200, seed
    2^31 - 1): same Philox words and thread layout, so every value agrees to float32 rounding
    of the Box-Muller step (measured: at most 2.3e-6 x std apart, a fifth bit-equal); a wrong
    counter, key or layout would be O(std) apart."""
    import numpy as np

    from aznas_core.data import PROJECT_ROOT
    from aznas_core.validation.cuda_rng import GPU_DRAWS, cuda_normal

    gpu = np.load(PROJECT_ROOT / "data" / "validation" / "cuda_rng_gpu_draws.npz")
    assert str(gpu["gpu"]).startswith("NVIDIA")
    for k, (seed, call, numel, std) in enumerate(GPU_DRAWS):
        drawn, ours = gpu[f"draw{k}"], cuda_normal(seed, call, numel, std)
        assert drawn.shape == (numel,)
        assert np.abs(drawn - ours).max() <= 4e-6 * std, (k, np.abs(drawn - ours).max())
        assert (drawn == ours).mean() > 0.15


def test_authors_init_draws_one_call_per_conv_and_linear_in_module_order():
    import math

    import numpy as np

    from aznas_core.proxies.gradient import prunable
    from aznas_core.spaces import nb201
    from aznas_core.validation.cuda_rng import cuda_normal

    arch = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|"
    model = nb201.build(arch, "cifar100", prune=True)
    assert init_seeds.authors_init(model, seed=3, call=7) == 7 + 8 + 15 * 2
    layers = prunable(model)
    stem, head = layers[0].weight, layers[-1].weight
    assert np.array_equal(stem.detach().numpy().ravel(), cuda_normal(3, 7, 16 * 27, math.sqrt(2 / 27)))
    assert np.array_equal(head.detach().numpy().ravel(),
                          cuda_normal(3, 7 + 8 + 15 * 2 - 1, 100 * 64, math.sqrt(2 / 64)))
    assert float(layers[-1].bias.detach().abs().sum()) == 0.0


@pytest.mark.slow
def test_authors_stream_recomputes_the_committed_run_and_gives_the_papers_acc():
    """Draw 1 on ImageNet16-120 at its native 16x16 (the cheapest committed run: synflow at
    16x16 costs a quarter of 32x32's) recomputed equals the committed row; the committed five
    draws give the paper's Synflow 'Acc.' (mean and std) on every dataset to the reported
    digits."""
    import pandas as pd

    from aznas_core.reported import reported

    committed = pd.read_csv(init_seeds.AUTHORS_STREAM)
    fresh = init_seeds.authors_stream_acc("ImageNet16-120", 16, draws=(1,)).iloc[0]
    row = committed.query("dataset == 'ImageNet16-120' and resolution == 16 and draw == 1").iloc[0]
    assert (fresh["arch"], fresh["acc"]) == (row["arch"], pytest.approx(row["acc"]))
    assert fresh["synflow"] == pytest.approx(row["synflow"], rel=1e-9)
    paper = reported("P-T1").query("label == 'Synflow' and metric == 'Acc'").set_index("dataset")
    for d in DATASETS:
        acc = committed.query("dataset == @d and resolution == 32")["acc"]
        assert round(acc.mean(), 2) == paper.loc[d, "value"] and round(acc.std(), 2) == paper.loc[d, "std"]


def test_stream_calls_are_eight_fixed_layers_plus_one_per_conv_edge_per_cell():
    """Stem, the two reductions' 3 convs each and the classifier, plus 15 cells' conv edges;
    the committed replay advanced the stream by exactly that over each draw."""
    import pandas as pd

    from aznas_core.bench import sample_archs
    from aznas_core.spaces import nb201

    def by_hand(arch):
        return 8 + 15 * sum(op.startswith("nor_conv") for op in nb201.parse(arch))

    from aznas_core.proxies.gradient import prunable

    for arch in sample_archs(12, seed=3):
        assert init_seeds.stream_calls(arch, "cifar100") == by_hand(arch)
        whole = nb201.build(arch, "cifar100", prune=True)
        assert init_seeds.stream_calls(arch, "cifar100") == len(prunable(whole))
    committed = pd.read_csv(init_seeds.AUTHORS_STREAM)
    for row in committed.itertuples():
        assert row.draws_used == sum(map(by_hand, metrics.paper_sample(row.draw, 3000, True)))
