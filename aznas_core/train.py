"""CPU-scale training of search-space networks, with proxies scored along the epochs (resumable).

    from aznas_core import train
    cfg = train.TrainConfig(source="natural", epochs=12, proxies=("synflow", "snip"),
                            proxy_epochs=(0, 1, 2, 4, 8, 12))
    frame = train.train(archs, cfg, workers=2)   # one row per (architecture, epoch)

What a run is
-------------
A network of a search space (NAS-Bench-201 cells: `spaces.nb201.build(arch, dataset)`, the
benchmark's network with every op running; MobileNetV2 structures: `spaces.mbv2.build`) is
trained on a dataset *source*:

``natural``
    The 1,834 real 32x32 photographs of `aznas_core.inputs.natural_images` (CIFAR-100's first
    ten classes, labels 0..9) with a FIXED split (`natural_split`): per class, a permutation
    drawn from `SPLIT_SEED` puts round(n_c * 334 / 1834) images in the test split, the rest in
    the train split (1,500 train / 334 test; the split does not depend on the configuration).
    `n_train` takes a prefix of the (seeded, shuffled) train split, `n_test` a seeded choice
    of the test split. Training images get the
    benchmark's augmentation (`inputs.augment_normalize`: random flip, random crop with
    resolution/8 px zero padding, the dataset's Normalize); test images are only resized and
    normalised, as NATS-Bench's test loader does.
``synthetic_cifar10``
    The blog's Synthetic CIFAR-10 recipe (`inputs.labeller`): i.i.d. N(0, 1) images labelled by
    the argmax of K random networks (K = the dataset's class count), drawn from
    `SYNTHETIC_SEED` (the same dataset for every architecture and configuration), `n_train`
    images to train on and a held-out `n_test`. No augmentation (a flipped or cropped Gaussian
    image would not keep its label) and no Normalize (the images are already standardised).

The recipe is NATS-Bench's (TSS, 200 epochs there): SGD with momentum 0.9, Nesterov, weight
decay 5e-4 on every parameter, batch size 256 (the last, smaller batch kept), cross-entropy,
learning rate 0.1 annealed to 0 by a cosine updated every iteration over `epochs` epochs, the
networks' PyTorch-default initialisation (seeded). Scaled only by `epochs` and the data size.

Each epoch records train loss and accuracy (training mode, as the batches go), test loss and
accuracy (eval mode) and the seconds it took. Row `epoch = 0` is the network at
initialisation (test metrics, no training). At the epochs listed in `proxy_epochs` (0 = at
initialisation, e the weights after e epochs) every proxy in `proxies` is computed on a DEEP
COPY of the current network, in training mode, exactly as `aznas_core.score` would compute it
on that network: the registry family's model-level function, its batch from
`proxies.Batch.for_arch` seeded per (seed, architecture) (so the same batch at every epoch;
the natural source draws it from all 1,834 images) under a proxy `Config` with `proxy_variant`
(default ``zc``, the blog's frameworks; AZ-NAS's own family always runs as the authors' harness).
The training itself never sees the copy: the curves are the same with or without proxies (a
test checks it to the bit). Only the initialisation differs from a cached score: proxies read
the training network's weights, not their protocol initialisation.

Reproducibility and resumption
------------------------------
Everything random is drawn from generators seeded per (configuration seed, architecture,
stream) (`arch_seed`): weights ('weights'), the data order and augmentation ('train'); the
proxies' batches use the registry's own streams. Each network runs single-threaded
(`torch.set_num_threads(1)`), so a network's results are the same bits in any process and any
order on a given machine; parallelism is one process per network (`workers`). After every
epoch a checkpoint (weights, optimizer state with the momentum buffers, the training
generator's state, the rows so far) is written atomically (temporary file + `os.replace`), so
killing a run (even `kill -9`) loses at most the current epoch of each network in flight;
rerunning the same call resumes and gives identical curves (tests/test_train.py kills a run
with SIGKILL and compares). A finished network is one Parquet file,
``data/training/<config key>/<arch id>.parquet`` (one row per epoch, the configuration spelled
out in columns, the package and torch versions); its checkpoint is then deleted.

Cost on this machine (measured with `measure_cost` and timing `proxies_on_copy`, 2026-12-04;
one thread, CPU seconds (`time.process_time`), natural images at 32x32, 1,498 training + 336
test images, batch 256, channels-last; the 2-core VM was shared with other sessions' work at a
load average of about 12, so wall-clock seconds were 5-7x the CPU seconds):

    cell                                        CPU s / network-epoch   nine proxies, CPU s
    cheap:     |skip_connect~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|nor_conv_1x1~2|
                                                 12.2  (wall 84)          8.0
    expensive: |nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|
                                                 39.7  (wall 251)         16.6

(an epoch: training and the test evaluation; "nine proxies": fisher, grad_norm, grasp,
jacob_cov, snip, synflow on a natural batch of 64 plus AZ-NAS's E, P, T; grasp is 2/3 of it).
A 3x3 edge costs about 5.5 CPU s per epoch, a random cell (1.2 3x3 edges on average) about
15 s. Blog Fig. 9's run (`data/training/run.sh fig9`: 8 epochs, proxies at 5 epochs) is then
about 175 CPU s per network, 100 networks about 5 CPU hours; the first three networks'
training took 58-146 CPU s (355-868 s wall with their proxies, at nice 19 on the shared
machine).
"""
from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
import os
import time
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from aznas_core.version import __version__
from aznas_core import inputs as _inputs
from aznas_core.data import PROJECT_ROOT
from aznas_core.spaces import get_space

