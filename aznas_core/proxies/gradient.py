"""Gradient proxies from one labelled pass, GRASP, and the weight norm.

Family ``gradient`` (PROTOCOLS.md A1, A3, B1, B2, B4, B6): one forward of the labelled
batch, one backward of the cross-entropy (weight gradients and every conv/linear output's
gradient) and one backward of the summed logits into the input (the Jacobian) give

* ``snip``  = sum over conv/linear weights of |W * dL/dW|;
* ``plain`` = sum over conv/linear weights of W * dL/dW (NASLib);
* ``fisher`` = sum over conv/linear layers and output channels k of
  0.5 * mean_n (sum_spatial act * dL/dact)^2, times the weights per channel (zero-cost-nas
  broadcasts the channel value to every weight of the channel, then sums);
* ``jacob_cov`` = -sum_i [log(l_i + 1e-5) + 1/(l_i + 1e-5)], l = eigenvalues of the
  correlation matrix of the per-sample input Jacobians of the summed logits (NASWOT v1);
* ``epe_nas`` = NASLib's per-class Jacobian-correlation score;
* ``grad_norm``: variant ``zc`` (zero-cost-nas/NASLib) = sum over conv/linear layers of
  ||dL/dW||_2 from that same pass; variant ``aznas`` (the authors' harness, a ZenNAS port)
  = sqrt(sum over ALL parameters of ||dL/dp||^2) on a *Gaussian* batch with random labels,
  a second pass run only when grad_norm is asked for.

Family ``grasp`` (A2): T=1 GRASP: g = dL/dW, Hg by double back-propagation of
sum(g.detach() * dL/dW), score = sum over conv/linear weights of -W * Hg. The authors run
two forwards of the same batch (one for g, one with create_graph); both see the same
values, so we run one.

Family ``l2_norm`` (B5): sum over conv/linear layers of ||W||_F at initialisation.

Inits (``init`` per variant): the harness re-initialises with Kaiming fan-in; zero-cost-nas
and NASLib keep PyTorch's default init. NaN is not guarded (neither does the source code).
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from aznas_core.config import Config
from aznas_core.proxies.registry import Batch, register_family

JACOB_EPS = 1e-5
INITS = {"aznas": "kaiming_fan_in", "zc": "pytorch_default"}


def _logits(out):
    return out[-1] if isinstance(out, (tuple, list)) else out


def prunable(model: nn.Module) -> list[nn.Module]:
    """Conv and linear layers: what zero-cost-nas's measures sum over."""
    return [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def labelled_pass(model: nn.Module, x: torch.Tensor, y: torch.Tensor, jacobian: bool = True,
                  activations: bool = True) -> dict:
    """One forward, the cross-entropy's gradients (weights of `prunable` layers, their
    outputs) and, optionally, the input Jacobian of the summed logits."""
    layers = prunable(model)
    acts = {}

    def hook(m, args, out):
        acts[m] = out

    handles = [m.register_forward_hook(hook) for m in layers] if activations else []
    try:
        x = x.detach().requires_grad_(jacobian)
        with torch.enable_grad():
            logits = _logits(model(x))
            jac = None
            if jacobian:
                (jac,) = torch.autograd.grad(logits, x, torch.ones_like(logits),
                                             retain_graph=True)
            loss = F.cross_entropy(logits, y)
            act_list = [acts[m] for m in layers if m in acts]
            grads = torch.autograd.grad(loss, [m.weight for m in layers] + act_list,
                                        allow_unused=True)
    finally:
        for h in handles:
            h.remove()
    n = len(layers)
    zero = lambda g, t: torch.zeros_like(t) if g is None else g  # noqa: E731
    w_grads = [zero(g, m.weight) for g, m in zip(grads[:n], layers)]
    a_grads = dict(zip([m for m in layers if m in acts],
                       [zero(g, a) for g, a in zip(grads[n:], act_list)]))
    return dict(layers=layers, weight_grads=w_grads, acts=acts, act_grads=a_grads,
                jacobian=jac, num_outputs=logits.shape[-1])


def snip(layers, weight_grads) -> float:
    return float(sum((m.weight.detach() * g).abs().sum() for m, g in zip(layers, weight_grads)))


def plain(layers, weight_grads) -> float:
    return float(sum((m.weight.detach() * g).sum() for m, g in zip(layers, weight_grads)))


def grad_norm_per_layer(weight_grads) -> float:
    """zero-cost-nas / NASLib: sum over layers of ||dL/dW||_2."""
    return float(sum(g.norm() for g in weight_grads))


def fisher(layers, acts, act_grads) -> float:
    total = 0.0
    for m in layers:
        if m not in acts:
            continue
        a, g = acts[m].detach(), act_grads[m]
        per_sample = (a * g).sum(dim=(2, 3)) if a.dim() == 4 else a * g  # (B, C_out)
        delta = 0.5 * per_sample.pow(2).mean(0)
        total += float(delta.abs().sum()) * m.weight[0].numel()
    return total


def jacob_cov(jac: torch.Tensor) -> float:
    """-sum(log(l + k) + 1/(l + k)) over the eigenvalues of corrcoef(J); NaN on failure
    (zero-cost-nas returns NaN when the eigen-solver raises)."""
    j = jac.reshape(len(jac), -1).detach().cpu().numpy()
    try:
        corr = np.corrcoef(j)
        lam = np.linalg.eigvalsh(corr)
    except np.linalg.LinAlgError:
        return math.nan
    return float(-np.sum(np.log(lam + JACOB_EPS) + 1.0 / (lam + JACOB_EPS)))


def epe_nas(jac: torch.Tensor, y: torch.Tensor, num_classes: int) -> float:
    """NASLib's EPE-NAS: per label c, s_c = sum log(|corrcoef(J_c)| + 1e-5); score = sum |s_c|.
    With more than 100 classes (NASLib reads the number of network outputs, not the labels
    in the batch: ImageNet16-120 takes this branch) s_c is divided by the class's sample
    count, a class with one sample is skipped, and score = sum_c sum_c' |s_c - s_c'| /
    #classes seen."""
    j = jac.reshape(len(jac), -1).detach().cpu().numpy()
    labels = y.detach().cpu().numpy()
    classes = list(dict.fromkeys(labels.tolist()))
    many = num_classes > 100
    s = {}
    for c in classes:
        rows = j[labels == c]
        corr = np.corrcoef(rows if len(rows) > 1 else rows[0])
        if many and corr.ndim == 0:  # len() of a scalar raises in NASLib: class skipped
            continue
        v = np.sum(np.log(np.abs(corr) + JACOB_EPS))
        s[c] = v / len(corr) if many else v
    vals = np.array(list(s.values()), dtype=np.float64)
    if not many or len(vals) == 0:
        return float(np.sum(np.abs(vals)))
    return float(np.abs(vals[:, None] - vals[None, :]).sum() / len(vals))


def grad_norm_global(model: nn.Module, x: torch.Tensor, generator) -> float:
    """The AZ-NAS harness's GradNorm: random labels, soft cross-entropy (= CE on one-hot),
    one backward, the global L2 norm of every parameter's gradient."""
    params = [p for p in model.parameters()]
    with torch.enable_grad():
        logits = _logits(model(x))
        y = torch.randint(0, logits.shape[1], (len(x),), generator=generator).to(logits.device)
        loss = F.cross_entropy(logits, y)
        grads = torch.autograd.grad(loss, params, allow_unused=True)
    return float(torch.sqrt(sum(g.pow(2).sum() for g in grads if g is not None)))


@register_family(
    "gradient",
    proxies={
        "grad_norm": "gradient norm (variant aznas: global L2 on Gaussian input with random "
                     "labels; zc: sum of per-layer weight-gradient norms on the data batch)",
        "snip": "SNIP: sum |W * dL/dW| over conv/linear weights",
        "plain": "NASLib plain: sum W * dL/dW over conv/linear weights",
        "fisher": "Fisher: sum of channel-wise 0.5 mean (act * dL/dact)^2, broadcast to weights",
        "jacob_cov": "NASWOT v1: -sum(log(l+k) + 1/(l+k)) of the input-Jacobian correlations",
        "epe_nas": "EPE-NAS (NASLib): per-class input-Jacobian correlations",
    },
    inputs={"grad_norm": {"aznas": {"noise"}, "zc": {"data", "labels"}},
            **{p: {"data", "labels"} for p in ("snip", "plain", "fisher", "jacob_cov",
                                                "epe_nas")}},
    init=INITS,
    variants=("aznas", "zc"),
    reads_classifier=True,
)
def gradient_family(model: nn.Module, batch: Batch, cfg: Config, proxies=None) -> dict:
    proxies = tuple(proxies or ("grad_norm", "snip", "plain", "fisher", "jacob_cov", "epe_nas"))
    model.train()
    out = {}
    if cfg.variant == "aznas" and "grad_norm" in proxies:
        out["grad_norm"] = grad_norm_global(model, batch.noise, batch.generator("labels"))
    data_proxies = [p for p in proxies if p != "grad_norm" or cfg.variant == "zc"]
    if not data_proxies:
        return out
    want_j = bool({"jacob_cov", "epe_nas"} & set(data_proxies))
    r = labelled_pass(model, batch.x, batch.y, jacobian=want_j, activations="fisher" in proxies)
    layers, wg = r["layers"], r["weight_grads"]
    if "grad_norm" in data_proxies:
        out["grad_norm"] = grad_norm_per_layer(wg)
    if "snip" in proxies:
        out["snip"] = snip(layers, wg)
    if "plain" in proxies:
        out["plain"] = plain(layers, wg)
    if "fisher" in proxies:
        out["fisher"] = fisher(layers, r["acts"], r["act_grads"])
    if "jacob_cov" in proxies:
        out["jacob_cov"] = jacob_cov(r["jacobian"])
    if "epe_nas" in proxies:
        out["epe_nas"] = epe_nas(r["jacobian"], batch.y, r["num_outputs"])
    return out


def grasp_score(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    layers = prunable(model)
    weights = [m.weight for m in layers]
    with torch.enable_grad():
        loss = F.cross_entropy(_logits(model(x)), y)
        grads = torch.autograd.grad(loss, weights, create_graph=True, allow_unused=True)
        pairs = [(g, w) for g, w in zip(grads, weights) if g is not None]
        z = sum((g.detach() * g).sum() for g, _ in pairs)
        hg = torch.autograd.grad(z, weights, allow_unused=True)
    return float(sum((-w.detach() * h).sum() for w, h in zip(weights, hg) if h is not None))


@register_family(
    "grasp",
    proxies={"grasp": "GRASP (T=1): sum of -W * Hg over conv/linear weights"},
    inputs={"grasp": {"data", "labels"}},
    init=INITS,
    prune=True,
    variants=("aznas", "zc"),
    reads_classifier=True,
)
def grasp_family(model: nn.Module, batch: Batch, cfg: Config, proxies=None) -> dict:
    model.train()
    return {"grasp": grasp_score(model, batch.x, batch.y)}


@register_family(
    "l2_norm",
    proxies={"l2_norm": "NASLib l2_norm: sum of ||W||_F over conv/linear weights at init"},
    init=INITS,
    prune=True,
    variants=("aznas", "zc"),
    reads_classifier=True,
    batch_free=True,
)
def l2_norm_family(model: nn.Module, batch: Batch, cfg: Config, proxies=None) -> dict:
    return {"l2_norm": float(sum(m.weight.detach().norm() for m in prunable(model)))}
