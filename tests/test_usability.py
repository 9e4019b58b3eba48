"""Issue 25: scoring a researcher's own models without surprises. One test per bullet of the
issue: no silent -inf (one-line errors or warnings naming the remedy), the caller's model
unchanged by scoring, zoo layouts (torchvision / timm module names, written here because
torchvision's compiled ops do not load on the pinned CPU torch), discoverable proxies, and
the defaults-and-messages list; plus the README's "Scoring any PyTorch model" code, run as
written."""
import json
import math
import re
import warnings
from pathlib import Path

import pytest
import torch
from torch import nn

import aznas_core
from aznas_core import cli, nb201, score, score_model
from aznas_core.config import Config
from aznas_core.proxies import PROXIES
from aznas_core.proxies.registry import check_proxies

ROOT = Path(__file__).resolve().parent.parent
ARCH = "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|"


def one_line(message: str) -> bool:
    return "\n" not in message.strip() and "Traceback" not in message



class BasicBlock(nn.Module):  # torchvision.models.resnet.BasicBlock's names
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.downsample = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False),
                                            nn.BatchNorm2d(c_out))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet18(nn.Module):  # torchvision.models.resnet18's module names, any width
    def __init__(self, width=8, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        c = width
        for i, mult in enumerate((1, 2, 4, 8), start=1):
            out = width * mult
            setattr(self, f"layer{i}", nn.Sequential(BasicBlock(c, out, 1 if i == 1 else 2),
                                                     BasicBlock(out, out)))
            c = out
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def conv_bn(c_in, c_out, k=3, stride=1, groups=1, act=True):
    layers = [nn.Conv2d(c_in, c_out, k, stride, (k - 1) // 2, groups=groups, bias=False),
              nn.BatchNorm2d(c_out)]
    return nn.Sequential(*layers, *([nn.ReLU6(inplace=True)] if act else []))


class InvertedResidual(nn.Module):
    def __init__(self, c_in, c_out, stride, expand):
        super().__init__()
        hidden = c_in * expand
        self.use_res_connect = stride == 1 and c_in == c_out
        self.conv = nn.Sequential(conv_bn(c_in, hidden, 1),
                                  conv_bn(hidden, hidden, 3, stride, hidden),
                                  conv_bn(hidden, c_out, 1, act=False))

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):  # torchvision's layout: features, then functional pooling, classifier
    def __init__(self, num_classes=10):
        super().__init__()
        feats = [conv_bn(3, 8, 3, 2)]
        c = 8
        for c_out, stride in ((8, 1), (12, 2), (12, 1), (16, 2)):
            feats.append(InvertedResidual(c, c_out, stride, 2))
            c = c_out
        feats.append(conv_bn(c, 32, 1))
        self.features = nn.Sequential(*feats)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(32, num_classes))

    def forward(self, x):
        x = nn.functional.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(torch.flatten(x, 1))


