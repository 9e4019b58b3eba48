"""Baseline proxies against values computed by hand on tiny networks, and the registry."""
import math

import numpy as np
import pytest
import torch
from torch import nn

import aznas_core
from aznas_core.config import Config
from aznas_core.proxies import FAMILIES, PROXIES, Batch, check_proxies
from aznas_core.scoring import score
from aznas_core.proxies import gradient as gr
from aznas_core.proxies import naswot as nw
from aznas_core.proxies import synflow as sf
from aznas_core.proxies import zen as zn

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def linear_model(w, b):
    m = nn.Linear(w.shape[1], w.shape[0])
    with torch.no_grad():
        m.weight.copy_(torch.as_tensor(w, dtype=torch.float32))
        m.bias.copy_(torch.as_tensor(b, dtype=torch.float32))
    return m


W = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])
B = np.array([0.1, -0.2])
X = np.array([[1.0, 2.0, -1.0], [0.5, -1.5, 1.0], [-2.0, 0.5, 0.0]])
Y = np.array([0, 1, 1])


def hand_ce_grads():
    """CE(mean) of a linear classifier by hand: dL/dz = (softmax(z) - onehot) / n."""
    z = X @ W.T + B
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    dz = (p - np.eye(2)[Y]) / len(X)
    return z, dz, dz.T @ X  # logits, dL/dz, dL/dW


def labelled():
    m = linear_model(W, B)
    x = torch.tensor(X, dtype=torch.float32)
    y = torch.tensor(Y)
    return m, gr.labelled_pass(m, x, y)


def test_snip_plain_grad_norm_on_a_linear_classifier():
    m, r = labelled()
    _, _, dw = hand_ce_grads()
    assert gr.snip(r["layers"], r["weight_grads"]) == pytest.approx(np.abs(W * dw).sum(), rel=1e-5)
    assert gr.plain(r["layers"], r["weight_grads"]) == pytest.approx((W * dw).sum(), rel=1e-5)
    assert gr.grad_norm_per_layer(r["weight_grads"]) == pytest.approx(np.linalg.norm(dw), rel=1e-5)


def test_fisher_is_half_mean_squared_act_times_grad_per_channel_times_fan_in():
    m, r = labelled()
    z, dz, _ = hand_ce_grads()
    delta = 0.5 * ((z * dz) ** 2).mean(0)  # per output unit
    expected = np.abs(delta).sum() * W.shape[1]  # broadcast to the 3 weights of each unit
    assert gr.fisher(r["layers"], r["acts"], r["act_grads"]) == pytest.approx(expected, rel=1e-5)


def test_jacobian_of_summed_logits_and_jacob_cov():
    m, r = labelled()
    jac = r["jacobian"].numpy()
    assert np.allclose(jac, np.tile(W.sum(0), (3, 1)), atol=1e-6)  # d sum(Wx+b)/dx
    # a known Jacobian: two rows with correlation rho -> eigenvalues 1 +- rho
    j = torch.tensor([[1.0, 2.0, 3.0, 5.0], [2.0, 1.0, 4.0, 3.0]])
    rho = np.corrcoef(j.numpy())[0, 1]
    k = 1e-5
    expected = -sum(math.log(lam + k) + 1 / (lam + k) for lam in (1 + rho, 1 - rho))
    assert gr.jacob_cov(j) == pytest.approx(expected, rel=1e-9)


def test_epe_nas_on_known_jacobians():
    k = 1e-5
    j = torch.tensor([[1.0, 2.0, 3.0, 5.0], [2.0, 1.0, 4.0, 3.0], [0.0, 1.0, 0.0, 2.0]])
    rho = np.corrcoef(j[:2].numpy())[0, 1]
    # class 0 holds rows 0 and 1, class 1 only row 2 (its corrcoef is the scalar 1)
    expected = abs(2 * math.log(1 + k) + 2 * math.log(abs(rho) + k)) + abs(math.log(1 + k))
    assert gr.epe_nas(j, torch.tensor([0, 0, 1]), 10) == pytest.approx(expected, rel=1e-9)


