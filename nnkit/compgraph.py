"""Computation graphs: the steps of a calculation drawn as nodes, with forward values and backward gradients.

A computation graph (seed 001, §3) has three kinds of node, drawn in three colours:

- ``"data"`` (light green): inputs and targets, fixed while training;
- ``"parameter"`` (light blue): what training changes;
- ``"operation"`` (white): a value computed from the nodes that point into it.

Edges point forward, from a node to each node that uses it. Backpropagation
visits the same nodes in the opposite direction, starting at the loss: each
node receives d loss / d (its value) from the nodes that use it.

``draw_computation_graph`` draws any such graph; the forward value of a node is
written above it and its gradient (in red) below it. Ready-made graphs:

- ``one_hidden_layer_graph``: the network of seed 001, eq. (1), with its loss (seed 001, Figure 1);
- ``exp_model_graph``: the model z = W x + b, u = exp(z), ŷ = αᵀu of seed 001, §3, problem 2 (Figure 2);
- ``anchor_network_graph``: the course's anchor example (seed 003, §3), with
  ``anchor_forward_backward`` computing every value and gradient on it;
- ``two_sigmoid_layers_graph``: seed 002's network, drawn unit by unit so that
  every path from a parameter to the loss can be seen.

Every drawn artist that carries meaning has a ``gid`` (``node-<name>``,
``value-<name>``, ``grad-<name>``, ``edge-<from>-<to>``) so tests can find it.
"""

from dataclasses import dataclass
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch, Patch
from numpy.typing import ArrayLike, NDArray

from nnkit.activations import relu, relu_derivative, sigmoid

Array = NDArray[np.float64]

KIND_COLORS = {"data": "#d5f0c8", "parameter": "#c9e0f5", "operation": "#ffffff"}
VALUE_COLOR = "#1a1a1a"
GRAD_COLOR = "#b3261e"
HIGHLIGHT_COLOR = "#e69500"
NODE_RADIUS = 0.36

Edge = tuple[str, str]


