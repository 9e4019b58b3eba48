"""Side by side with the AZ-NAS authors' code: same networks, same weights, same inputs.

    git -C <mirror of cvlab-yonsei/AZ-NAS> archive HEAD NB201 | tar -x -C /tmp/authors_aznas
    python -m aznas_core.validation.authors /tmp/authors_aznas --n-archs 100 --ntk-batch 16

For each architecture and proxy family this builds our network and initialises it exactly as
`aznas_core.score` does (same seeds), builds the authors' `custom/tss_model.TinyNetwork` for
the same cell, copies our state_dict into it (the two state_dicts list the same tensors in the
same order; shapes are checked), makes our batch (`Batch.for_arch`), and runs our family
function and the authors' `ZeroShotProxy/compute_<proxy>_score.compute_nas_score` on CPU,
single-threaded, timing only the scoring call on each side.

What is patched in the authors' code, only while their function runs, and why:
* `torch.Tensor.cuda` -> returns the tensor itself (their functions call `.cuda()` even for
  gpu=None; this is a CPU run);
* their module's `init_model` / `network_weight_gaussian_init` -> no-ops: the weights are
  already ours, drawn with the same scheme their function would apply;
* `torch.randn` / `torch.randint` / `torch.bernoulli` -> return our tensors, in the order their
  code draws them (Gaussian batches, grad_norm's random labels, AZ-NAS's Rademacher signs as
  a Bernoulli draw), checked against the requested shape; any other draw is left alone;
* their "train_loader" is a list of our (images, labels) batches.
Nothing else of their code is changed; it is never copied into this repository.

Output: one row per (architecture, proxy) appended to `<out>_values.csv` (resumable: done
architectures are skipped) and the summary `<out>.csv`: proxy, n_archs, spearman,
max_rel_diff, median_rel_diff, ms_ours, ms_theirs, speedup, notes.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import importlib
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from aznas_core.config import Config
from aznas_core.proxies import FAMILIES, Batch
from aznas_core.scoring import build_for
from aznas_core.seeding import single_threaded
from aznas_core.proxies import aznas as az
from aznas_core.spaces import nb201

#: comparison name -> (the authors' module, our family, {their key: our proxy})
THEIRS = {
    "aznas": ("compute_az_nas_score", "aznas",
              {p: p for p in ("expressivity", "progressivity", "trainability")}),
    "grad_norm": ("compute_gradnorm_score", "gradient", {"grad_norm": "grad_norm"}),
    "snip": ("compute_snip_score", "gradient", {"snip": "snip"}),
    "grasp": ("compute_grasp_score", "grasp", {"grasp": "grasp"}),
    "synflow": ("compute_synflow_score", "synflow", {"synflow": "synflow"}),
    "naswot": ("compute_naswot_score", "naswot", {"naswot": "naswot"}),
    "zen": ("compute_zen_score", "zen", {"zen": "zen"}),
    "tenas": ("compute_te_nas_score", "tenas", {"ntk": "ntk", "linear_region": "linear_region"}),
    "gradsign": ("compute_gradsign_score", "gradsign", {"gradsign": "gradsign"}),
    "zico": ("compute_zico_score", "zico", {"zico": "zico"}),
}
_F32 = ("same computation (equal in float64); float32 weight/input gradients after 17 "
        "train-mode BN layers differ by ~1e-2 relative between summation orders")
NOTES = {
    "trainability": _F32 + "; averaged over 17 blocks",
    "grad_norm": _F32 + "; averaged by the norm",
    "snip": _F32 + "; averaged by the sum",
    "grasp": _F32 + "; a Hessian-gradient product keeps more of it",
    "ntk": _F32 + "; cond(NTK) divides by a small eigenvalue",
    "gradsign": _F32 + "; signs of near-zero per-sample gradients flip",
    "zico": _F32 + "; mean|g|/std over 2 batches amplifies it where the batches' gradients "
            "nearly coincide",
    "expressivity": "theirs -inf (a NaN: log of p < -1e-8, a negative eigenvalue of a "
                    "near-singular block covariance) where ours is finite on the architectures "
                    "counted in n_one_side_infinite; elsewhere float32 rounding",
}
NOTES["progressivity"] = NOTES["expressivity"]


def their_network(arch: str, ours: torch.nn.Module):
    from custom.tss_model import TinyNetwork
    from xautodl.models.cell_searchs.genotypes import Structure

    net = TinyNetwork(16, 5, Structure.str2structure(arch), ours.classifier.out_features)
    theirs_sd, ours_sd = net.state_dict(), ours.state_dict()
    if len(theirs_sd) != len(ours_sd):
        raise RuntimeError(f"state_dicts differ in length: {len(theirs_sd)} vs {len(ours_sd)}")
    mapped = {}
    for (k, t), v in zip(theirs_sd.items(), ours_sd.values()):
        if t.shape != v.shape:
            raise RuntimeError(f"{k}: shape {tuple(t.shape)} vs ours {tuple(v.shape)}")
        mapped[k] = v.detach().clone().contiguous()
    net.load_state_dict(mapped)
    return net.train()


@contextlib.contextmanager
def feeding(module, randn=(), randint=(), bernoulli=()):
    """Patch as the module docstring says; restore everything on exit."""
    queues = {"randn": list(randn), "randint": list(randint), "bernoulli": list(bernoulli)}
    originals = {n: getattr(torch, n) for n in queues}

    def fake(name):
        def draw(*args, **kwargs):
            q = queues[name]
            if not q:
                return originals[name](*args, **kwargs)
            t = q.pop(0)
            want = kwargs.get("size") or (args[0].shape if name == "bernoulli" else
                                          args[-1] if name == "randint" else args[0])
            if tuple(want) != tuple(t.shape):
                raise RuntimeError(f"their {name} asked for {tuple(want)}, ours is "
                                   f"{tuple(t.shape)}")
            return t.clone()
        return draw

    saved_cuda = torch.Tensor.cuda
    inits = {n: getattr(module, n) for n in ("init_model", "network_weight_gaussian_init")
             if hasattr(module, n)}
    try:
        torch.Tensor.cuda = lambda self, *a, **k: self
        for n in queues:
            setattr(torch, n, fake(n))
        for n in inits:
            setattr(module, n, lambda model, *a, **k: model)
        yield
    finally:
        torch.Tensor.cuda = saved_cuda
        for n, f in originals.items():
            setattr(torch, n, f)
        for n, f in inits.items():
            setattr(module, n, f)


def rademacher_as_bernoulli(model, x, generator):
    """AZ-NAS's Rademacher signs as our code draws them (blocks 1..L-1 in forward order), as
    the Bernoulli(0.5) draws their code makes (blocks L-1..1), before the 2b-1 mapping."""
    with torch.no_grad():
        feats = model.features(x)
    signs = [az.rademacher_like(f, generator) for f in feats[1:]]
    return [((s + 1) / 2).contiguous() for s in reversed(signs)]


def _value(info, key):
    v = info[key] if isinstance(info, dict) else info
    return float(v)


def compare_family(name: str, arch: str, cfg: Config, mod, ntk_batch: int | None,
                   float64: bool = False):
    family, keys = THEIRS[name][1], THEIRS[name][2]
    fam = FAMILIES[family]
    our_model = build_for(family, arch, cfg)
    their_model = their_network(arch, our_model)
    batch = Batch.for_arch(arch, cfg, fam.needs(cfg))
    r, b = cfg.input_resolution, int(cfg.batch_size)
    feeds, loader = {}, None
    if family == "aznas":
        feeds = {"randn": [batch.noise], "bernoulli": rademacher_as_bernoulli(
            our_model, batch.noise, batch.generator("gradients"))}
    elif name == "grad_norm":
        labels = torch.randint(0, cfg.num_classes, (b,), generator=batch.generator("labels"))
        feeds = {"randn": [batch.noise], "randint": [labels]}
    elif family == "naswot":  # (synflow draws randn only for its shape: left alone)
        feeds = {"randn": [batch.noise]}
    elif family == "zen":
        feeds = {"randn": [batch.noise, batch.noise2]}
    elif family == "tenas":
        feeds = {"randn": [batch.noise]}
    if family == "zico":
        loader = [(batch.x, batch.y), (batch.x2, batch.y2)]
    elif batch.x is not None:
        loader = [(batch.x, batch.y)]
    proxies = tuple(keys.values())
    # ours: exactly score_family's steps, timing only the family function
    def run_ours(model, batch):
        model, batch = model.to(memory_format=torch.channels_last), batch.channels_last()
        t0 = time.perf_counter()
        if family == "tenas" and ntk_batch:
            from aznas_core.proxies import tenas
            out = {"ntk": tenas.ntk_score(model, batch.x[:ntk_batch]),
                   "linear_region": tenas.linear_regions(model, batch.noise)}
        else:
            out = fam.fn(model, batch, cfg, proxies)
        return out, (time.perf_counter() - t0) * 1e3

    our_pristine = copy.deepcopy(our_model) if float64 else None
    ours, ms_ours = run_ours(our_model, batch)
    if float64:
        batch64 = copy.copy(batch)
        for f in ("noise", "noise2", "x", "x2"):
            if getattr(batch64, f) is not None:
                setattr(batch64, f, getattr(batch64, f).double())
        ours64, _ = run_ours(our_pristine.double(), batch64)
    if family == "tenas" and ntk_batch:
        loader = [(batch.x[:ntk_batch], batch.y[:ntk_batch])]
    def call(model, feeds, loader):
        with feeding(mod, **feeds):
            t0 = time.perf_counter()
            info = mod.compute_nas_score(model, gpu=None, trainloader=loader, resolution=r,
                                         batch_size=b) if family != "tenas" else {
                "ntk": mod.compute_NTK_score(None, model, loader, r, b),
                "linear_region": mod.compute_RN_score(model, b, r, 1)}
            return info, (time.perf_counter() - t0) * 1e3

    pristine = copy.deepcopy(their_model) if float64 else None
    info, ms_theirs = call(their_model, feeds, loader)
    if float64:  # their own code in float64: the float32 rounding floor of each proxy
        as64 = lambda t: t.double() if t is not None and t.is_floating_point() else t  # noqa: E731
        feeds64 = {k: [as64(t) for t in v] for k, v in feeds.items()}
        loader64 = [tuple(as64(t) for t in xy) for xy in loader] if loader else loader
        info64, _ = call(pristine.double(), feeds64, loader64)
    rows = []
    for key, proxy in keys.items():
        rows.append({"arch": arch, "proxy": proxy, "family": name, "ours": float(ours[proxy]),
                     "theirs": _value(info, key), "ms_ours": ms_ours, "ms_theirs": ms_theirs})
        if float64:
            rows[-1]["theirs_f64"] = _value(info64, key)
            rows[-1]["ours_f64"] = float(ours64[proxy])
    return rows


def rel_diff(a, b) -> float:
    if a == b:  # equal, including equal infinities
        return 0.0
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.inf
    return abs(a - b) / max(abs(a), abs(b), 1e-12)


def summarize(values: pd.DataFrame, ntk_batch, batch_size) -> pd.DataFrame:
    from scipy import stats

    rows = []
    for proxy, g in values.groupby("proxy", sort=False):
        rd = np.array([rel_diff(a, b) for a, b in zip(g.ours, g.theirs)])
        finite = np.isfinite(g.ours) & np.isfinite(g.theirs)
        rho = stats.spearmanr(g.ours[finite], g.theirs[finite])[0] if finite.sum() > 2 else np.nan
        # time per family pass (a family's rows share one pass)
        per_arch = g.drop_duplicates("arch")
        note = NOTES.get(proxy, "")
        if proxy == "ntk" and ntk_batch and ntk_batch < batch_size:
            note = f"NTK on the first {ntk_batch} samples of the batch (cost); " + note
        if proxy == "linear_region" and (g.ours == g.theirs).all():
            note = "distinct codes counted exactly; identical on every architecture"
        both = np.isfinite(g.ours.to_numpy()) == np.isfinite(g.theirs.to_numpy())
        rows.append({"proxy": proxy, "family": g.family.iloc[0], "n_archs": len(g),
                     "spearman": rho, "max_rel_diff": float(rd.max()),
                     "max_rel_diff_finite": float(rd[finite.to_numpy()].max()),
                     "n_one_side_infinite": int((~both).sum()),
                     "median_rel_diff": float(np.median(rd)),
                     "ms_ours": per_arch.ms_ours.median(), "ms_theirs": per_arch.ms_theirs.median(),
                     "speedup": float((per_arch.ms_theirs / per_arch.ms_ours).median()),
                     "notes": note})
    return pd.DataFrame(rows)


def read_values(out: Path) -> pd.DataFrame:
    """Every row written for `out` (both directions), one per (architecture, proxy)."""
    paths = [out.with_name(out.name + s) for s in ("_values.csv", "_values_reverse.csv")]
    frames = [pd.read_csv(p) for p in paths if p.exists()]
    if not frames:
        return pd.DataFrame(columns=["arch", "proxy", "family"])
    return pd.concat(frames, ignore_index=True).drop_duplicates(["arch", "proxy"])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("authors", type=Path, help="directory holding the authors' NB201/")
    ap.add_argument("--n-archs", type=int, default=100)
    ap.add_argument("--dataset", default="ImageNet16-120")
    ap.add_argument("--families", default=",".join(THEIRS), help="comparisons (THEIRS keys)")
    ap.add_argument("--ntk-batch", type=int, default=0, help="NTK on the first k samples")
    ap.add_argument("--seed", type=int, default=0, help="which architectures (numpy seed)")
    ap.add_argument("--out", type=Path, default=Path("data/validation/authors_side_by_side"))
    ap.add_argument("--float64", action="store_true",
                    help="also run their code in float64 (column theirs_f64: the rounding floor)")
    ap.add_argument("--reverse", action="store_true",
                    help="work from the last architecture (a second process, own values file)")
    args = ap.parse_args(argv)
    if not (args.authors / "NB201" / "ZeroShotProxy").is_dir():
        print(f"authors: error: {args.authors} holds no NB201/ZeroShotProxy/ (the AZ-NAS "
              "authors' code); extract it first: git -C <mirror of cvlab-yonsei/AZ-NAS> archive "
              "HEAD NB201 | tar -x -C /tmp/authors_aznas", file=sys.stderr)
        return 2
    sys.path.insert(0, str(args.authors / "NB201"))
    families = [f for f in args.families.split(",") if f in THEIRS and THEIRS[f][1] in FAMILIES]
    cfg = Config(dataset=args.dataset)
    rng = np.random.default_rng(args.seed)
    archs = [nb201.archs()[i] for i in rng.choice(nb201.N_ARCHS, args.n_archs, replace=False)]
    suffix = "_values_reverse.csv" if args.reverse else "_values.csv"
    values_path = args.out.with_name(args.out.name + suffix)
    values_path.parent.mkdir(parents=True, exist_ok=True)
    done = read_values(args.out)
    done_keys = set(zip(done.arch, done.family)) if len(done) else set()
    if args.reverse:
        archs = archs[::-1]
    modules = {f: importlib.import_module(f"ZeroShotProxy.{THEIRS[f][0]}") for f in families}
    print("comparing", families, flush=True)
    with single_threaded():
        for i, arch in enumerate(archs):
            rows = []
            for family in families:
                if (arch, family) in done_keys:
                    continue
                rows += compare_family(family, arch, cfg, modules[family], args.ntk_batch,
                                       args.float64)
            if rows:
                frame = pd.DataFrame(rows).assign(dataset=args.dataset,
                                                  batch_size=cfg.batch_size)
                frame.to_csv(values_path, mode="a", header=not values_path.exists(),
                             index=False)
            print(f"{i + 1}/{len(archs)} {arch}", flush=True)
    values = read_values(args.out)
    values = values[values.arch.isin(archs) & values.family.isin(families)]
    summary = summarize(values, args.ntk_batch, cfg.batch_size)
    summary.insert(1, "dataset", args.dataset)
    summary.to_csv(args.out.with_suffix(".csv"), index=False, float_format="%.6g")
    print(summary.to_string())


if __name__ == "__main__":
    sys.exit(main())
