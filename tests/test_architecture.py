"""The package's layering (issue 22): imports flow one way, from the bottom (spaces, inputs,
metrics) to the top (cli, book), with no cycle, and every module states its one job.

Every import is counted, at module level or inside a function (a lazy import is still a
dependency), except in the deprecation shims of names that moved up a layer: a module-level
`__getattr__` (`aznas_core.proxies.MOVED`, ...) or a function that issues a
`DeprecationWarning` (`Config.key`), run only when old code uses an old name.
"""
import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "aznas_core"

#: Each module's layer; a module may import its own layer or below. A dotted prefix covers a
#: subpackage (the longest match wins); the root package is the facade alone.
LAYERS = {
    # 0: data, search spaces, inputs, metrics: no knowledge of proxies or caches
    "aznas_core.version": 0, "aznas_core.data": 0, "aznas_core.seeding": 0,
    "aznas_core.spaces": 0, "aznas_core.flops": 0, "aznas_core.initialization": 0,
    "aznas_core.inputs": 0, "aznas_core.aggregate": 0, "aznas_core.metrics": 0,
    "aznas_core.cells": 0, "aznas_core.nb201": 0, "aznas_core.reported": 0,
    "aznas_core.benchmarks": 0, "aznas_core.parallel": 0, "aznas_core.deprecation": 0,
    "aznas_core.modes": 0,
    # 1: the configuration, the primary-block contract
    "aznas_core.config": 1, "aznas_core.blocks": 1,
    # 2: the registry and the proxy families
    "aznas_core.proxies": 2,
    # 3: scoring a cell of a space, scoring any model
    "aznas_core.scoring": 3, "aznas_core.model": 3,
    # 4: the score cache, the search problems
    "aznas_core.cache": 4, "aznas_core.problems": 4,
    # 5: engines: sweeps, searches, training, timing
    "aznas_core.sweep": 5, "aznas_core.search": 5, "aznas_core.train": 5,
    "aznas_core.bench": 5,
    # 6: what the notebooks show; checks against the authors' code and NASLib
    "aznas_core.report": 6, "aznas_core.validation": 6,
    # 7: entry points and the public facade
    "aznas_core.cli": 7, "aznas_core.book": 7, "aznas_core.book_check": 7, "aznas_core": 7,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(mod: str) -> int:
    best = max((k for k in LAYERS if mod == k or (k != "aznas_core" and mod.startswith(k + "."))),
               key=len, default=None)
    if best is None:
        raise KeyError(f"{mod} has no layer in LAYERS: add it")
    return LAYERS[best]


def is_shim(node, tree) -> bool:
    """A module-level `__getattr__`, or a function that warns with DeprecationWarning."""
    if not isinstance(node, ast.FunctionDef):
        return False
    if node.name == "__getattr__" and node in tree.body:
        return True
    return any(isinstance(n, ast.Name) and n.id == "DeprecationWarning" for n in ast.walk(node))


def imports(mod: str, path: Path, known) -> set[str]:
    """aznas_core modules `mod` imports (a submodule, or the package whose attribute it takes);
    the packages an import runs on the way (`a.b` for `a.b.c`) count too, except the
    module's own packages (already running when it runs)."""
    tree = ast.parse(path.read_text())
    skip = {id(n) for f in ast.walk(tree) if is_shim(f, tree) for n in ast.walk(f)}
    out = set()
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]
        else:
            continue
        for t in targets:
            if not t.startswith("aznas_core"):
                continue
            parts = t.split(".")
            out |= {".".join(parts[:i]) for i in range(2, len(parts) + 1)
                    if ".".join(parts[:i]) in known}
            if t == "aznas_core":
                out.add(t)
    # a module's own packages are already running when it runs: not a dependency of it
    ancestors = {".".join(mod.split(".")[:i]) for i in range(2, mod.count(".") + 1)}
    return out - ancestors - {mod}


def graph() -> nx.DiGraph:
    mods = modules()
    g = nx.DiGraph()
    g.add_nodes_from(mods)
    for mod, path in mods.items():
        g.add_edges_from((mod, dep) for dep in imports(mod, path, mods))
    return g


def test_every_module_has_a_layer_and_states_its_job():
    for mod, path in modules().items():
        layer(mod)
        doc = ast.get_docstring(ast.parse(path.read_text()))
        assert doc and len(doc.split()) >= 4, f"{mod}: no docstring saying what it is for"


def test_imports_flow_down_the_layers():
    upward = sorted(f"{a} (layer {layer(a)}) imports {b} (layer {layer(b)})"
                    for a, b in graph().edges if layer(b) > layer(a))
    assert not upward, "\n".join(upward)


def test_no_import_cycle():
    g = graph()
    # the root facade re-exports the public API; every module's import of the package runs it
    # first, so edges into it are Python's, not the design's
    g.remove_edges_from([(a, b) for a, b in list(g.edges) if b == "aznas_core"])
    cycles = list(nx.simple_cycles(g))
    assert not cycles, "\n".join(" -> ".join(c + [c[0]]) for c in cycles[:10])


def test_the_walk_sees_lazy_imports_and_ignores_deprecation_aliases(tmp_path):
    src = ('"""A test module for the import walk."""\n'
           "def f():\n    from aznas_core import sweep\n"
           "def __getattr__(name):\n    from aznas_core import cli\n"
           "def old():\n    warnings.warn('moved', DeprecationWarning)\n"
           "    from aznas_core import book\n")
    path = tmp_path / "mod.py"
    path.write_text(src)
    known = {"aznas_core", "aznas_core.sweep", "aznas_core.cli", "aznas_core.book"}
    assert imports("aznas_core.spaces.x", path, known) == {"aznas_core.sweep"}
    with pytest.raises(KeyError, match="no layer"):
        layer("elsewhere.module")
    with pytest.raises(KeyError, match="no layer"):  # the facade's layer is not inherited
        layer("aznas_core.unlisted")