def test_epe_nas_beyond_100_classes_reads_the_classifier_size_not_the_batch():
    """NASLib switches to pairwise differences of per-class scores (each divided by the
    class's sample count; one-sample classes skipped) when the network has > 100 outputs,
    e.g. ImageNet16-120, however few labels the batch holds."""
    k = 1e-5
    j = torch.tensor([[1.0, 2.0, 3.0, 5.0], [2.0, 1.0, 4.0, 3.0], [0.0, 1.0, 0.0, 2.0],
                      [1.0, 0.0, 2.0, 2.0], [3.0, 1.0, 1.0, 0.0]])
    y = torch.tensor([0, 0, 1, 2, 2])
    rho01 = np.corrcoef(j[:2].numpy())[0, 1]
    rho34 = np.corrcoef(j[3:].numpy())[0, 1]
    s0 = (2 * math.log(1 + k) + 2 * math.log(abs(rho01) + k)) / 2
    s2 = (2 * math.log(1 + k) + 2 * math.log(abs(rho34) + k)) / 2
    expected = 2 * abs(s0 - s2) / 2  # pairs (0, 2) and (2, 0); class 1 (one sample) skipped
    assert gr.epe_nas(j, y, 120) == pytest.approx(expected, rel=1e-9)
    assert gr.epe_nas(j, y, 100) != pytest.approx(expected)  # <= 100 classes: sum of |s_c|
    # through the family: an ImageNet16-120 network has 120 outputs
    m, r = labelled()
    assert r["num_outputs"] == 2


def test_grasp_equals_a_finite_difference_hessian_vector_product():
    m, _ = labelled()
    x, y = torch.tensor(X, dtype=torch.float32), torch.tensor(Y)
    got = gr.grasp_score(nn.Sequential(m), x, y)  # sum over (conv/linear) weights of -W*Hg

    def grad_w(w):  # float64 gradient of the CE with respect to the weight
        z = X @ w.T + B
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        return ((p - np.eye(2)[Y]) / len(X)).T @ X

    g, eps = grad_w(W), 1e-4
    hg = (grad_w(W + eps * g) - grad_w(W - eps * g)) / (2 * eps)
    assert got == pytest.approx(-(W * hg).sum(), rel=1e-3)


def test_synflow_of_a_bias_free_chain_is_depth_times_the_output():
    """For a bias-free chain of L linear maps on all-ones input, sum |W * dR/dW| = L * R."""
    class Chain(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 2, 1, bias=False)
            self.bn = nn.BatchNorm2d(2)  # bypassed
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(2, 1, bias=False)

        def forward(self, x):
            return self.fc(self.pool(self.bn(self.conv(x))).flatten(1))

    net = Chain()
    w1 = np.array([[1.0, -2.0, 0.5], [-0.25, 3.0, 1.0]])
    w2 = np.array([[-2.0, 0.5]])
    with torch.no_grad():
        net.conv.weight.copy_(torch.tensor(w1).view(2, 3, 1, 1))
        net.fc.weight.copy_(torch.tensor(w2))
    r = (np.abs(w2) @ np.abs(w1).sum(1))[0]
    assert sf.synflow_score(net, resolution=4) == pytest.approx(2 * r, rel=1e-12)
    assert net.conv.weight[0, 1, 0, 0] == -2.0  # scored on a copy


def test_naswot_kernel_counts_agreeing_units():
    x = torch.tensor([[1.0, -1.0, 1.0], [1.0, 2.0, -1.0], [-1.0, -1.0, -1.0]])
    k = nw.code_kernel(nn.Sequential(nn.ReLU()), x)
    codes = (x > 0).numpy().astype(float)
    expected = codes @ codes.T + (1 - codes) @ (1 - codes).T
    assert np.array_equal(k.numpy(), expected)  # [[3,1,1],[1,3,1],[1,1,3]]
    assert nw.logabsdet(k) == pytest.approx(math.log(20.0))  # det = 27 - 9 + 2 = 20
    # a ReLU called twice counts twice
    relu = nn.ReLU()
    k2 = nw.code_kernel(nn.Sequential(relu, nn.Identity(), relu), x)
    assert np.array_equal(k2.numpy(), 2 * expected)


