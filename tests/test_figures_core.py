"""Core pieces behind the figure and reported pages: cell graphs (Fig. 9), the status of
figure and reported targets (the book's landing page), the expressivity maximum (Fig. 2)."""
import math

import pandas as pd
import torch

from aznas_core import report
from aznas_core.cells import cell_graph, live_ops
from aznas_core.proxies.aznas import block_expressivity

ARCH = "|nor_conv_1x1~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|skip_connect~2|"


def test_cell_graph_edges_roles_and_liveness():
    g = cell_graph(ARCH)
    assert [g.nodes[n]["role"] for n in sorted(g)] == ["input", "intermediate", "intermediate",
                                                       "output"]
    # 'none' edges are left out; node 1 feeds nothing live, node 2 is never reached
    assert {e: g.edges[e]["op"] for e in g.edges} == {
        (0, 1): "nor_conv_1x1", (0, 3): "nor_conv_3x3", (2, 3): "skip_connect"}
    assert {e for e in g.edges if g.edges[e]["live"]} == {(0, 3)}
    assert live_ops(ARCH) == ["nor_conv_3x3"]
    full = cell_graph(ARCH, keep_none=True)
    assert full.number_of_edges() == 6 and full.edges[1, 2]["op"] == "none"


def test_cell_graph_of_a_chain_is_all_live():
    arch = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|"
    g = cell_graph(arch)
    assert sorted(g.edges) == [(0, 1), (1, 2), (2, 3)]
    assert all(g.edges[e]["live"] for e in g.edges)
    assert live_ops(arch) == ["nor_conv_3x3", "skip_connect", "avg_pool_3x3"]


def test_expressivity_of_2d_features_is_at_most_log2():
    # Fig. 2: isotropic 2-D features (exactly whitened) score log 2; a stretched copy less
    x = torch.randn(500, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    x = x - x.mean(0)
    x = x @ torch.linalg.inv(torch.linalg.cholesky(x.T @ x / len(x))).T
    iso = block_expressivity(x.reshape(500, 2, 1, 1))
    aniso = block_expressivity((x * torch.tensor([1.0, 0.3], dtype=torch.float64)).reshape(500, 2, 1, 1))
    assert abs(iso - math.log(2)) < 1e-6
    # p = (1, 0.09) / 1.09: the entropy by hand
    p = torch.tensor([1.0, 0.09], dtype=torch.float64) / 1.09
    assert abs(aniso - float(-(p * p.log()).sum())) < 1e-6 and aniso < iso


def test_status_of_reported_and_figure_targets(tmp_path):
    nb, res = tmp_path / "nb", tmp_path / "res"
    nb.mkdir(), res.mkdir()
    status = lambda: report.status_table(res, nb).set_index("id")["status"]  # noqa: E731
    assert status()["P-T6"] == "not yet built"
    (nb / "table6.ipynb").write_text("{}")
    assert status()["P-T6"] == "reported"

    target = next(t for t in report.TARGETS if t.id == "P-F3")
    (nb / target.notebook).write_text("{}")
    claims = pd.DataFrame({"claim": ["a", "b"], "value": [1.0, 2.0], "holds": [True, True]})
    claims.to_csv(res / f"{target.result}.csv", index=False)
    assert status()["P-F3"] == "reproduced"
    claims.assign(holds=[True, False]).to_csv(res / f"{target.result}.csv", index=False)
    assert status()["P-F3"] == "partially reproduced (50% of claims hold)"
    claims.assign(holds=[False, False]).to_csv(res / f"{target.result}.csv", index=False)
    assert status()["P-F3"] == "does not reproduce"
