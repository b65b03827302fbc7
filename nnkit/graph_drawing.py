"""Drawing a computation graph: coloured circles for nodes, arrows for edges, values above, gradients below.

``draw_computation_graph`` draws any graph of ``nnkit.compgraph`` nodes. The forward
value of a node is written above it and its gradient ∂J/∂node (in red) below it, so a
backward sweep can be shown step by step. Node kinds have their colours:

- ``"data"`` (light green): inputs and targets;
- ``"parameter"`` (light blue): what training changes;
- ``"operation"`` (white): computed values.

Every drawn artist that carries meaning has a ``gid`` (``node-<name>``,
``value-<name>``, ``grad-<name>``, ``edge-<from>-<to>``) so tests can find it.
"""

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch, Patch
from numpy.typing import ArrayLike, NDArray

from nnkit.compgraph import Edge, Node, check_graph
from nnkit import drawing
from nnkit.drawing import rim_points

Array = NDArray[np.float64]

KIND_COLORS = {"data": "#d5f0c8", "parameter": "#c9e0f5", "operation": "#ffffff"}
VALUE_COLOR = "#1a1a1a"
GRAD_COLOR = "#b3261e"
HIGHLIGHT_COLOR = "#e69500"
NODE_RADIUS = 0.36

__all__ = ["KIND_COLORS", "draw_computation_graph", "format_number", "format_value"]


def format_number(value: float) -> str:
    """A number on a graph node: 4 significant digits and a real minus sign, e.g. −0.03962."""
    return drawing.format_number(value, digits=4)


def format_value(value: str | float | ArrayLike) -> str:
    """Text for a value: strings as given, numbers short, vectors in brackets, matrices one row per line."""
    if isinstance(value, str):
        return value
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        return format_number(array)
    if array.ndim == 1:
        return "[" + ", ".join(format_number(v) for v in array) + "]"
    if array.ndim == 2:
        return "\n".join(format_value(row) for row in array)
    raise ValueError(f"can only write scalars, vectors and matrices on a node; got shape {array.shape}.")


def _draw_edge(ax: Axes, start: Array, end: Array, highlighted: bool, gid: str) -> None:
    tail, head = rim_points(start, end, NODE_RADIUS)
    color, width = (HIGHLIGHT_COLOR, 2.4) if highlighted else ("0.35", 1.2)
    ax.add_patch(
        FancyArrowPatch(tail, head, arrowstyle="-|>", mutation_scale=13, color=color, lw=width, zorder=1, gid=gid)
    )


def _draw_node(ax: Axes, node: Node, highlighted: bool) -> None:
    edge_color, width = (HIGHLIGHT_COLOR, 3.0) if highlighted else ("black", 1.3)
    ax.add_patch(
        Circle(node.position, NODE_RADIUS, facecolor=KIND_COLORS[node.kind], edgecolor=edge_color,
               lw=width, zorder=3, gid=f"node-{node.name}")
    )
    ax.text(*node.position, node.label, ha="center", va="center", fontsize=12, zorder=4)


def _write_beside(ax: Axes, node: Node, text: str, above: bool, color: str, gid: str) -> None:
    x, y = node.position
    offset = NODE_RADIUS + 0.08
    box = {"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}
    ax.text(
        x, y + offset if above else y - offset, text, ha="center", va="bottom" if above else "top",
        fontsize=8.5, color=color, bbox=box, zorder=5, gid=gid, linespacing=1.15,
    )


def _add_legend(ax: Axes, nodes: Sequence[Node], with_values: bool, with_grads: bool) -> None:
    kinds_present = [kind for kind in KIND_COLORS if any(node.kind == kind for node in nodes)]
    handles = [Patch(facecolor=KIND_COLORS[kind], edgecolor="black", label=kind) for kind in kinds_present]
    if with_values:
        handles.append(Patch(facecolor="white", edgecolor=VALUE_COLOR, label="above: forward value"))
    if with_grads:
        handles.append(Patch(facecolor="white", edgecolor=GRAD_COLOR, label="below: ∂J/∂node"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(handles),
              fontsize=8.5, frameon=False, handlelength=1.2, columnspacing=1.2)


def draw_computation_graph(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    values: dict[str, str | float | ArrayLike] | None = None,
    grads: dict[str, str | float | ArrayLike] | None = None,
    ax: Axes | None = None,
    highlight: Sequence[str] = (),
    highlight_edges: Sequence[Edge] | set[Edge] = (),
    legend: bool = True,
) -> Axes:
    """Draw a computation graph: coloured circles for nodes, arrows for the forward direction.

    Args:
        nodes: the nodes, each with its own position.
        edges: (from, to) pairs of node names; an arrow is drawn for each.
        values: optional forward value per node name, written above the node:
            a number, a vector, a matrix (one row per line) or any string.
        grads: optional gradient ∂J/∂node per node name, written below the node in red.
            Nodes missing from the dict get nothing, so a partly finished backward sweep can be shown.
        ax: where to draw; a new figure if None.
        highlight: names of nodes to outline in orange (e.g. the node backprop is at).
        highlight_edges: (from, to) edges to draw thick and orange (e.g. the paths from a parameter to the loss).
        legend: add a legend of node kinds (and of what the texts mean) under the graph.

    Returns:
        the Axes.
    """
    check_graph(nodes, edges)
    values, grads = values or {}, grads or {}
    for name in list(values) + list(grads) + list(highlight):
        if name not in {node.name for node in nodes}:
            raise ValueError(f"{name!r} is not a node of this graph.")
    positions = {node.name: np.asarray(node.position, dtype=float) for node in nodes}
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    if ax is None:
        _, ax = plt.subplots(figsize=(1.05 * (max(xs) - min(xs)) + 1.8, 0.95 * (max(ys) - min(ys)) + 2.2))

    lit_edges = set(highlight_edges)
    for start, end in edges:
        _draw_edge(ax, positions[start], positions[end], (start, end) in lit_edges, gid=f"edge-{start}-{end}")
    for node in nodes:
        _draw_node(ax, node, node.name in highlight)
        if node.name in values:
            _write_beside(ax, node, format_value(values[node.name]), True, VALUE_COLOR, f"value-{node.name}")
        if node.name in grads:
            _write_beside(ax, node, format_value(grads[node.name]), False, GRAD_COLOR, f"grad-{node.name}")

    margin = NODE_RADIUS + 0.9
    ax.set_xlim(min(xs) - margin, max(xs) + margin)
    ax.set_ylim(min(ys) - margin, max(ys) + margin)
    ax.set_aspect("equal")
    ax.axis("off")
    if legend:
        _add_legend(ax, nodes, bool(values), bool(grads))
    return ax
