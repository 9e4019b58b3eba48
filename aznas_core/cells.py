"""A NAS-Bench-201 cell as a graph, for drawing and for structural questions ("which ops
reach the output?"). The core never plots; notebooks draw these graphs with networkx."""
from __future__ import annotations

import networkx as nx

from aznas_core.spaces import nb201

ROLES = {0: "input", 1: "intermediate", 2: "intermediate", 3: "output"}


def cell_graph(arch: str, keep_none: bool = False) -> nx.DiGraph:
    """The cell's DAG: nodes 0 (input), 1, 2 (intermediate), 3 (output) with a `role`
    attribute; one edge per operation with attributes `op` and `live` (whether it can affect
    the output, see `nb201.live_edges`). 'none' edges are left out unless `keep_none`."""
    ops = nb201.parse(arch)
    live = nb201.live_edges(ops)
    g = nx.DiGraph(arch=nb201.format_arch(ops))
    for node, role in ROLES.items():
        g.add_node(node, role=role)
    for (src, dst), op, is_live in zip(nb201.EDGES, ops, live):
        if op != "none" or keep_none:
            g.add_edge(src, dst, op=op, live=is_live)
    return g


def live_ops(arch: str) -> list[str]:
    """The operations on edges that can affect the cell output, in cell-string order."""
    ops = nb201.parse(arch)
    return [op for op, is_live in zip(ops, nb201.live_edges(ops)) if is_live]
