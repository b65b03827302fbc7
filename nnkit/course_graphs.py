"""The course's example computation graphs, and the running example's values and gradients.

- ``one_hidden_layer_graph``: the loss of the network with one hidden layer;
- ``exp_model_graph``: the exponential model of the lecture notes' problem on training;
- ``anchor_network_graph``: the course's running example (the worksheet's small ReLU network), with
  ``anchor_forward_backward`` computing every value and gradient on it with ``nnkit.autodiff``;
- ``two_sigmoid_layers_graph``: the network with two sigmoid hidden layers, drawn unit by unit so
  that every path from a parameter to the loss can be seen.

Each graph is a pair (nodes, edges) of ``nnkit.compgraph``; draw it with
``nnkit.graph_drawing.draw_computation_graph``.
"""

import numpy as np
from numpy.typing import ArrayLike, NDArray

from nnkit import autodiff as ad
from nnkit.compgraph import Edge, Node

Array = NDArray[np.float64]

def one_hidden_layer_graph() -> tuple[list[Node], list[Edge]]:
    """The loss of the network with one hidden layer (the lecture notes, section on training, Figure 1) as a graph.

    z^H = W^H x + b^H, u^H = g_act(z^H), z^O = W^O u^H + b^O, and the loss L of z^O and y.
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
    """The exponential model of the lecture notes (section on training, problem 2) as a graph.

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
    """The course's running example (the worksheet of the bibliography) as a graph, biases folded in as column 0.

    In the worksheet's letters, which the node names keep: a = W1 [1; x] (the course's z^H), z = ReLU(a)
    (u^H), b = W2 [1; z] (the logit z^O), ŷ = σ(b), J = (y − ŷ)²; W1 and W2 are the folded W̃^H and W̃^O.
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
    """The network with two sigmoid hidden layers (the derivation of the bibliography) unit by unit.

    In the derivation's letters, which the node names keep: h = σ(P x) (the course's u^(1)), z = σ(S h)
    (u^(2)), ŷ = wᵀz, f = (ŷ − y)² (J).

    The rows of P (W^(1)) are p, q, r; the rows of S (W^(2)) are s, u, v. Each row is
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


# The running example (the worksheet): one sample, biases in column 0 of each weight matrix.
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
    """Forward values and backward gradients of the running example, keyed by ``anchor_network_graph`` names.

    a = W1 [1; x], z = ReLU(a), b = W2 [1; z], ŷ = σ(b), and the loss J = (y − ŷ)²
    ("squared", the worksheet's) or J = ln(1 + e^b) − y b ("cross_entropy", from the logit b).
    One backward sweep of ``nnkit.autodiff`` gives every gradient.

    Args:
        x: input, shape (N_i,).
        y: target, a number (0 or 1 for cross-entropy).
        W1: shape (N_h, N_i + 1), bias in column 0.
        W2: shape (N_h + 1,), bias in entry 0.
        loss: "squared" or "cross_entropy".

    Returns:
        (values, grads). values has x, W1, a, z, W2, b, y_hat, y, J; grads has
        J (= 1), y_hat, b, z, a (shapes of their values), W2 (N_h + 1,) and
        W1 (N_h, N_i + 1). For cross-entropy, y_hat gets no gradient (J is
        computed from b directly).
    """
    if loss not in ("squared", "cross_entropy"):
        raise ValueError(f"unknown loss {loss!r}; use 'squared' or 'cross_entropy'.")
    x, W1_array, W2_array = (np.asarray(v, dtype=np.float64) for v in (x, W1, W2))
    x_1 = ad.Tensor(np.concatenate([[1.0], x])[None, :])          # (1, N_i + 1), data
    W1_t = ad.Tensor(W1_array, name="W1")
    W2_bias, W2_weights = ad.Tensor(W2_array[0]), ad.Tensor(W2_array[None, 1:])  # the folded W2 in two parts
    a = ad.matmul(x_1, ad.transpose(W1_t))                          # (1, N_h)
    z = ad.relu(a)
    b = ad.matmul(z, ad.transpose(W2_weights)) + W2_bias            # (1, 1), the logit
    y_hat = ad.sigmoid(b)
    J = ad.squared_error(y_hat, [[y]]) if loss == "squared" else ad.binary_cross_entropy(b, [y])
    J.backward()
    grads: dict[str, Array | float] = {"J": 1.0}
    if loss == "squared":
        grads["y_hat"] = float(y_hat.grad[0, 0])
    grads.update({"b": float(b.grad[0, 0]), "z": z.grad[0], "a": a.grad[0],
                  "W2": np.concatenate([[float(W2_bias.grad)], W2_weights.grad[0]]), "W1": W1_t.grad})
    values = {"x": x, "W1": W1_array, "a": a.value[0], "z": z.value[0], "W2": W2_array, "b": float(b.value[0, 0]),
              "y_hat": float(y_hat.value[0, 0]), "y": float(y), "J": float(J.value)}
    return values, grads