class TinyZen(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 1, bias=False)
        self.bn = nn.BatchNorm2d(3)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        return self.fc(self.pool(self.bn(self.conv(x))).flatten(1))


def test_zen_delta_and_batchnorm_term():
    g = torch.Generator().manual_seed(0)
    net = TinyZen()
    x1, x2 = torch.randn(8, 2, 4, 4, generator=g), torch.randn(8, 2, 4, 4, generator=g)
    got = zn.zen_score(net, x1, x2)

    w = net.conv.weight.detach()[:, :, 0, 0]
    bn = lambda h: (h - h.mean((0, 2, 3), keepdim=True)) / torch.sqrt(  # noqa: E731
        h.var((0, 2, 3), unbiased=False, keepdim=True) + 1e-5)
    conv = lambda x: torch.einsum("oc,bchw->bohw", w, x)  # noqa: E731
    f1, f2 = bn(conv(x1)), bn(conv(x1 + 0.01 * x2))
    delta = (f1 - f2).abs().sum((1, 2, 3)).mean()
    v1 = conv(x1).var((0, 2, 3), unbiased=True)
    v2 = conv(x1 + 0.01 * x2).var((0, 2, 3), unbiased=True)
    running = 0.81 + 0.09 * v1 + 0.1 * v2  # momentum 0.1 twice from running_var = 1
    expected = float(torch.log(delta) + torch.log(torch.sqrt(running.mean())))
    assert got == pytest.approx(expected, rel=1e-5)


def test_grad_norm_harness_is_the_global_norm_of_all_parameter_gradients():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 5))
    x = torch.randn(6, 3, 5, 5)
    got = gr.grad_norm_global(net, x, torch.Generator().manual_seed(3))
    y = torch.randint(0, 5, (6,), generator=torch.Generator().manual_seed(3))
    net.zero_grad()
    nn.functional.cross_entropy(net(x), y).backward()
    expected = math.sqrt(sum(float(p.grad.pow(2).sum()) for p in net.parameters()))
    assert got == pytest.approx(expected, rel=1e-6)


def test_l2_norm_sums_frobenius_norms():
    cfg = Config(dataset="ImageNet16-120", variant="zc")
    from aznas_core.scoring import build_for

    model = build_for("l2_norm", ARCH, cfg)
    expected = sum(float(m.weight.detach().norm()) for m in model.modules()
                   if isinstance(m, (nn.Conv2d, nn.Linear)))
    assert score(ARCH, ["l2_norm"], config=cfg)["l2_norm"] == pytest.approx(expected, rel=1e-6)


# --------------------------------------------------------------------------------------
# Registry and configuration
# --------------------------------------------------------------------------------------
NAMES = ["grad_norm", "snip", "grasp", "synflow", "naswot", "zen", "fisher", "jacob_cov",
         "plain", "l2_norm", "epe_nas", "nwot"]


def test_registry_holds_this_engineers_proxies():
    assert set(NAMES) <= set(PROXIES)
    assert set(aznas_core.PROXIES) == set(PROXIES)


@pytest.mark.parametrize("variant", ["aznas", "zc"])
def test_every_proxy_scores_a_cell_deterministically(variant):
    cfg = Config(dataset="ImageNet16-120", batch_size=8, variant=variant)
    a = score(ARCH, NAMES, config=cfg)
    assert all(np.isfinite(v) for v in a.values()), a
    assert score(ARCH, NAMES, config=cfg) == a


def test_proxies_sharing_a_pass_equal_separate_requests():
    cfg = Config(dataset="ImageNet16-120", batch_size=8, variant="zc")
    together = score(ARCH, ["grad_norm", "snip", "fisher", "jacob_cov"], config=cfg)
    for p, v in together.items():
        assert score(ARCH, [p], config=cfg)[p] == v