from aznas_core.config import Config, check_device
from aznas_core.parallel import completed
from aznas_core.seeding import arch_seed

TRAINING_DIR = PROJECT_ROOT / "data" / "training"
#: Training data sources (the labelled sources of `aznas_core.inputs`).
SOURCES = ("natural", "synthetic_cifar10")
#: Spaces whose networks this module can train: name -> how to build a classifier.
TRAINABLE = ("nb201", "mbv2")
#: The natural images' fixed train/test split.
SPLIT_SEED = 0
NATURAL_TEST = 334
SYNTHETIC_SEED = 2021
#: Classes per dataset name (the classifier's size; NB201's table, used for every space).
SCHEMA_VERSION = 1
#: Train in channels-last memory format on the CPU (faster for these small convolutions).
CHANNELS_LAST = True


def _classes(dataset: str) -> int:
    from aznas_core.spaces import nb201

    return nb201.check_dataset(dataset)["num_classes"]


def _resolution(dataset: str) -> int:
    from aznas_core.spaces import nb201

    return nb201.check_dataset(dataset)["resolution"]


@dataclass(frozen=True)
class TrainConfig:
    """Everything besides the architecture that decides a training run.

    source: 'natural' or 'synthetic_cifar10'. dataset: the classifier's size and the Normalize
    statistics (cifar10, cifar100, ImageNet16-120; labels are 0..9 for natural images, 0..K-1
    for Synthetic CIFAR-10). n_train / n_test: None = the source's default (natural: the whole
    fixed split, 1,500 / 334; synthetic: 5,000 / 1,000). resolution: None = the dataset's.
    proxies / proxy_epochs: registered proxies computed on a copy at those epochs (0 = init).
    """

    space: str = "nb201"
    source: str = "natural"
    dataset: str = "cifar10"
    epochs: int = 12
    n_train: int | None = None
    n_test: int | None = None
    resolution: int | None = None
    batch_size: int = 256
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5e-4
    warmup_epochs: int = 0
    init: str = "pytorch_default"
    seed: int = 0
    proxies: tuple = ()
    proxy_epochs: tuple = (0,)
    proxy_batch_size: int = 64
    proxy_variant: str = "zc"
    device: str = "cpu"

    def __post_init__(self):
        get_space(self.space)  # unknown space: the registry's error
        if self.space not in TRAINABLE:
            raise ValueError(f"space {self.space!r} cannot be trained here (no classifier "
                             f"network for a dataset source); trainable spaces: "
                             f"{list(TRAINABLE)}")
        if self.source not in SOURCES:
            raise ValueError(f"unknown training data source {self.source!r}; expected one of "
                             f"{list(SOURCES)} (gaussian images have no labels to learn)")
        _classes(self.dataset)
        if not isinstance(self.epochs, (int, np.integer)) or int(self.epochs) < 1:
            raise ValueError(f"epochs must be an integer >= 1, got {self.epochs!r}")
        for name in ("n_train", "n_test"):
            v = getattr(self, name)
            if v is not None and int(v) < 1:
                raise ValueError(f"{name} must be a positive number of images (or None for "
                                 f"the source's default), got {v}")
        if self.source == "natural":
            n_tr, n_te = len(natural_split()[0]), len(natural_split()[1])
            if self.n_train is not None and self.n_train > n_tr:
                raise ValueError(f"natural images: the train split holds {n_tr} images, "
                                 f"n_train={self.n_train}; use at most {n_tr} (or None)")
            if self.n_test is not None and self.n_test > n_te:
                raise ValueError(f"natural images: the test split holds {n_te} images, "
                                 f"n_test={self.n_test}; use at most {n_te} (or None)")
        if not isinstance(self.warmup_epochs, (int, np.integer)) or not 0 <= self.warmup_epochs < self.epochs:
            raise ValueError(f"warmup_epochs must be an integer in 0..epochs-1, got {self.warmup_epochs!r}")
        if int(self.batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        from aznas_core.initialization import check_init

        check_init(self.init)
        object.__setattr__(self, "proxies", tuple(
            [p for p in self.proxies.split(",") if p] if isinstance(self.proxies, str)
            else self.proxies))
        object.__setattr__(self, "proxy_epochs", tuple(sorted({int(e) for e in (
            [e for e in self.proxy_epochs.split(",") if e] if isinstance(self.proxy_epochs, str)
            else self.proxy_epochs)})))
        bad = [e for e in self.proxy_epochs if not 0 <= e <= self.epochs]
        if bad:
            raise ValueError(f"proxy_epochs {bad} outside 0..epochs={self.epochs}")
        if self.proxies:
            from aznas_core.proxies import check_proxies

            check_proxies(self.proxies, self.proxy_config())
            if self.space != "nb201":
                from aznas_core.proxies import PROXIES

                other = [p for p in self.proxies if PROXIES[p].family != "aznas"]
                if other:
                    raise ValueError(f"along training of {self.space} networks only AZ-NAS's "
                                     f"expressivity, progressivity and trainability are "
                                     f"supported, got {other}")
        check_device(self.device)

    # ----------------------------------------------------------------------------------
    @property
    def input_resolution(self) -> int:
        return int(self.resolution or _resolution(self.dataset))

    @property
    def num_classes(self) -> int:
        return _classes(self.dataset)

    @property
    def train_size(self) -> int:
        if self.n_train is not None:
            return int(self.n_train)
        return len(natural_split()[0]) if self.source == "natural" else 5000

    @property
    def test_size(self) -> int:
        if self.n_test is not None:
            return int(self.n_test)
        return len(natural_split()[1]) if self.source == "natural" else 1000

    def proxy_config(self):
        """The registry `Config` the proxies along training are computed under."""
        return Config(space="nb201", dataset=self.dataset, batch_size=self.proxy_batch_size,
                      seed=self.seed, resolution=self.resolution, inputs=self.source,
                      variant=self.proxy_variant, device=self.device)

    def identity(self) -> dict:
        """The configuration spelled out (the columns every result row carries)."""
        return {
            "space": self.space, "source": self.source, "dataset": self.dataset,
            "epochs": int(self.epochs), "n_train": self.train_size, "n_test": self.test_size,
            "resolution": self.input_resolution, "batch_size": int(self.batch_size),
            "lr": float(self.lr), "momentum": float(self.momentum), "nesterov": bool(self.nesterov),
            "weight_decay": float(self.weight_decay), "init": self.init, "seed": int(self.seed),
            "proxies": ",".join(self.proxies), "proxy_epochs": ",".join(map(str, self.proxy_epochs)),
            "proxy_batch_size": int(self.proxy_batch_size), "proxy_variant": self.proxy_variant,
            "device": torch.device(self.device).type,
            # a warm-up is spelled out only when used: earlier runs' identities stay as they were
            **({"warmup_epochs": int(self.warmup_epochs)} if self.warmup_epochs else {}),
        }

    def key(self, device: str | None = None) -> str:
        """The results directory's name: the training settings in words, plus a short hash of
        the proxy settings when proxies are recorded (and of any non-default optimiser), and
        the device type off the CPU (`device`: that of another device, e.g. 'cuda')."""
        ident = self.identity()
        if device is not None:
            ident["device"] = device
        parts = [self.space, self.source, self.dataset, f"res{ident['resolution']}",
                 f"n{ident['n_train']}-{ident['n_test']}", f"e{self.epochs}",
                 f"bs{self.batch_size}", self.init, f"seed{self.seed}"]
        recipe = {k: ident[k] for k in ("lr", "momentum", "nesterov", "weight_decay", "warmup_epochs")
                  if k in ident}
        if recipe != {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 5e-4}:
            parts.append("opt" + _short_hash(recipe))
        if self.proxies:
            parts.append("p" + _short_hash({k: ident[k] for k in (
                "proxies", "proxy_epochs", "proxy_batch_size", "proxy_variant")}))
        if ident["device"] != "cpu":
            parts.append(ident["device"])
        return "-".join(parts)

    def directory(self, root=None) -> Path:
        return Path(root or TRAINING_DIR) / self.key()


def _short_hash(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:8]


def _generator(seed: int, arch: str, stream: str) -> torch.Generator:
    return torch.Generator().manual_seed(arch_seed(seed, arch, stream))


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def natural_split() -> tuple[np.ndarray, np.ndarray]:
    """(train indices, test indices) into `inputs.natural_images()`: per class a permutation
    drawn from `SPLIT_SEED`; round(n_c * NATURAL_TEST / N) of each class go to the test split.
    The train indices are in a seeded shuffled order (so `n_train` takes a class-mixed prefix);
    the test indices are sorted."""
    _, labels = _inputs.natural_images()
    y = labels.numpy()
    rng = np.random.default_rng(SPLIT_SEED)
    train, test = [], []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        idx = idx[rng.permutation(len(idx))]
        k = int(round(len(idx) * NATURAL_TEST / len(y)))
        test.append(idx[:k])
        train.append(idx[k:])
    train = np.concatenate(train)
    train = train[rng.permutation(len(train))]
    return train, np.sort(np.concatenate(test))


def _normalize(img: torch.Tensor, dataset: str) -> torch.Tensor:
    mean, std = _inputs.NORMALIZE.get(dataset, _inputs.NORMALIZE["cifar10"])
    return (img - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)


@functools.lru_cache(maxsize=4)
def _synthetic(num_classes: int, resolution: int, n_total: int):
    g = torch.Generator().manual_seed(SYNTHETIC_SEED)
    x = torch.randn(n_total, 3, resolution, resolution, generator=g)
    lab = _inputs.labeller(num_classes, resolution)
    y = torch.cat([lab(x[i:i + 1024]).argmax(1) for i in range(0, n_total, 1024)])
    return x, y


class Data:
    """The train and test sets of a configuration (CPU tensors) and its epoch iterator."""

    def __init__(self, cfg: TrainConfig):
        self.cfg = cfg
        r = cfg.input_resolution
        if cfg.source == "natural":
            images, labels = _inputs.natural_images()
            tr, te = natural_split()
            # a smaller test set: a seeded class-mixed choice, kept in index order (the full
            # split when n_test is the default)
            pick = np.random.default_rng(SPLIT_SEED + 1).permutation(len(te))[:cfg.test_size]
            tr, te = tr[:cfg.train_size], te[np.sort(pick)]
            self.train_raw, self.train_y = images[tr], labels[tr]
            self.test_x = _normalize(_inputs.resize(images[te].float(), r), cfg.dataset)
            self.test_y = labels[te]
            self.augment = True
        else:
            x, y = _synthetic(cfg.num_classes, r, cfg.train_size + cfg.test_size)
            self.train_raw, self.train_y = x[:cfg.train_size], y[:cfg.train_size]
            self.test_x, self.test_y = x[cfg.train_size:], y[cfg.train_size:]
            self.augment = False

    def epoch(self, generator: torch.Generator):
        """Batches (x, y) of one epoch: a permutation, then each batch's augmentation, all
        drawn from `generator` in a fixed order."""
        n, b = len(self.train_y), int(self.cfg.batch_size)
        perm = torch.randperm(n, generator=generator)
        for i in range(0, n, b):
            idx = perm[i:i + b]
            if self.augment:
                x = _inputs.augment_normalize(self.train_raw[idx], self.cfg.input_resolution,
                                              self.cfg.dataset, generator)
            else:
                x = self.train_raw[idx]
            yield x, self.train_y[idx]


# --------------------------------------------------------------------------------------
# One network
# --------------------------------------------------------------------------------------
def build(arch: str, cfg: TrainConfig) -> nn.Module:
    """The space's network for `arch` with `cfg.dataset`'s classifier, initialised with
    `cfg.init` from the (seed, arch, 'weights') stream."""
    from aznas_core.initialization import initialize

    space = get_space(cfg.space)
    if cfg.space == "nb201":
        model = space.build(arch, cfg.dataset, prune=False)
    else:
        model = space.build(arch, num_classes=cfg.num_classes)
    initialize(model, cfg.init, generator=_generator(cfg.seed, arch, "weights"))
    return model


def arch_id(arch: str, space: str = "nb201") -> str:
    """A file name for `arch`: NB201's benchmark index (5 digits), else a hash of the string."""
    if space == "nb201":
        return f"{get_space('nb201').index(arch):05d}"
    return hashlib.sha256(arch.encode()).hexdigest()[:16]


def lr_at(cfg: TrainConfig, step: int, steps_per_epoch: int) -> float:
    """Cosine annealing from `cfg.lr` to 0 over all iterations, updated every iteration; with
    `cfg.warmup_epochs` = w > 0, first a linear warm-up to `cfg.lr` over w epochs (step k of
    it at lr * (k + 1) / (w * steps)), then the cosine over the remaining epochs (the
    AZ-NAS/ZenNAS ImageNet scripts: `--warmup 5 --lr_mode cosine`)."""
    warm = cfg.warmup_epochs * steps_per_epoch
    if step < warm:
        return cfg.lr * (step + 1) / warm
    t = (step - warm) / ((cfg.epochs - cfg.warmup_epochs) * steps_per_epoch)
    return 0.5 * cfg.lr * (1.0 + math.cos(math.pi * t))


def _evaluate(model, data: Data, device, channels_last: bool) -> tuple[float, float]:
    model.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(data.test_y), 256):
            x, y = data.test_x[i:i + 256].to(device), data.test_y[i:i + 256].to(device)
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            out = model(x)
            loss_sum += float(nn.functional.cross_entropy(out, y, reduction="sum"))
            correct += int((out.argmax(1) == y).sum())
    model.train()
    n = len(data.test_y)
    return loss_sum / n, correct / n


