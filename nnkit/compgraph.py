"""Computation graphs as data: named nodes, edges, and the orders and paths backpropagation follows.

A computation graph (the lecture notes of the bibliography, section on training) has three kinds of node:

- ``"data"``: inputs and targets, fixed while training;
- ``"parameter"``: what training changes;
- ``"operation"``: a value computed from the nodes that point into it.

Edges point forward, from a node to each node that uses it. Backpropagation
visits the same nodes in the opposite direction, starting at the loss: each
node receives ∂J/∂(its value) from the nodes that use it. This module holds the
graph algorithms on such named graphs; ``nnkit.graph_drawing`` draws them,
``nnkit.course_graphs`` holds the course's example graphs (and the anchor
example's values and gradients, computed by ``nnkit.autodiff``), and
``nnkit.autodiff`` is the engine that does the same on arrays.
"""

from dataclasses import dataclass
from typing import Sequence

KINDS = ("data", "parameter", "operation")

Edge = tuple[str, str]


@dataclass(frozen=True)
class Node:
    """One node of a computation graph.

    Attributes:
        name: short key used in edges, values and grads, e.g. "W1".
        label: text drawn inside the circle; matplotlib mathtext such as "$W^{\\rm H}$" works.
        kind: "data", "parameter" or "operation".
        position: (x, y) of the centre when drawn, in the Axes' data units (nodes about 2 apart look right).
    """

    name: str
    label: str
    kind: str
    position: tuple[float, float]


# --------------------------------------------------------------------------- graph structure


def check_graph(nodes: Sequence[Node], edges: Sequence[Edge]) -> None:
    """Raise ValueError if names repeat, a kind is unknown, or an edge names a missing node."""
    names = [node.name for node in nodes]
    if len(set(names)) != len(names):
        raise ValueError(f"node names must be unique; got {names}.")
    for node in nodes:
        if node.kind not in KINDS:
            raise ValueError(f"node {node.name!r} has kind {node.kind!r}; use one of {', '.join(KINDS)}.")
    for start, end in edges:
        for name in (start, end):
            if name not in names:
                raise ValueError(f"edge ({start!r}, {end!r}) names {name!r}, which is not a node.")


def parents(edges: Sequence[Edge], name: str) -> list[str]:
    """The nodes whose values ``name`` is computed from, in edge order."""
    return [start for start, end in edges if end == name]


def children(edges: Sequence[Edge], name: str) -> list[str]:
    """The nodes that use the value of ``name``, in edge order."""
    return [end for start, end in edges if start == name]


def ancestors(edges: Sequence[Edge], name: str) -> set[str]:
    """Every node from which a path of edges leads to ``name`` (``name`` itself excluded)."""
    found: set[str] = set()
    to_visit = parents(edges, name)
    while to_visit:
        current = to_visit.pop()
        if current not in found:
            found.add(current)
            to_visit.extend(parents(edges, current))
    return found


def backward_order(nodes: Sequence[Node], edges: Sequence[Edge], loss: str) -> list[str]:
    """The order in which backpropagation visits the nodes, starting at ``loss``.

    A node is visited only after every node that uses it (among those the loss
    depends on), because its gradient is the sum of what they send back.
    Data nodes get no gradient and are left out. When several nodes are ready,
    parameters go first (their gradient is a final result), then operations,
    each in the order of ``nodes``.

    Returns:
        node names, ``loss`` first.
    """
    check_graph(nodes, edges)
    kinds = {node.name: node.kind for node in nodes}
    needed = {name for name in ancestors(edges, loss) if kinds[name] != "data"}
    order = [loss]
    while needed:
        # ready: no node that still waits for its gradient uses it
        ready = [
            node.name for node in nodes
            if node.name in needed and not any(child in needed for child in children(edges, node.name))
        ]
        ready.sort(key=lambda name: kinds[name] != "parameter")  # stable sort: parameters first
        order.append(ready[0])
        needed.remove(ready[0])
    return order


def all_paths(edges: Sequence[Edge], start: str, end: str) -> list[list[str]]:
    """Every forward path of edges from ``start`` to ``end``, each as the list of node names on it.

    By the multivariate chain rule, d end / d start is the sum over these paths
    of the product of the local derivatives along each path.
    """
    if start == end:
        return [[end]]
    return [[start] + rest for child in children(edges, start) for rest in all_paths(edges, child, end)]


def path_edges(paths: Sequence[Sequence[str]]) -> set[Edge]:
    """The edges that make up a collection of paths (for ``highlight_edges``)."""
    return {(path[i], path[i + 1]) for path in paths for i in range(len(path) - 1)}