def test_variants_differ_where_the_frameworks_differ():
    az = Config(dataset="ImageNet16-120", batch_size=8)
    zc = Config(dataset="ImageNet16-120", batch_size=8, variant="zc")
    assert score(ARCH, ["grad_norm"], config=az) != score(ARCH, ["grad_norm"], config=zc)
    assert FAMILIES["zen"].identity(az) == FAMILIES["zen"].identity(zc)  # one definition


def test_the_aznas_cache_identity_is_the_original_layout():
    cfg = Config(dataset="ImageNet16-120")
    assert FAMILIES["aznas"].identity(cfg) == dict(space="nb201", resolution=16, batch_size=64,
                                                   init="kaiming_fan_in", seed=0)
    assert FAMILIES["aznas"].key(cfg) == "res16-bs64-kaiming_fan_in-seed0"
    assert FAMILIES["aznas"].key(Config(init="kaiming_fan_out")) == "res32-bs64-kaiming_fan_out-seed0"
    # other families record what their values depend on, and nothing else
    assert FAMILIES["synflow"].key(cfg) == "res16-kaiming_fan_in-seed0-ImageNet16-120-aznas"
    assert FAMILIES["naswot"].key(cfg) == FAMILIES["naswot"].key(Config(resolution=16))
    assert "synthetic_cifar10" in FAMILIES["gradient"].key(cfg)


@pytest.mark.parametrize("kwargs, message", [
    (dict(inputs="imagenet"), "unknown input source"),
    (dict(variant="naslib"), "unknown proxy variant"),
    (dict(device="tpu9"), "unknown device"),
    (dict(init="orthogonal"), "unknown init scheme"),
    (dict(resolution=0), "resolution must be a positive"),
    (dict(space="mbv2"), "search it with `aznas search --space mbv2`"),
    (dict(space="nasbench101"), "unknown search space"),
])
def test_bad_configuration_is_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Config(**kwargs)


def test_labels_from_an_unlabelled_source_is_a_clear_error():
    cfg = Config(inputs="gaussian")
    with pytest.raises(ValueError, match="'snip' needs labels"):
        check_proxies(["snip"], cfg)
    check_proxies(["naswot", "synflow", "zen", "nwot"], cfg)  # no labels needed
    with pytest.raises(ValueError, match="unknown proxy"):
        score(ARCH, ["snipp"])
    with pytest.raises(ValueError, match="not both"):  # keywords are not silently dropped
        score(ARCH, ["l2_norm"], config=cfg, dataset="cifar100")


def test_model_level_functions_take_a_batch_and_a_device():
    net = TinyZen()
    g = torch.Generator().manual_seed(1)
    batch = Batch(noise=torch.randn(4, 2, 4, 4, generator=g),
                  noise2=torch.randn(4, 2, 4, 4, generator=g)).to("cpu")
    out = FAMILIES["zen"].fn(net, batch, Config())
    assert np.isfinite(out["zen"])


def test_pruning_dead_edges_leaves_synflow_grasp_and_l2_norm_unchanged():
    """The families declared `prune=True` skip edges that cannot affect the output; their
    weights get exactly zero gradients (and keep their norms), so the values are the same."""
    from aznas_core.initialization import initialize
    from aznas_core.spaces import nb201

    dead = "|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|skip_connect~0|none~1|avg_pool_3x3~2|"
    assert not nb201.live_edges(nb201.parse(dead))[0]  # node 1's conv never reaches node 3
    nets = {}
    for prune in (False, True):
        net = nb201.build(dead, "cifar10", prune=prune)
        nets[prune] = initialize(net, "kaiming_fan_in", generator=torch.Generator().manual_seed(0))
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(4, 3, 8, 8, generator=g), torch.randint(0, 10, (4,), generator=g)
    assert sf.synflow_score(nets[True], 8) == pytest.approx(sf.synflow_score(nets[False], 8),
                                                            rel=1e-9)
    assert gr.grasp_score(nets[True], x, y) == pytest.approx(gr.grasp_score(nets[False], x, y),
                                                              rel=1e-5)
    l2 = [sum(float(m.weight.norm()) for m in gr.prunable(n)) for n in (nets[True], nets[False])]
    assert l2[0] == l2[1]