@dataclass(frozen=True)
class Node:
    """One node of a computation graph.

    Attributes:
        name: short key used in edges, values and grads, e.g. "W1".
        label: text drawn inside the circle; matplotlib mathtext such as "$W_1$" works.
        kind: "data", "parameter" or "operation".
        position: (x, y) of the centre, in the Axes' data units (nodes about 2 apart look right).
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
        if node.kind not in KIND_COLORS:
            raise ValueError(f"node {node.name!r} has kind {node.kind!r}; use one of {', '.join(KIND_COLORS)}.")
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


# --------------------------------------------------------------------------- drawing


def format_number(value: float) -> str:
    """A short label: 4 significant digits and a real minus sign, e.g. −0.03962."""
    return f"{float(value) + 0.0:.4g}".replace("-", "\N{MINUS SIGN}")  # + 0.0 turns −0 into 0


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


def _rim_points(start: Array, end: Array) -> tuple[Array, Array]:
    """Where the line between two node centres leaves the first circle and enters the second."""
    direction = (end - start) / np.linalg.norm(end - start)
    return start + NODE_RADIUS * direction, end - NODE_RADIUS * direction


def _draw_edge(ax: Axes, start: Array, end: Array, highlighted: bool, gid: str) -> None:
    tail, head = _rim_points(start, end)
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
        handles.append(Patch(facecolor="white", edgecolor=GRAD_COLOR, label="below: ∂loss/∂node"))
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
        grads: optional gradient d loss / d node per node name, written below the node in red.
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


# --------------------------------------------------------------------------- ready-made graphs


def one_hidden_layer_graph() -> tuple[list[Node], list[Edge]]:
    """The loss of the one-hidden-layer network (seed 001, eq. 1 and 16) as a graph.

    z^H = W^H x + b^H, u^H = g_act(z^H), z^O = W^O u^H + b^O, L = g_loss(z^O, y).
    Node names: x, y, WH, bH, zH, uH, WO, bO, zO, L.
    """
    nodes = [
        Node("x", r"$\mathbf{x}_i$", "data", (0.0, 1.4)),
        Node("WH", r"$\mathbf{W}^{H}$", "parameter", (0.0, 0.0)),
        Node("bH", r"$\mathbf{b}^{H}$", "parameter", (0.0, -1.4)),
        Node("zH", r"$\mathbf{z}^{H}$", "operation", (2.0, 0.0)),
        Node("uH", r"$\mathbf{u}^{H}$", "operation", (4.0, 0.0)),
        Node("WO", r"$\mathbf{W}^{O}$", "parameter", (4.6, 1.5)),
        Node("bO", r"$\mathbf{b}^{O}$", "parameter", (4.6, -1.5)),
        Node("zO", r"$\mathbf{z}^{O}$", "operation", (6.0, 0.0)),
        Node("y", r"$y_i$", "data", (7.2, 1.5)),
        Node("L", r"$L$", "operation", (8.0, 0.0)),
    ]
    edges = [
        ("x", "zH"), ("WH", "zH"), ("bH", "zH"), ("zH", "uH"),
        ("uH", "zO"), ("WO", "zO"), ("bO", "zO"), ("zO", "L"), ("y", "L"),
    ]
    return nodes, edges


def exp_model_graph() -> tuple[list[Node], list[Edge]]:
    """The model of seed 001, §3, problem 2 as a graph.

    z_i = W x_i + b, u_i = exp(z_i), ŷ_i = αᵀ u_i, L = Σ_i (y_i − ŷ_i)².
    Node names: x, W, b, z, u, alpha, y_hat, y, L.
    """
    nodes = [
        Node("x", r"$\mathbf{x}_i$", "data", (0.0, 1.4)),
        Node("W", r"$\mathbf{W}$", "parameter", (0.0, 0.0)),
        Node("b", r"$\mathbf{b}$", "parameter", (0.0, -1.4)),
        Node("z", r"$\mathbf{z}_i$", "operation", (2.0, 0.0)),
        Node("u", r"$\mathbf{u}_i$", "operation", (4.0, 0.0)),
        Node("alpha", r"$\mathbf{\alpha}$", "parameter", (4.6, 1.5)),
        Node("y_hat", r"$\hat{y}_i$", "operation", (6.0, 0.0)),
        Node("y", r"$y_i$", "data", (7.2, 1.5)),
        Node("L", r"$L$", "operation", (8.0, 0.0)),
    ]
    edges = [
        ("x", "z"), ("W", "z"), ("b", "z"), ("z", "u"),
        ("u", "y_hat"), ("alpha", "y_hat"), ("y_hat", "L"), ("y", "L"),
    ]
    return nodes, edges


def anchor_network_graph() -> tuple[list[Node], list[Edge]]:
    """The anchor network of seed 003, §3 as a graph (biases packed into W1, W2 as their column 0).

    a = W1 [1; x], z = ReLU(a), b = W2 [1; z], ŷ = σ(b), J = (y − ŷ)².
    Node names: x, W1, a, z, W2, b, y_hat, y, J.
    """
    nodes = [
        Node("x", r"$\mathbf{x}$", "data", (0.0, 1.5)),
        Node("W1", r"$W_1$", "parameter", (0.0, -1.5)),
        Node("a", r"$\mathbf{a}$", "operation", (2.4, 0.0)),
        Node("z", r"$\mathbf{z}$", "operation", (4.8, 0.0)),
        Node("W2", r"$W_2$", "parameter", (5.0, -1.8)),
        Node("b", r"$b$", "operation", (7.2, 0.0)),
        Node("y_hat", r"$\hat{y}$", "operation", (9.3, 0.0)),
        Node("y", r"$y$", "data", (10.4, -1.6)),
        Node("J", r"$J$", "operation", (11.4, 0.0)),
    ]
    edges = [
        ("x", "a"), ("W1", "a"), ("a", "z"), ("z", "b"), ("W2", "b"),
        ("b", "y_hat"), ("y_hat", "J"), ("y", "J"),
    ]
    return nodes, edges


def two_sigmoid_layers_graph() -> tuple[list[Node], list[Edge]]:
    """Seed 002's network unit by unit: h = σ(P x), z = σ(S h), ŷ = wᵀz, f = (ŷ − y)².

    The rows of P are the seed's p, q, r; the rows of S are s, u, v. Each row is
    one parameter node feeding one unit, so the graph shows that p reaches the
    loss through h1 and then through every one of z1, z2, z3.
    Node names: x, p, q, r, h1, h2, h3, s, u, v, z1, z2, z3, w, y_hat, y, f.
    """
    nodes = [Node("x", r"$\mathbf{x}$", "data", (0.0, 0.0))]
    for k, (row, y) in enumerate(zip("pqr", (2.4, 0.0, -2.4)), start=1):
        nodes.append(Node(row, rf"$\mathbf{{{row}}}$", "parameter", (2.6, y + 1.1)))
        nodes.append(Node(f"h{k}", rf"$h_{k}$", "operation", (2.6, y)))
    for k, (row, y) in enumerate(zip("suv", (2.4, 0.0, -2.4)), start=1):
        nodes.append(Node(row, rf"$\mathbf{{{row}}}$", "parameter", (5.6, y + 1.1)))
        nodes.append(Node(f"z{k}", rf"$z_{k}$", "operation", (5.6, y)))
    nodes += [
        Node("w", r"$\mathbf{w}$", "parameter", (7.4, 1.4)),
        Node("y_hat", r"$\hat{y}$", "operation", (8.4, 0.0)),
        Node("y", r"$y$", "data", (9.6, 1.4)),
        Node("f", r"$f$", "operation", (10.4, 0.0)),
    ]
    edges = []
    for k, row in enumerate("pqr", start=1):
        edges += [("x", f"h{k}"), (row, f"h{k}")]
    for k, row in enumerate("suv", start=1):
        edges += [(f"h{m}", f"z{k}") for m in (1, 2, 3)] + [(row, f"z{k}")]
    edges += [(f"z{k}", "y_hat") for k in (1, 2, 3)]
    edges += [("w", "y_hat"), ("y_hat", "f"), ("y", "f")]
    return nodes, edges


# --------------------------------------------------------------------------- the anchor example's numbers

# Seed 003, §3: one sample, biases in column 0 of each weight matrix.
ANCHOR_X = np.array([2.0, 5.0])
ANCHOR_Y = 1.0
ANCHOR_W1 = np.array([[2.0, 3.0, -1.0], [-1.0, -3.0, 1.0]])
ANCHOR_W2 = np.array([1.0, -2.0, 2.0])


def anchor_forward_backward(
    x: ArrayLike = ANCHOR_X,
    y: float = ANCHOR_Y,
    W1: ArrayLike = ANCHOR_W1,
    W2: ArrayLike = ANCHOR_W2,
    loss: str = "squared",
) -> tuple[dict[str, Array | float], dict[str, Array | float]]:
    """Forward values and backward gradients of the anchor network, keyed by ``anchor_network_graph`` names.

    a = W1 [1; x], z = ReLU(a), b = W2 [1; z], ŷ = σ(b), and the loss
    J = (y − ŷ)² ("squared", seed 003) or J = ln(1 + e^b) − y b ("cross_entropy", seed 001 eq. 17).

    Args:
        x: input, shape (n_in,).
        y: target, a number (0 or 1 for cross-entropy).
        W1: shape (n_hidden, n_in + 1), bias in column 0.
        W2: shape (n_hidden + 1,), bias in entry 0.
        loss: "squared" or "cross_entropy".

    Returns:
        (values, grads). values has x, W1, a, z, W2, b, y_hat, y, J; grads has
        J (= 1), y_hat, b, z, a (shapes of their values), W2 (n_hidden + 1,) and
        W1 (n_hidden, n_in + 1). For cross-entropy, y_hat gets no gradient (J is
        computed from b directly).
    """
    x, W1, W2 = (np.asarray(v, dtype=np.float64) for v in (x, W1, W2))
    x_1 = np.concatenate([[1.0], x])
    a = W1 @ x_1
    z = relu(a)
    z_1 = np.concatenate([[1.0], z])
    b = float(W2 @ z_1)
    y_hat = float(sigmoid(b))
    grads: dict[str, Array | float] = {"J": 1.0}
    if loss == "squared":
        J = (y - y_hat) ** 2
        grads["y_hat"] = -2.0 * (y - y_hat)
        grads["b"] = grads["y_hat"] * y_hat * (1.0 - y_hat)
    elif loss == "cross_entropy":
        J = float(np.logaddexp(0.0, b) - y * b)
        grads["b"] = y_hat - y
    else:
        raise ValueError(f"unknown loss {loss!r}; use 'squared' or 'cross_entropy'.")
    grads["W2"] = grads["b"] * z_1
    grads["z"] = grads["b"] * W2[1:]
    grads["a"] = grads["z"] * relu_derivative(a)
    grads["W1"] = np.outer(grads["a"], x_1)
    values = {"x": x, "W1": W1, "a": a, "z": z, "W2": W2, "b": b, "y_hat": y_hat, "y": float(y), "J": float(J)}
    return values, grads