def proxies_on_copy(model: nn.Module, arch: str, cfg: TrainConfig) -> dict[str, float]:
    """`cfg.proxies` of the network as it is now, computed on a deep copy (training mode):
    each registry family's model-level function on its seeded batch (`Batch.for_arch`), as
    `aznas_core.score` runs it. The original's weights, buffers, modes and gradients are not
    touched, and no global random state is read."""
    from aznas_core.proxies import FAMILIES, Batch, families_of

    if not cfg.proxies:
        return {}
    pcfg = cfg.proxy_config()
    values: dict[str, float] = {}
    for family, ps in families_of(cfg.proxies).items():
        fam = FAMILIES[family]
        twin = copy.deepcopy(model).train()
        for p in twin.parameters():
            p.grad = None
            p.requires_grad_(True)
        for m in twin.modules():  # NB201 cells: skip dead edges only where the family may
            if hasattr(m, "prune") and hasattr(m, "_live"):
                m.prune = fam.prune
        batch = Batch.for_arch(arch, pcfg, fam.needs(pcfg, ps)).to(cfg.device)
        twin, batch = twin.to(memory_format=torch.channels_last), batch.channels_last()
        with torch.random.fork_rng(devices=[]):
            values.update(fam.fn(twin, batch, pcfg, ps))
        del twin
    return {p: float(values[p]) for p in cfg.proxies}


