"""The course's example computation graphs, and the running example's values and gradients.

- ``one_hidden_layer_graph``: the loss of the network with one hidden layer;
- ``exp_model_graph``: the exponential model of the lecture notes' problem on training;
- ``anchor_network_graph``: the course's running example (a small ReLU network), with
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
    """The course's running example as a graph, with the biases folded in as column 0 of each matrix.

    z^H = W̃^H [1; x], u^H = ReLU(z^H), z^O = W̃^O [1; u^H] (the logit), ŷ = σ(z^O), J = (y − ŷ)².
    Node names: x, W_H_folded, z_H, u_H, W_O_folded, z_O, y_hat, y, J.
    """
    nodes = [
        Node("x", r"$\mathbf{x}$", "data", (0.0, 1.5)),
        Node("W_H_folded", r"$\tilde W^{\rm H}$", "parameter", (0.0, -1.5)),
        Node("z_H", r"$\mathbf{z}^{\rm H}$", "operation", (2.4, 0.0)),
        Node("u_H", r"$\mathbf{u}^{\rm H}$", "operation", (4.8, 0.0)),
        Node("W_O_folded", r"$\tilde W^{\rm O}$", "parameter", (5.0, -1.8)),
        Node("z_O", r"$z^{\rm O}$", "operation", (7.2, 0.0)),
        Node("y_hat", r"$\hat{y}$", "operation", (9.3, 0.0)),
        Node("y", r"$y$", "data", (10.4, -1.6)),
        Node("J", r"$J$", "operation", (11.4, 0.0)),
    ]
    edges = [
        ("x", "z_H"), ("W_H_folded", "z_H"), ("z_H", "u_H"), ("u_H", "z_O"), ("W_O_folded", "z_O"),
        ("z_O", "y_hat"), ("y_hat", "J"), ("y", "J"),
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


# The running example: one sample, the biases in column 0 of each folded weight matrix.
ANCHOR_X = np.array([2.0, 5.0])
ANCHOR_Y = 1.0
ANCHOR_W_H_FOLDED = np.array([[2.0, 3.0, -1.0], [-1.0, -3.0, 1.0]])   # [b^H  W^H]
ANCHOR_W_O_FOLDED = np.array([1.0, -2.0, 2.0])                        # [b^O  W^O]


def anchor_forward_backward(
    x: ArrayLike = ANCHOR_X,
    y: float = ANCHOR_Y,
    W_H_folded: ArrayLike = ANCHOR_W_H_FOLDED,
    W_O_folded: ArrayLike = ANCHOR_W_O_FOLDED,
    loss: str = "squared",
) -> tuple[dict[str, Array | float], dict[str, Array | float]]:
    """Forward values and backward gradients of the running example, keyed by ``anchor_network_graph`` names.

    z^H = W̃^H [1; x], u^H = ReLU(z^H), z^O = W̃^O [1; u^H], ŷ = σ(z^O), and the loss J = (y − ŷ)²
    ("squared") or J = ln(1 + e^(z^O)) − y z^O ("cross_entropy", from the logit).
    One backward sweep of ``nnkit.autodiff`` gives every gradient.

    Args:
        x: input, shape (N_i,).
        y: target, a number (0 or 1 for cross-entropy).
        W_H_folded: [b^H  W^H], shape (N_h, N_i + 1), bias in column 0.
        W_O_folded: [b^O  W^O], shape (N_h + 1,), bias in entry 0.
        loss: "squared" or "cross_entropy".

    Returns:
        (values, grads). values has x, W_H_folded, z_H, u_H, W_O_folded, z_O, y_hat, y, J;
        grads has J (= 1), y_hat, z_O, u_H, z_H (shapes of their values), W_O_folded
        (N_h + 1,) and W_H_folded (N_h, N_i + 1). For cross-entropy, y_hat gets no
        gradient (J is computed from the logit z^O directly).
    """
    if loss not in ("squared", "cross_entropy"):
        raise ValueError(f"unknown loss {loss!r}; use 'squared' or 'cross_entropy'.")
    x, W_H_array, W_O_array = (np.asarray(v, dtype=np.float64) for v in (x, W_H_folded, W_O_folded))
    x_1 = ad.Tensor(np.concatenate([[1.0], x])[None, :])          # (1, N_i + 1), data
    W_H = ad.Tensor(W_H_array, name="W_H_folded")
    b_O, W_O = ad.Tensor(W_O_array[0]), ad.Tensor(W_O_array[None, 1:])  # the folded W̃^O in two parts
    z_H = ad.matmul(x_1, ad.transpose(W_H))                         # (1, N_h)
    u_H = ad.relu(z_H)
    z_O = ad.matmul(u_H, ad.transpose(W_O)) + b_O                   # (1, 1), the logit
    y_hat = ad.sigmoid(z_O)
    J = ad.squared_error(y_hat, [[y]]) if loss == "squared" else ad.binary_cross_entropy(z_O, [y])
    J.backward()
    grads: dict[str, Array | float] = {"J": 1.0}
    if loss == "squared":
        grads["y_hat"] = float(y_hat.grad[0, 0])
    grads.update({"z_O": float(z_O.grad[0, 0]), "u_H": u_H.grad[0], "z_H": z_H.grad[0],
                  "W_O_folded": np.concatenate([[float(b_O.grad)], W_O.grad[0]]), "W_H_folded": W_H.grad})
    values = {"x": x, "W_H_folded": W_H_array, "z_H": z_H.value[0], "u_H": u_H.value[0],
              "W_O_folded": W_O_array, "z_O": float(z_O.value[0, 0]),
              "y_hat": float(y_hat.value[0, 0]), "y": float(y), "J": float(J.value)}
    return values, grads
