"""Algorithm 1 as the authors run it: phases, constraints, a never-pruned history, and a
search killed mid-run that resumes to the uninterrupted history."""
import hashlib
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from aznas_core import search
from aznas_core.spaces import mbv2


def toy_problem():
    """A cheap space: strings of digits; scores are hashes, and a fifth of the candidates
    (by another hash) break the constraint."""
    def value(arch, key):
        return int(hashlib.sha256(f"{arch}|{key}".encode()).hexdigest()[:8], 16) / 2**32

    return search.Problem(
        keys=("a", "b"),
        feasible=lambda arch: {"length": len(arch)} if value(arch, "ok") < 0.8 else None,
        score=lambda arch: {"a": value(arch, "a"), "b": value(arch, "b")},
        initial="0",
        mutate=lambda arch, rng, n: arch + "".join(str(rng.randrange(10)) for _ in range(n)),
        sample=lambda rng: str(rng.randrange(10**6)))


CFG = search.SearchConfig(space="toy", iterations=60, population=16, seed=4)


def test_algorithm_1_phases_and_constraints(tmp_path):
    h = search.run(CFG, root=tmp_path, progress=False, prob=toy_problem())
    assert len(h) == 60  # the history is never pruned
    assert all(toy_problem().feasible(a) is not None for a in h["arch"])  # constraint kept
    assert (h["parent"].iloc[:11] == -1).all()  # the first 11 mutate the initial structure
    assert (h["arch"].iloc[:11].str.len() == 2).all()  # ... with one replacement
    for i in range(11, 60):
        parent = h["parent"].iat[i]
        assert 0 <= parent < i
        assert h["arch"].iat[i].startswith(h["arch"].iat[parent])
        if i >= CFG.population - 1:  # then only the top population-1 may be parents
            agg = search.aggregated(h.iloc[:i], ("a", "b"))
            assert parent in set(search.top_indices(agg, CFG.population - 1))
    assert h["rejected"].sum() > 0  # infeasible candidates were drawn and discarded
    assert search.best(h)["aggregated"] == h["aggregated"].max()


def test_random_strategies(tmp_path):
    walk = search.run(search.SearchConfig(space="toy", strategy="random-walk", iterations=40,
                                          population=8, seed=1), root=tmp_path, progress=False,
                      prob=toy_problem())
    assert all(0 <= p < i for i, p in enumerate(walk["parent"]) if i > 10)
    rand = search.run(search.SearchConfig(space="toy", strategy="random", iterations=20, seed=1),
                      root=tmp_path, progress=False, prob=toy_problem())
    assert (rand["parent"] == -1).all()


def test_stopped_search_resumes_to_the_same_history(tmp_path):
    full = search.run(CFG, root=tmp_path / "a", progress=False, prob=toy_problem())
    search.run(CFG, root=tmp_path / "b", progress=False, prob=toy_problem(), stop_after=23,
               checkpoint_every=5)
    resumed = search.run(CFG, root=tmp_path / "b", progress=False, prob=toy_problem())
    cols = [c for c in full.columns if c != "seconds"]
    pd.testing.assert_frame_equal(full[cols], resumed[cols])


def test_resume_refuses_another_configuration(tmp_path):
    search.run(CFG, root=tmp_path, progress=False, prob=toy_problem(), stop_after=3)
    path = search.path_for(CFG, tmp_path)
    other = search.SearchConfig(space="toy", iterations=60, population=16, seed=5)
    path.rename(search.path_for(other, tmp_path))
    with pytest.raises(ValueError, match="different search configuration"):
        search.run(other, root=tmp_path, progress=False, prob=toy_problem())


TINY = search.SearchConfig(space="mbv2", iterations=14, population=6, seed=0, budget=450e6,
                           resolution=32, batch_size=4)


def test_killed_mbv2_search_resumes_to_the_uninterrupted_history(tmp_path):
    code = ("from aznas_core import search\n"
            f"search.run(search.{TINY!r}, root={str(tmp_path / 'k')!r}, checkpoint_every=2,"
            " progress=False)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    path = search.path_for(TINY, tmp_path / "k")
    deadline = time.time() + 300
    while time.time() < deadline and not path.exists():
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # mid-run
    proc.wait()
    n_before = len(search.read_history(path)[0])
    assert 2 <= n_before < TINY.iterations, "the kill should land mid-search"
    resumed = search.run(TINY, root=tmp_path / "k", progress=False)
    full = search.run(TINY, root=tmp_path / "u", progress=False)
    cols = [c for c in full.columns if c != "seconds"]
    pd.testing.assert_frame_equal(full[cols], resumed[cols])
    assert (full["flops_budget_counter"] <= 450e6).all() and (full["layers"] <= 14).all()
    assert all(f == mbv2.budget_flops(a) for a, f in zip(full["arch"], full["flops_budget_counter"]))


def test_best_so_far_is_monotone_in_the_history_prefix(tmp_path):
    h = search.run(CFG, root=tmp_path, progress=False, prob=toy_problem())
    conv = search.best_so_far(h, ("a", "b"), every=10)
    assert list(conv["n"]) == [10, 20, 30, 40, 50, 60]
    assert conv["best_index"].iat[-1] == int(np.argmax(h["aggregated"]))


def test_cli_search_runs_and_resumes(tmp_path, capsys):
    import json

    from aznas_core import cli

    args = ["search", "--space", "mbv2", "--budget-flops", "450e6", "--iterations", "3",
            "--population", "4", "--resolution", "32", "--batch-size", "4", "--root", str(tmp_path)]
    assert cli.main(args) == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert first["iterations"] == 3 and mbv2.validate(first["best"]) == first["best"]
    assert cli.main(args) == 0  # a finished search only reloads
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == first