class Block(nn.Module):  # timm's VisionTransformer Block names
    def __init__(self, dim, heads=2):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, dim, patch):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, patch, patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class ViT(nn.Module):  # timm's names: patch_embed, pos_drop, blocks, norm, head (GELU, no ReLU)
    def __init__(self, dim=16, depth=3, patch=8, resolution=32, num_classes=10):
        super().__init__()
        self.patch_embed = PatchEmbed(dim, patch)
        self.pos_embed = nn.Parameter(torch.randn(1, (resolution // patch) ** 2, dim) * 0.02)
        self.pos_drop = nn.Dropout(0.0)
        self.blocks = nn.Sequential(*[Block(dim) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.pos_drop(self.patch_embed(x) + self.pos_embed)
        return self.head(self.norm(self.blocks(x)).mean(1))


def batch(n=4, r=32, seed=0, classes=10):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(n, 3, r, r, generator=g), torch.randn(n, 3, r, r, generator=g),
            torch.randint(0, classes, (n,), generator=g))


def model_state(model):
    return ({k: v.clone() for k, v in model.state_dict().items()},
            [m.training for m in model.modules()], [p.requires_grad for p in model.parameters()])


def assert_same_state(before, after):
    (sd0, modes0, grads0), (sd1, modes1, grads1) = before, after
    assert sd0.keys() == sd1.keys()
    changed = [k for k in sd0 if not torch.equal(sd0[k], sd1[k])]
    assert not changed, f"scoring changed {changed}"
    assert modes0 == modes1 and grads0 == grads1


# ---- 1. no silent -inf; the caller's model unchanged ---------------------------------------

@pytest.mark.parametrize("proxy", ["naswot", "nwot"])
def test_naswot_without_relu_raises_one_line_instead_of_minus_inf(proxy):
    x, _, y = batch()
    for model in (MobileNetV2(), ViT()):  # ReLU6; GELU
        with pytest.raises(ValueError, match="no nn.ReLU") as e:
            score_model(model, x, proxies=[proxy], labels=y)
        assert one_line(str(e.value))
    assert math.isfinite(score_model(ResNet18(), x, proxies=[proxy], labels=y)[proxy])


def test_progressivity_and_trainability_of_one_block_raise():
    x, _, _ = batch()
    model = ResNet18()
    for proxies in (["progressivity"], ["trainability"], ["expressivity", "trainability"]):
        with pytest.raises(ValueError, match="at least two") as e:
            score_model(model, x, blocks=["maxpool"], proxies=proxies)
        assert one_line(str(e.value))
    with pytest.raises(ValueError, match="at least two"):  # a callable giving one output
        score_model(model, x, blocks=lambda m, x: [m.conv1(x)], proxies=["trainability"])
    e = score_model(model, x, blocks=["maxpool"], proxies=["expressivity"])["expressivity"]
    assert math.isfinite(e)


def test_progressivity_on_token_blocks_warns_and_e_t_do_not():
    x, _, _ = batch()
    model = ViT()
    blocks = ["pos_drop", "blocks.0", "blocks.1", "blocks.2"]
    with pytest.warns(UserWarning, match="omit P for ViTs"):
        score_model(model, x, blocks=blocks, mode="eval")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = score_model(model, x, blocks=blocks, proxies=["expressivity", "trainability"],
                          mode="eval")
    assert all(math.isfinite(v) for v in got.values())


@pytest.mark.parametrize("proxies", [["snip"], ["synflow"], ["zen"], ["naswot", "grasp"],
                                     ["gradsign", "zico", "ntk", "linear_region"],
                                     ["expressivity", "progressivity", "trainability"]])
def test_scoring_never_changes_the_callers_model(proxies):
    x, x2, y = batch(n=4, r=64)  # GradSign needs maps larger than 1x1 in layer4
    model = ResNet18()
    with torch.no_grad():  # non-trivial running statistics, mixed modes and flags
        model(torch.randn(8, 3, 64, 64))
    model.train()
    model.layer2.eval()
    model.fc.weight.requires_grad_(False)
    before = model_state(model)
    score_model(model, x, blocks=aznas_core.suggest_blocks(model, x), proxies=proxies,
                labels=y, inputs2=x2, labels2=y)
    assert_same_state(before, model_state(model))


def test_each_family_sees_the_callers_model_so_values_do_not_depend_on_the_request():
    x, x2, y = batch()
    model = ResNet18()
    alone = score_model(model, x, proxies=["zen"], inputs2=x2)["zen"]
    after_snip = score_model(model, x, proxies=["snip", "zen"], labels=y, inputs2=x2)["zen"]
    assert alone == after_snip


def test_zen_on_a_search_space_network_still_equals_score():
    """The pooling option leaves the spaces' path (module `pool`) as it was, bit for bit."""
    from aznas_core.proxies import FAMILIES, Batch
    from aznas_core.scoring import build_for
    from aznas_core.seeding import single_threaded

    cfg = Config(batch_size=8, resolution=16, seed=2)
    fam = FAMILIES["zen"]
    with single_threaded():
        model = build_for(fam.name, ARCH, cfg).to(memory_format=torch.channels_last)
        b = Batch.for_arch(ARCH, cfg, fam.needs(cfg, ["zen"])).channels_last()
        got = score_model(model, b.noise, proxies=["zen"], inputs2=b.noise2, config=cfg)
    assert got == score(ARCH, proxies=["zen"], config=cfg)


# ---- 2. discoverable proxies ---------------------------------------------------------------

def test_list_proxies_is_a_tidy_frame_of_every_proxy():
    frame = aznas_core.list_proxies()
    assert set(PROXIES) <= set(frame["name"])
    assert {"name", "family", "description", "needs", "sign", "relative_cost",
            "variants"} <= set(frame.columns)
    row = frame.set_index("name")
    assert "labels" in row.loc["snip", "needs"]
    assert "nn.ReLU" in row.loc["naswot", "needs"]
    assert "pooling" in row.loc["zen", "needs"]
    assert "second" in row.loc["zico", "needs"]
    assert row.loc["synflow", "relative_cost"] < row.loc["ntk", "relative_cost"]
    assert set(frame["sign"]) == {1}


def test_aznas_proxies_lists_every_registered_proxy(capsys):
    assert cli.main(["proxies", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in rows} >= set(PROXIES)
    assert cli.main(["proxies"]) == 0
    table = capsys.readouterr().out
    assert all(re.search(rf"\b{p}\b", table) for p in PROXIES)


@pytest.mark.parametrize("typo,meant", [("Synflow", "synflow"), ("SNIP", "snip"),
                                        ("expresivity", "expressivity"), ("te-nas", "te_nas"),
                                        ("grad-norm", "grad_norm")])
def test_unknown_names_get_close_match_suggestions_everywhere(typo, meant):
    with pytest.raises(ValueError, match=f"did you mean '{meant}'") as e:
        check_proxies([typo])
    assert one_line(str(e.value))
    x, _, y = batch()
    with pytest.raises(ValueError, match=f"did you mean '{meant}'"):
        score_model(ResNet18(), x, blocks=["maxpool", "layer1.0"], proxies=[typo], labels=y)


def test_cli_proxies_help_lists_the_names_and_a_typo_is_one_line(capsys):
    with pytest.raises(SystemExit):
        cli.main(["score", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "synflow" in help_text and "aznas proxies" in help_text
    assert cli.main(["score", ARCH, "--proxies", "Synflow"]) == 2
    err = capsys.readouterr().err
    assert one_line(err) and "did you mean 'synflow'" in err


# ---- 3. zoo layouts ------------------------------------------------------------------------

def test_zen_scores_a_torchvision_layout_resnet_and_mobilenet():
    x, x2, _ = batch()
    resnet = ResNet18()
    auto = score_model(resnet, x, proxies=["zen"], inputs2=x2)["zen"]
    named = score_model(resnet, x, proxies=["zen"], inputs2=x2, pooling="avgpool")["zen"]
    assert math.isfinite(auto) and auto == named
    mbv2 = MobileNetV2()
    auto = score_model(mbv2, x, proxies=["zen"], inputs2=x2)["zen"]
    named = score_model(mbv2, x, proxies=["zen"], inputs2=x2, pooling="features:output")["zen"]
    assert math.isfinite(auto) and auto == named
    with pytest.raises(ValueError, match="avgpool") as e:  # a typo: close names offered
        score_model(resnet, x, proxies=["zen"], inputs2=x2, pooling="avgpol")
    assert one_line(str(e.value))


def test_zen_without_a_findable_pooling_names_the_option():
    x, x2, _ = batch()
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                          nn.Linear(4 * 30 * 30, 10))
    with pytest.raises(ValueError, match="pooling=") as e:
        score_model(model, x, proxies=["zen"], inputs2=x2)
    assert one_line(str(e.value))


def test_gradsign_on_1x1_feature_maps_is_one_line_asking_for_a_larger_input():
    x, _, y = batch(r=32)  # ResNet-18 downsamples 32x: layer4 sees 1x1 maps
    with pytest.raises(ValueError, match="larger input resolution") as e:
        score_model(ResNet18(), x, proxies=["gradsign"], labels=y)
    assert one_line(str(e.value))
    x, _, y = batch(r=64)
    assert math.isfinite(score_model(ResNet18(), x, proxies=["gradsign"], labels=y)["gradsign"])


def test_labels_outside_the_models_classes_are_one_line():
    x, x2, y = batch()
    model = ResNet18(num_classes=10)
    for labels, match in [(y + 10, r"model has 10 outputs.*\[0, 10\)"),
                          (y - 20, "negative class index"),
                          (y.float(), "integer tensor"),
                          (y[:2], "one class index per sample")]:
        with pytest.raises(ValueError, match=match) as e:
            score_model(model, x, proxies=["snip"], labels=labels)
        assert one_line(str(e.value))
    with pytest.raises(ValueError, match="outputs"):
        score_model(model, x, proxies=["zico"], labels=y, inputs2=x2, labels2=y + 10)


def test_model_complexity_at_any_resolution_through_the_authors_counter():
    for dataset in ("cifar10", "cifar100"):
        model = nb201.build(ARCH, dataset)
        mflops, mparams = nb201.flops_params(ARCH, dataset)
        assert aznas_core.model_complexity(model, 32) == {"mflops": mflops, "mparams": mparams}
    model = ResNet18()
    r32 = aznas_core.model_complexity(model, torch.zeros(2, 3, 32, 32))
    r64 = aznas_core.model_complexity(model, 64)
    head = 8 * 8 * 10 + 10  # the classifier's MACs do not grow with the resolution
    assert r64["mflops"] * 1e6 - head == pytest.approx(4 * (r32["mflops"] * 1e6 - head))
    assert r64["mparams"] == r32["mparams"] == sum(p.numel() for p in model.parameters()) / 1e6
    x, _, _ = batch()
    got = score_model(model, x, proxies=["complexity", "params"])
    assert got == {"complexity": r32["mflops"], "params": r32["mparams"]}


def test_suggest_blocks_for_resnet_mobilenet_and_vit_layouts():
    x, _, _ = batch()
    resnet, mbv2, vit = ResNet18(), MobileNetV2(), ViT()
    assert aznas_core.suggest_blocks(resnet, x) == (
        ["maxpool"] + [f"layer{i}.{j}" for i in range(1, 5) for j in range(2)])
    assert aznas_core.suggest_blocks(mbv2, x) == [f"features.{i}" for i in range(6)]
    assert aznas_core.suggest_blocks(vit, x) == ["pos_drop", "blocks.0", "blocks.1", "blocks.2"]
    model = nb201.build(ARCH)  # this package's layout: the stem, then every cell
    assert aznas_core.suggest_blocks(model, x) == (
        ["stem"] + [f"blocks.{i}" for i in range(len(model.blocks))])
    for model, proxies, mode in [(resnet, None, "train"), (mbv2, None, "train"),
                                 (vit, ["expressivity", "trainability"], "eval")]:
        kw = {} if proxies is None else {"proxies": proxies}
        got = score_model(model, x, blocks=aznas_core.suggest_blocks(model, x), mode=mode, **kw)
        assert all(math.isfinite(v) for v in got.values())
    with pytest.raises(ValueError, match="name the primary blocks yourself"):
        aznas_core.suggest_blocks(nn.Sequential(nn.Conv2d(3, 4, 3)), x)


# ---- 4. defaults and messages --------------------------------------------------------------

def test_resolution_help_states_the_imagenet16_default(capsys):
    with pytest.raises(SystemExit):
        cli.main(["sweep", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "16 for ImageNet16-120" in text and "--resolution 32" in text


def test_too_small_resolution_is_one_line_naming_the_remedy(capsys):
    assert cli.main(["score", ARCH, "--resolution", "2", "--proxies", "synflow"]) == 2
    err = capsys.readouterr().err
    assert one_line(err) and "--resolution 2" in err and "larger input" in err


def test_data_prints_its_folders_and_warns_on_a_missing_data_dir(monkeypatch, capsys, tmp_path):
    from aznas_core import data

    missing = str(tmp_path / "nonexistent")
    monkeypatch.setenv("AZNAS_DATA_DIR", missing)
    with pytest.warns(UserWarning, match="AZNAS_DATA_DIR=.*not a directory"):
        dirs = data.data_dirs()
    assert dirs[0] == Path(missing)
    monkeypatch.setattr(data, "EXTERNAL_FILES", dict(list(data.EXTERNAL_FILES.items())[:1]))
    monkeypatch.setattr(data, "_warned_missing", set())
    with pytest.warns(UserWarning, match="AZNAS_DATA_DIR=.*not a directory"):
        cli.main(["data"])
    out = capsys.readouterr().out
    assert f"{missing} (does not exist)" in out
    # the command line prints warnings as one line each
    assert cli._one_line_warning("AZNAS_DATA_DIR=x is not a directory", UserWarning, "f", 1) \
        == "aznas: warning: AZNAS_DATA_DIR=x is not a directory\n"
    rel = next(iter(data.EXTERNAL_FILES))
    if data.locate(rel) is not None:
        assert f"(from {data.locate(rel)})" in out


def test_corrupt_shard_error_names_repair():
    from aznas_core.cache import CorruptShardError

    e = CorruptShardError("data/scores/x/part-1.parquet", "content does not match")
    assert "--repair" in str(e) and one_line(str(e))


def test_cli_sweep_fills_another_cache_root(tmp_path, capsys):
    root = tmp_path / "scores"
    assert cli.main(["sweep", "--cache-root", str(root), "--n-archs", "1", "--executor", "serial",
                     "--proxies", "l2_norm", "--batch-size", "2", "--resolution", "8"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["computed"] == 1
    assert list(root.rglob("part-*.parquet"))


def test_scores_warn_when_a_repair_left_rows_missing(tmp_path):
    from aznas_core import sweep

    cfg = Config(batch_size=2, resolution=8)
    archs = nb201.archs()[:2]
    sweep.run(archs, proxies=["l2_norm"], cfg=cfg, executor="serial", chunk_size=1,
              root=tmp_path, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(sweep.scores(proxies=["l2_norm"], config=cfg, root=tmp_path)) == 2
    shard = sorted(sweep.cache_dir(cfg, "l2_norm", tmp_path).glob("part-*.parquet"))[0]
    shard.write_bytes(shard.read_bytes()[:-20])
    assert sweep.repair(cfg, "l2_norm", tmp_path)
    with pytest.warns(UserWarning, match="partial scores: .*moved aside by a repair.*aznas sweep"):
        assert len(sweep.scores(proxies=["l2_norm"], config=cfg, root=tmp_path)) == 1
    sweep.run(archs, proxies=["l2_norm"], cfg=cfg, executor="serial", root=tmp_path,
              progress=False)  # recomputed: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(sweep.scores(proxies=["l2_norm"], config=cfg, root=tmp_path)) == 2


def test_authors_validation_on_a_bad_path_is_one_line(capsys, tmp_path):
    from aznas_core.validation import authors

    assert authors.main([str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err
    assert one_line(err) and "NB201/ZeroShotProxy" in err


def test_bench_reports_worker_startup_apart(monkeypatch):
    from aznas_core import bench

    got = bench.benchmark(n_archs=1, workers=1, config=Config(batch_size=2, resolution=8))
    assert {"startup_s", "wall_s", "worker_ms_per_arch_mean"} <= set(got)
    assert 0 <= got["startup_s"] <= got["wall_s"]
    # the scoring itself is what the workers spent; the rest is start-up
    assert got["startup_s"] == pytest.approx(
        max(0.0, got["wall_s"] - got["worker_ms_per_arch_mean"] / 1000), abs=0.2)


# ---- the README runs as written ------------------------------------------------------------

def test_readme_scoring_any_pytorch_model_runs_as_written(capsys):
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Scoring any PyTorch model"):]
    section = section[:section.index("\n## ", 5)]
    code = "\n".join(re.findall(r"```python\n(.*?)```", section, re.S))
    assert "score_model" in code and "suggest_blocks" in code
    exec(compile(code, "README.md: Scoring any PyTorch model", "exec"), {})
    out = capsys.readouterr().out
    assert "'expressivity'" in out and "'zen'" in out and "'mflops'" in out


# ---- the public API: typed, its fixed choices defined once, documented on one page ---------

from typing import get_args, get_type_hints  # noqa: E402
import inspect  # noqa: E402

from aznas_core import aggregate  # noqa: E402
from aznas_core.blocks import BlockProxy, Mode, scoring_state  # noqa: E402
from aznas_core.config import VARIANTS, CellSpace, Dataset, Variant  # noqa: E402
from aznas_core.initialization import INIT_SCHEMES, InitScheme, check_init  # noqa: E402
from aznas_core.inputs import SOURCES, InputSource, LabelledSource, check_source, is_labelled  # noqa: E402,E501
from aznas_core.proxies.aznas import MODEL_PROXIES  # noqa: E402
from aznas_core.proxies.registry import SET_PROXIES, ProxyName  # noqa: E402
from aznas_core.spaces import available, get_space  # noqa: E402
from aznas_core.spaces.nb201 import FLOPS_CONVENTIONS, FlopsConvention, NB201Dataset  # noqa: E402
from aznas_core.spaces.tnb101_micro import TNB101Task  # noqa: E402

REFERENCE = ROOT / "book" / "reference.md"
#: Every fixed-choice type of the public API; each must be documented on the reference page.
LITERALS = {
    "aznas_core.proxies.registry.ProxyName": ProxyName, "aznas_core.blocks.BlockProxy": BlockProxy,
    "aznas_core.blocks.Mode": Mode, "aznas_core.config.CellSpace": CellSpace,
    "aznas_core.config.Dataset": Dataset, "aznas_core.spaces.nb201.NB201Dataset": NB201Dataset,
    "aznas_core.spaces.tnb101_micro.TNB101Task": TNB101Task,
    "aznas_core.initialization.InitScheme": InitScheme,
    "aznas_core.inputs.InputSource": InputSource, "aznas_core.inputs.LabelledSource": LabelledSource,
    "aznas_core.config.Variant": Variant, "aznas_core.spaces.nb201.FlopsConvention": FlopsConvention,
    "aznas_core.aggregate.Ties": aggregate.Ties,
}


def refused_in_one_line(fn, *args, match=None, **kwargs) -> str:
    with pytest.raises(ValueError, match=match) as err:
        fn(*args, **kwargs)
    assert one_line(str(err.value)), str(err.value)
    return str(err.value)


def proxy_name_drift() -> tuple[set, set]:
    """(registered but not in `ProxyName`, in `ProxyName` but not registered)."""
    names = set(get_args(ProxyName))
    return set(PROXIES) - names, names - set(PROXIES)


def test_proxy_name_literal_is_exactly_the_registry(monkeypatch):
    assert len(get_args(ProxyName)) == len(set(get_args(ProxyName)))  # no name twice
    assert proxy_name_drift() == (set(), set())
    assert not set(SET_PROXIES) & set(get_args(ProxyName))  # te_nas ranks a set: not a score
    assert set(aznas_core.AZNAS) <= set(get_args(ProxyName))
    assert set(get_args(BlockProxy)) <= set(get_args(ProxyName))
    assert set(aznas_core.list_proxies().query("kind != 'set'")["name"]) == set(get_args(ProxyName))
    # a proxy registered without being added to the Literal is caught
    monkeypatch.setitem(PROXIES, "my_new_proxy", PROXIES["synflow"])
    assert proxy_name_drift() == ({"my_new_proxy"}, set())


def test_literal_types_are_the_values_the_runtime_checks_accept():
    # derived: the runtime tuples are the Literals' values, in order
    assert INIT_SCHEMES == get_args(InitScheme)
    assert VARIANTS == get_args(Variant)
    assert tuple(SOURCES) == get_args(InputSource)
    assert FLOPS_CONVENTIONS == get_args(FlopsConvention)
    assert MODEL_PROXIES == get_args(BlockProxy)
    assert {s for s in get_args(InputSource) if is_labelled(s)} == set(get_args(LabelledSource))
    assert set(get_args(Dataset)) == set(get_args(NB201Dataset)) | set(get_args(TNB101Task))
    # the spaces and datasets are discovered and keyed at runtime: the Literals equal them
    assert set(get_args(CellSpace)) == {n for n in available()
                                        if hasattr(get_space(n), "check_dataset")}
    assert set(get_args(NB201Dataset)) == set(get_space("nb201").DATASETS)
    assert set(get_args(TNB101Task)) == set(get_space("tnb101_micro").DATASETS)
    # every value is accepted ...
    for s in get_args(InitScheme):
        assert check_init(s) == s and Config(init=s).init == s
    for s in get_args(InputSource):
        assert check_source(s) == s and Config(inputs=s).inputs == s
    for v in get_args(Variant):
        assert Config(variant=v).variant == v
    for d in get_args(NB201Dataset):
        assert Config(space="nb201", dataset=d).num_classes > 0
    for t in get_args(TNB101Task):
        assert Config(space="tnb101_micro", dataset=t).num_classes > 0
    for c in get_args(FlopsConvention):
        assert nb201.flops_params(ARCH, convention=c)[0] > 0
    for t in get_args(aggregate.Ties):
        assert len(aggregate.ranks([1.0, 1.0, 2.0], ties=t)) == 3
    net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)).eval()
    for m in get_args(Mode):
        with scoring_state(net, m):
            assert net.training == (m == "train")
        assert not net.training  # restored
    # ... and a value outside the type is refused in one line naming the accepted ones
    assert "kaiming_fan_in" in refused_in_one_line(Config, init="kaiming")
    assert "synthetic_cifar10" in refused_in_one_line(Config, inputs="cifar10")
    assert "'zc'" in refused_in_one_line(Config, variant="naslib")
    assert "cifar100" in refused_in_one_line(Config, dataset="cifar-100")
    assert "segmentsemantic" in refused_in_one_line(Config, space="tnb101_micro", dataset="cifar10")
    assert "tnb101_micro" in refused_in_one_line(Config, space="mbv2")
    assert "legacy" in refused_in_one_line(nb201.flops_params, ARCH, convention="naslib")
    assert "dense" in refused_in_one_line(aggregate.ranks, [1.0, 2.0], ties="ordinal")
    with pytest.raises(ValueError, match="'eval'"):
        with scoring_state(net, "inference"):
            pass
    x = torch.randn(4, 2, generator=torch.Generator().manual_seed(0))
    assert "'train'" in refused_in_one_line(score_model, net, x, blocks=["0", "1"],
                                            proxies=["expressivity"], mode="training")


def public_functions() -> dict:
    return {n: getattr(aznas_core, n) for n in aznas_core.__all__
            if inspect.isfunction(getattr(aznas_core, n))}


def test_every_public_function_is_typed_and_documented():
    funcs = public_functions()
    assert {"score", "score_model", "suggest_blocks", "model_complexity", "list_proxies"} <= set(funcs)
    for name, fn in funcs.items():
        sig = inspect.signature(fn)
        assert sig.return_annotation is not inspect.Signature.empty, f"{name}: no return type"
        untyped = [p for p in sig.parameters.values() if p.annotation is inspect.Parameter.empty]
        assert not untyped, f"{name}: parameters without a type: {untyped}"
        hints = get_type_hints(fn)  # every annotation resolves (the reference page renders it)
        assert "return" in hints
        doc = inspect.getdoc(fn)
        assert doc and len(doc.split()) >= 8, f"{name}: no docstring"
    hints = get_type_hints(aznas_core.Config)
    assert hints["dataset"] == Dataset and hints["init"] == InitScheme | None
    assert get_type_hints(score)["proxies"] == typing_sequence_of(ProxyName) | str
    assert get_type_hints(score_model)["mode"] == Mode | None


def typing_sequence_of(t):
    from typing import Sequence

    return Sequence[t]


def test_the_reference_page_documents_every_public_name():
    page = REFERENCE.read_text()
    documented = set(re.findall(r"^\.\. (?:autofunction|autoclass|autodata|autoexception|py:data)"
                                r":: (\S+)", page, re.M))
    for name, obj in vars(aznas_core).items():
        if name not in aznas_core.__all__ or name == "__version__":
            continue
        if inspect.ismodule(obj):  # the facade's modules: at least their entry points
            assert any(d.startswith(f"aznas_core.{name}.") for d in documented), name
        else:
            assert f"aznas_core.{name}" in documented, f"{name} is public but not on the page"
    for path in LITERALS:
        assert path in documented, f"the type {path} is not on the page"
    for path in documented:  # and nothing on the page is stale
        module, _, attr = path.rpartition(".")
        obj = __import__(module, fromlist=[attr])
        assert hasattr(obj, attr), path
    assert "\n      - file: reference\n" in (ROOT / "book" / "_toc.yml").read_text()
    config = (ROOT / "book" / "_config.yml").read_text()
    assert "sphinx.ext.autodoc" in config and "sphinx.ext.napoleon" in config


@pytest.mark.slow
def test_the_reference_page_builds_without_warnings_with_signatures_and_docstrings(tmp_path):
    """The page alone, built as `aznas book` builds the book (warnings are errors, nitpicky)."""
    import html
    import shutil
    import subprocess
    import sys

    jb = shutil.which("jupyter-book", path=str(Path(sys.executable).parent))
    if jb is None:
        pytest.skip("jupyter-book not installed (pip install -e .[book])")
    book = tmp_path / "book"
    book.mkdir()
    for f in ("_config.yml", "reference.md"):
        shutil.copy(ROOT / "book" / f, book / f)
    (book / "_toc.yml").write_text("format: jb-book\nroot: reference\n")
    run = subprocess.run([jb, "build", str(book), "--builder", "html", "-W", "-n", "--keep-going"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    page = (book / "_build" / "html" / "reference.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    for name, fn in public_functions().items():
        assert f'id="aznas_core.{name}"' in page, f"{name}: no signature on the page"
        words = re.findall(r"[A-Za-z]{4,}", inspect.getdoc(fn))[:6]  # the docstring is rendered
        assert words and all(w in text for w in words), (name, words)
    assert text.count("Return type:") >= len(public_functions())
    assert "dict[str, float]" in text and "list[str]" in text  # score..., suggest_blocks
    assert 'id="aznas_core.Config"' in page and "kaiming_fan_in" in text
    assert "Literal['nb201', 'tnb101_micro']" in text  # a type lists its values