def _atomic_save(obj, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def result_path(arch: str, cfg: TrainConfig, root=None) -> Path:
    return cfg.directory(root) / f"{arch_id(arch, cfg.space)}.parquet"


def checkpoint_path(arch: str, cfg: TrainConfig, root=None) -> Path:
    return cfg.directory(root) / "checkpoints" / f"{arch_id(arch, cfg.space)}.pt"


def train_network(arch: str, cfg: TrainConfig, root=None, stop_after: int | None = None,
                  keep_checkpoint: bool = False) -> pd.DataFrame | None:
    """Train one network (resuming from its checkpoint if there is one); write and return its
    rows. `stop_after=k` stops after epoch k with only the checkpoint written (what a kill
    after epoch k leaves) and returns None. Single-threaded on the CPU while it runs."""
    arch = get_space(cfg.space).validate(arch)
    out, ckpt = result_path(arch, cfg, root), checkpoint_path(arch, cfg, root)
    if out.exists():
        return pd.read_parquet(out)
    ckpt.parent.mkdir(parents=True, exist_ok=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _train(arch, cfg, out, ckpt, stop_after, keep_checkpoint)
    finally:
        torch.set_num_threads(threads)


def _float32_as_on_the_cpu(device: torch.device) -> None:
    """On a GPU: float32 convolutions and matrix products without TF32 (the CPU's precision)
    and cuDNN's deterministic algorithms. Measured bit-identical across two processes on an
    H200 (`data/training/run_gpu.sh`'s repeat); not guaranteed, since some CUDA kernels (adaptive
    average pooling's backward) add atomically."""
    if device.type == "cuda":
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False


def _train(arch, cfg, out, ckpt, stop_after, keep_checkpoint):
    device = torch.device(cfg.device)
    _float32_as_on_the_cpu(device)
    channels_last = device.type == "cpu" and CHANNELS_LAST
    data = Data(cfg)
    model = build(arch, cfg).to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum,
                          nesterov=cfg.nesterov, weight_decay=cfg.weight_decay)
    gen = _generator(cfg.seed, arch, "train")
    steps = math.ceil(len(data.train_y) / cfg.batch_size)
    ident = cfg.identity()
    if ckpt.exists():
        state = torch.load(ckpt, map_location=device, weights_only=False)
        if state["identity"] != ident or state["arch"] != arch:
            raise ValueError(f"{ckpt}: checkpoint of another configuration or architecture; "
                             f"delete it to start this network again")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        gen.set_state(state["generator"])
        rows, start = state["rows"], state["epoch"] + 1
    else:
        t0, c0 = time.perf_counter(), time.process_time()
        test_loss, test_acc = _evaluate(model, data, device, channels_last)
        row = dict(epoch=0, lr_last=float("nan"), train_loss=float("nan"), train_acc=float("nan"),
                   test_loss=test_loss, test_acc=test_acc, seconds=time.perf_counter() - t0,
                   cpu_seconds=time.process_time() - c0)
        t1 = time.perf_counter()
        if 0 in cfg.proxy_epochs:
            row.update(proxies_on_copy(model, arch, cfg))
        row["proxy_seconds"] = time.perf_counter() - t1
        rows, start = [row], 1
    model.train()
    for epoch in range(start, cfg.epochs + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        loss_sum, correct, seen = 0.0, 0, 0
        for i, (x, y) in enumerate(data.epoch(gen)):
            lr = lr_at(cfg, (epoch - 1) * steps + i, steps)
            for group in opt.param_groups:
                group["lr"] = lr
            x, y = x.to(device), y.to(device)
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            out_ = model(x)
            loss = nn.functional.cross_entropy(out_, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += float(loss.detach()) * len(y)
            correct += int((out_.argmax(1) == y).sum())
            seen += len(y)
        test_loss, test_acc = _evaluate(model, data, device, channels_last)
        row = dict(epoch=epoch, lr_last=lr, train_loss=loss_sum / seen, train_acc=correct / seen,
                   test_loss=test_loss, test_acc=test_acc, seconds=time.perf_counter() - t0,
                   cpu_seconds=time.process_time() - c0)
        t1 = time.perf_counter()
        if epoch in cfg.proxy_epochs:
            row.update(proxies_on_copy(model, arch, cfg))
        row["proxy_seconds"] = time.perf_counter() - t1
        rows.append(row)
        _atomic_save({"identity": ident, "arch": arch, "epoch": epoch,
                      "model": model.state_dict(), "optimizer": opt.state_dict(),
                      "generator": gen.get_state(), "rows": rows}, ckpt)
        if stop_after is not None and epoch >= stop_after and epoch < cfg.epochs:
            return None
    frame = _frame(arch, cfg, rows)
    _atomic_parquet(frame, out)
    if not keep_checkpoint:
        ckpt.unlink(missing_ok=True)
    return frame


def _frame(arch: str, cfg: TrainConfig, rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for p in cfg.proxies:  # proxies not recorded at an epoch: NaN
        if p not in frame:
            frame[p] = float("nan")
    frame.insert(0, "arch", arch)
    frame.insert(1, "arch_id", arch_id(arch, cfg.space))
    for k, v in cfg.identity().items():
        frame[k] = v
    frame["aznas_core_version"] = __version__
    frame["torch_version"] = torch.__version__
    frame["schema_version"] = SCHEMA_VERSION
    return frame


# --------------------------------------------------------------------------------------
# Many networks
# --------------------------------------------------------------------------------------


def _task(arch: str, cfg: TrainConfig = None, root=None) -> str:
    train_network(arch, cfg, root)
    return arch


def subset_archs(subset: str) -> list[str]:
    """NB201 cell strings of a named subset, in the order to train them: 'fixedN' is
    `benchmarks.nb201.fixed_sample(N)` in its nesting order (architecture k is the one that
    fixed_sample(k) adds), so every prefix of a partial run is itself a fixed uniform sample."""
    from aznas_core.benchmarks.nb201 import fixed_sample
    from aznas_core.spaces import nb201

    size = subset.removeprefix("fixed")
    if not (subset.startswith("fixed") and size.isdigit() and int(size) >= 1):
        raise ValueError(f"unknown subset {subset!r}; expected 'fixedN', e.g. fixed100")
    order, seen = [], set()
    for k in range(1, int(size) + 1):
        new = [i for i in fixed_sample(k) if i not in seen]
        order += new
        seen.update(new)
    return [nb201.archs()[i] for i in order]


def missing(archs, cfg: TrainConfig, root=None) -> list[str]:
    space = get_space(cfg.space)
    return [a for a in (space.validate(a) for a in archs) if not result_path(a, cfg, root).exists()]


def device_directory(device: str, cfg: TrainConfig, root=None) -> Path:
    """The results directory of `cfg`'s configuration trained on another `device` type
    ('cpu', 'cuda'): the key differs only in its device suffix."""
    return Path(root or TRAINING_DIR) / cfg.key(device)


def trained_on(device: str, cfg: TrainConfig, root=None) -> set[str]:
    """Architecture ids finished under `cfg`'s configuration on `device`. Lets a CPU run train
    only what a GPU run left (the results stay apart, each labelled with its device)."""
    d = device_directory(device, cfg, root)
    return {f.stem for f in d.glob("*.parquet")} if d.exists() else set()


def results_by_device(archs, cfg: TrainConfig, prefer=("cuda", "cpu"), root=None) -> pd.DataFrame:
    """Each architecture of `archs` trained under `cfg`'s configuration, from the first device
    of `prefer` that finished it (the rows' `device` column says which); unfinished ones are
    left out. One sample can so be trained partly on a GPU, partly on the CPU."""
    files = []
    for a in archs:
        name = f"{arch_id(a, cfg.space)}.parquet"
        path = next((p for p in (device_directory(d, cfg, root) / name for d in prefer)
                     if p.exists()), None)
        if path is not None:
            files.append(path)
    if not files:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def train(archs, config: TrainConfig | None = None, workers: int = 1, root=None,
          progress: bool = True, executor=None, **config_kwargs) -> pd.DataFrame:
    """Train every architecture of `archs` not yet finished under the configuration (resuming
    those with a checkpoint), then return the rows of all of `archs` (`results`).

    executor: None = this process in order when `workers` is 1, else a local pool of
    `workers` processes (one network each); or 'serial', 'local', or a
    `dask.distributed.Client` (`aznas_core.parallel.completed`). Results do not depend on it."""
    if config is not None and config_kwargs:
        raise ValueError("pass either config= or configuration keywords, not both")
    cfg = config or TrainConfig(**config_kwargs)
    archs = [get_space(cfg.space).validate(a) for a in archs]
    todo = missing(archs, cfg, root)
    cfg.directory(root).mkdir(parents=True, exist_ok=True)
    if executor is None:
        executor = "serial" if workers <= 1 else "local"
    from tqdm.auto import tqdm

    bar = tqdm(total=len(archs), initial=len(archs) - len(todo), disable=not progress,
               desc=f"train {cfg.key()}", unit="net")
    try:
        for _ in completed(_task, todo, executor, workers, cfg=cfg, root=root):
            bar.update()
    finally:
        bar.close()
    return results(cfg, root, archs)


def results(config: TrainConfig | None = None, root=None, archs=None,
            **config_kwargs) -> pd.DataFrame:
    """The finished networks' rows under a configuration (all, or those of `archs`)."""
    cfg = config or TrainConfig(**config_kwargs)
    d = cfg.directory(root)
    if archs is None:
        files = sorted(d.glob("*.parquet")) if d.exists() else []
    else:
        files = [result_path(a, cfg, root) for a in archs]
        files = [f for f in files if f.exists()]
    if not files:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def measure_cost(arch: str, epochs: int = 1, **config_kwargs) -> dict:
    """Seconds per network-epoch of `arch` (training + test evaluation, one thread), measured by
    training it for `epochs` epochs into a temporary directory."""
    import tempfile

    cfg = TrainConfig(epochs=epochs, **config_kwargs)
    with tempfile.TemporaryDirectory() as tmp:
        frame = train_network(arch, cfg, root=tmp)
    per_epoch = frame.loc[frame.epoch > 0]
    return {"arch": arch, "epochs": epochs, "seconds_per_epoch": float(per_epoch.seconds.mean()),
            "cpu_seconds_per_epoch": float(per_epoch.cpu_seconds.mean()), "proxy_seconds": float(frame.proxy_seconds.sum()),
            "n_train": cfg.train_size, "n_test": cfg.test_size, "final_test_acc": float(frame.test_acc.iloc[-1])}


# --------------------------------------------------------------------------------------
# Rank correlations along training (Blog Fig. 9)
# --------------------------------------------------------------------------------------
ARCH_PROXIES = ("flops", "params")


def correlations(frame: pd.DataFrame, proxies=None, dataset: str = "cifar10",
                 n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
    """Spearman's rho of every proxy at every epoch it was recorded, over the networks of
    `frame` (NB201 results of one configuration), against (a) NAS-Bench-201's 200-epoch test
    accuracy on `dataset` (`target='nb201'`) and (b) our own final test accuracy
    (`target='ours'`), with percentile-bootstrap 95% CIs over architectures. `flops` and
    `params` (the benchmark's counts, architecture constants) are repeated at every epoch, and
    our test accuracy at each epoch is added as the proxy `test_acc` (how early training
    ranks). One row per (proxy, epoch, target): n, rho, lo, hi."""
    from aznas_core import metrics
    from aznas_core.spaces import nb201

    if frame.empty:
        return pd.DataFrame(columns=["proxy", "epoch", "target", "n", "rho", "lo", "hi"])
    if frame.space.nunique() != 1 or frame.space.iloc[0] != "nb201":
        raise ValueError("correlations need NAS-Bench-201 results of one configuration")
    from aznas_core.nb201 import ground_truth

    truth = ground_truth().set_index("arch")[dataset]
    last = int(frame.epochs.iloc[0])
    finished = frame.groupby("arch").epoch.max() == last
    frame = frame[frame.arch.isin(finished[finished].index)]
    final = frame[frame.epoch == last].set_index("arch").test_acc
    recorded = [p for p in (proxies or [c for c in frame.proxies.iloc[0].split(",") if c])]
    epochs = sorted(frame.epoch.unique())
    costs = {a: nb201.flops_params(a, dataset) for a in final.index}
    rows = []
    for proxy in [*recorded, *ARCH_PROXIES, "test_acc"]:
        for epoch in (epochs if proxy == "test_acc" else
                      [e for e in epochs if e in set(int(x) for x in
                                                     frame.proxy_epochs.iloc[0].split(","))]):
            if proxy in ARCH_PROXIES:
                values = pd.Series({a: c[ARCH_PROXIES.index(proxy)] for a, c in costs.items()})
            else:
                at = frame[frame.epoch == epoch].set_index("arch")[proxy]
                values = at.dropna()
            if values.empty:
                continue
            for target, acc in (("nb201", truth), ("ours", final)):
                a = values.index
                s, t = values.to_numpy(float), acc.reindex(a).to_numpy(float)
                with warnings.catch_warnings():  # constant resamples of a small n: rho is NaN
                    warnings.simplefilter("ignore")
                    rho = metrics.spearman_rho(s, t) if len(a) >= 3 else float("nan")
                    lo, hi = (metrics.bootstrap_ci(s, t, metric=metrics.spearman_rho,
                                                   n_boot=n_boot, seed=seed)
                              if len(a) >= 3 else (float("nan"), float("nan")))
                rows.append(dict(proxy=proxy, epoch=int(epoch), target=target, n=len(a),
                                 rho=rho, lo=lo, hi=hi))
    return pd.DataFrame(rows)
