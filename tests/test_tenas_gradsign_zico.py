"""TE-NAS (ntk, linear_region), GradSign and ZiCo against hand-computed values on tiny nets."""
import math

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from aznas_core import aggregate
from aznas_core.proxies import gradsign, tenas, zico


class Linear1(nn.Module):
    """f(x) = w . x + b: one logit, so a row of the NTK Jacobian is just x (bias excluded)."""

    def __init__(self, w):
        super().__init__()
        self.fc = nn.Linear(len(w), 1)
        with torch.no_grad():
            self.fc.weight.copy_(torch.tensor([w]))
            self.fc.bias.fill_(0.7)

    def forward(self, x):
        return self.fc(x)


def test_ntk_condition_number_of_a_known_jacobian():
    # rows x_i are the Jacobian; NTK = X X^T = diag(4, 1) -> cond 4 -> score -4
    x = torch.tensor([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    model = Linear1([0.3, -0.2, 0.5])
    assert torch.equal(tenas.ntk_jacobian(model, x), x)
    assert tenas.ntk_score(model, x) == pytest.approx(-4.0)
    assert tenas.ntk_score(model, x, method="vmap") == pytest.approx(-4.0)


def test_ntk_nan_condition_becomes_1e5():
    assert tenas.condition_number(torch.zeros(3, 3)) == tenas.NAN_CONDITION


def small_cnn(seed=0, classes=3):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.Conv2d(4, 4, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(4),
                         nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, classes))


def test_ntk_loop_equals_vmap_and_per_sample_backward_with_batchnorm():
    model, x = small_cnn(), torch.randn(6, 2, 5, 5)
    g_loop = tenas.ntk_jacobian(model.train(), x)
    g_vmap = tenas.ntk_jacobian(model, x, method="vmap")
    rows = []  # the authors' way: one backward per sample of its logit sum
    out = model(x)
    for i in range(len(x)):
        model.zero_grad()
        out[i].sum().backward(retain_graph=True)
        rows.append(torch.cat([p.grad.reshape(-1) for n, p in model.named_parameters()
                               if "weight" in n]))
    torch.testing.assert_close(g_loop, torch.stack(rows))
    torch.testing.assert_close(g_vmap, torch.stack(rows))


def test_linear_regions_count_distinct_codes():
    codes = torch.tensor([[1, 0, 1], [1, 0, 1], [0, 0, 0], [0, 1, 1]], dtype=torch.bool)
    assert tenas.count_distinct(codes) == 3

    class TwoRelu(nn.Module):  # codes of x at one ReLU: sign pattern of the 4-D input
        def __init__(self):
            super().__init__()
            self.relu = nn.ReLU()

        def forward(self, x):
            return self.relu(x)

    x = torch.tensor([[1.0, -1.0], [2.0, -3.0], [-1.0, 1.0], [-2.0, -2.0]]).reshape(4, 2, 1, 1)
    assert tenas.linear_regions(TwoRelu(), x) == 3.0  # patterns 10, 10, 01, 00


def test_te_nas_is_the_rank_sum():
    frame = pd.DataFrame({"ntk": [-5.0, -2.0, -9.0], "linear_region": [64.0, 10.0, 64.0]})
    # ranks: ntk 2, 3, 1; linear_region 2.5, 1, 2.5
    assert list(aggregate.te_nas(frame)) == [4.5, 4.0, 3.5]


class TinyLinear(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.fc = nn.Linear(2, 2, bias=False)
        with torch.no_grad():
            self.fc.weight.copy_(torch.tensor(w))

    def forward(self, x):
        return self.fc(x)


def test_gradsign_by_hand_on_a_linear_model():
    # CE gradient of sample n: dW = (softmax(Wx_n) - onehot(y_n)) x_n^T; with W = 0 the
    # softmax is (1/2, 1/2), so dW_n = [[1/2 - [y=0]], [1/2 - [y=1]]] x_n^T
    x = torch.tensor([[1.0, 2.0], [1.0, -1.0], [-3.0, 1.0]])
    y = torch.tensor([0, 0, 1])
    signs = []
    for xn, yn in zip(x, y):
        d = torch.tensor([0.5 - (yn == 0).float(), 0.5 - (yn == 1).float()])
        signs.append(torch.sign(torch.outer(d, xn)))
    expected = float(torch.stack(signs).sum(0).abs().mean())
    # signs [[-1,-1],[1,1]] + [[-1,1],[1,-1]] + [[-1,1],[1,-1]] = [[-3,1],[3,-1]] -> mean |.| = 2
    assert expected == 2.0
    model = TinyLinear([[0.0, 0.0], [0.0, 0.0]])
    assert gradsign.gradsign(model, x, y) == pytest.approx(expected)
    assert gradsign.gradsign(model, x, y, method="vmap") == pytest.approx(expected)
    # GradSign's zero-cost-nas reduction sums instead: |-3| + 1 + 3 + |-1| = 8 = 4 weights x 2
    assert gradsign.gradsign(model, x, y, reduction="sum") == 8.0
    assert gradsign.gradsign(model, x, y, reduction="both") == {"mean": 2.0, "sum": 8.0}
    with pytest.raises(ValueError, match="reduction must be one of"):
        gradsign.gradsign(model, x, y, reduction="max")


def test_gradsign_hooks_equal_vmap_and_one_sample_at_a_time():
    model, x, y = small_cnn(1), torch.randn(5, 2, 6, 6), torch.tensor([0, 1, 2, 1, 0])
    by_hooks = gradsign.sign_sum(model, x, y)
    by_vmap = gradsign.sign_sum(model, x, y, method="vmap")
    weights = gradsign.prunable_weights(model)
    by_loop = {n: torch.zeros_like(w) for n, w in weights.items()}
    model.train()
    for i in range(len(x)):  # the authors' loop: batch of one, train-mode BN
        g = torch.autograd.grad(nn.functional.cross_entropy(model(x[[i]]), y[[i]]),
                                list(weights.values()))
        for n, gi in zip(weights, g):
            by_loop[n] += torch.sign(gi)
    for n in weights:
        assert torch.equal(by_hooks[n], by_loop[n]), n
        assert torch.equal(by_vmap[n], by_loop[n]), n
    # running statistics untouched by the vectorised paths, BN forward restored
    assert all("forward" not in vars(m) for m in model.modules())


def test_gradsign_counts_unreached_weights_as_zeros():
    class Unused(TinyLinear):
        def __init__(self):
            super().__init__([[1.0, 0.0], [0.0, 1.0]])
            self.dead = nn.Linear(3, 3, bias=False)  # 9 weights that never get a gradient

    x, y = torch.tensor([[1.0, 2.0]]), torch.tensor([0])
    alive = gradsign.gradsign(TinyLinear([[1.0, 0.0], [0.0, 1.0]]), x, y)
    assert gradsign.gradsign(Unused(), x, y) == pytest.approx(alive * 4 / 13)
    # the sum ignores them: it only grows with the weights that get a gradient
    assert gradsign.gradsign(Unused(), x, y, reduction="sum") == \
        gradsign.gradsign(TinyLinear([[1.0, 0.0], [0.0, 1.0]]), x, y, reduction="sum")


def test_zico_on_two_constructed_batches():
    # one weight layer with 2 elements; per-batch grads g1, g2 built by hand:
    # element 0: g = (1, 3) -> mean|g| = 2, std = 1 -> 2;  element 1: g = (-2, 2) -> 2 / 2 = 1
    grads = {"fc.weight": torch.tensor([[1.0, -2.0], [3.0, 2.0]])}
    assert zico.zico_from_gradients(grads) == pytest.approx(math.log(3.0))
    # an element with zero std is dropped; a layer whose kept sum is 0 is skipped
    grads["other"] = torch.tensor([[5.0, 0.0], [5.0, 0.0]])
    assert zico.zico_from_gradients(grads) == pytest.approx(math.log(3.0))


def test_zico_of_a_linear_model_matches_the_formula():
    model = TinyLinear([[0.0, 0.0], [0.0, 0.0]])
    b1 = (torch.tensor([[1.0, 2.0]]), torch.tensor([0]))
    b2 = (torch.tensor([[3.0, -1.0]]), torch.tensor([1]))
    # W = 0: dW = (softmax - onehot) x^T = [[-1/2], [1/2]] x1^T and [[1/2], [-1/2]] x2^T
    g1 = torch.outer(torch.tensor([-0.5, 0.5]), b1[0][0]).reshape(-1)
    g2 = torch.outer(torch.tensor([0.5, -0.5]), b2[0][0]).reshape(-1)
    g = torch.stack([g1, g2])
    expected = math.log(float((g.abs().mean(0) / g.std(0, unbiased=False)).sum()))
    assert zico.zico(model, [b1, b2]) == pytest.approx(expected)
    with pytest.raises(ValueError, match="two batches"):
        zico.zico(model, [b1])


ARCH = "|nor_conv_3x3~0|+|none~0|nor_conv_1x1~1|+|skip_connect~0|none~1|avg_pool_3x3~2|"


def test_registry_scores_each_proxy_reproducibly():
    import aznas_core

    names = ["ntk", "linear_region", "gradsign", "zico"]
    a = aznas_core.score(ARCH, names, dataset="ImageNet16-120", batch_size=8)
    b = aznas_core.score(ARCH, names, dataset="ImageNet16-120", batch_size=8)
    assert a == b and all(np.isfinite(list(a.values())))
    assert 1 <= a["linear_region"] <= 8
    with pytest.raises(ValueError, match="rank a set of architectures"):
        aznas_core.score(ARCH, ["te_nas"])


def test_pruning_dead_edges_leaves_gradsign_and_zico_unchanged():
    from aznas_core.spaces import nb201

    torch.manual_seed(0)
    full = nb201.build(ARCH, "ImageNet16-120", prune=False)
    pruned = nb201.build(ARCH, "ImageNet16-120", prune=True)
    pruned.load_state_dict(full.state_dict())
    x, y = torch.randn(6, 3, 16, 16), torch.randint(0, 120, (6,))
    x2, y2 = torch.randn(6, 3, 16, 16), torch.randint(0, 120, (6,))
    assert gradsign.gradsign(full, x, y) == pytest.approx(gradsign.gradsign(pruned, x, y), rel=1e-6)
    assert zico.zico(full, [(x, y), (x2, y2)]) == pytest.approx(
        zico.zico(pruned, [(x, y), (x2, y2)]), rel=1e-4)
