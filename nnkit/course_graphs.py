"""The course's example computation graphs, and the running example's values and gradients.

- ``one_hidden_layer_graph``: the loss of the network with one hidden layer;
- ``exp_model_graph``: the model with an exponential hidden layer, from the lecture notes' problems on training;
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
    """The loss of the network with one hidden layer (the lecture notes of the bibliography, on training) as a graph.

    z^H_i = W^H x_i + b^H, u^H_i = g_act(z^H_i), z^O_i = W^O u^H_i + b^O, and the loss J of z^O_i and y_i.
    Node names: x, y, W_H, b_H, z_H, u_H, W_O, b_O, z_O, J.
    """
    nodes = [
        Node("x", r"$\mathbf{x}_i$", "data", (0.0, 1.4)),
        Node("W_H", r"$W^{\rm H}$", "parameter", (0.0, 0.0)),
        Node("b_H", r"$\mathbf{b}^{\rm H}$", "parameter", (0.0, -1.4)),
        Node("z_H", r"$\mathbf{z}^{\rm H}_i$", "operation", (2.0, 0.0)),
        Node("u_H", r"$\mathbf{u}^{\rm H}_i$", "operation", (4.0, 0.0)),
        Node("W_O", r"$W^{\rm O}$", "parameter", (4.6, 1.5)),
        Node("b_O", r"$\mathbf{b}^{\rm O}$", "parameter", (4.6, -1.5)),
        Node("z_O", r"$\mathbf{z}^{\rm O}_i$", "operation", (6.0, 0.0)),
        Node("y", r"$y_i$", "data", (7.2, 1.5)),
        Node("J", r"$J$", "operation", (8.0, 0.0)),
    ]
    edges = [
        ("x", "z_H"), ("W_H", "z_H"), ("b_H", "z_H"), ("z_H", "u_H"),
        ("u_H", "z_O"), ("W_O", "z_O"), ("b_O", "z_O"), ("z_O", "J"), ("y", "J"),
    ]
    return nodes, edges


def exp_model_graph() -> tuple[list[Node], list[Edge]]:
    """The model with an exponential hidden layer (the lecture notes of the bibliography, on training) as a graph.

    z^H_i = W^H x_i + b^H, u^H_i = exp(z^H_i), ŷ_i = W^O u^H_i (one output, no bias, no output map)
    and J = (1/N) Σ_i (y_i − ŷ_i)². The notes write W, b, z_i, u_i and α for W^H, b^H, z^H_i, u^H_i
    and the row W^O, and L for the loss (a sum).
    Node names: x, W_H, b_H, z_H, u_H, W_O, y_hat, y, J.
    """
    nodes = [
        Node("x", r"$\mathbf{x}_i$", "data", (0.0, 1.4)),
        Node("W_H", r"$W^{\rm H}$", "parameter", (0.0, 0.0)),
        Node("b_H", r"$\mathbf{b}^{\rm H}$", "parameter", (0.0, -1.4)),
        Node("z_H", r"$\mathbf{z}^{\rm H}_i$", "operation", (2.0, 0.0)),
        Node("u_H", r"$\mathbf{u}^{\rm H}_i$", "operation", (4.0, 0.0)),
        Node("W_O", r"$W^{\rm O}$", "parameter", (4.6, 1.5)),
        Node("y_hat", r"$\hat{y}_i$", "operation", (6.0, 0.0)),
        Node("y", r"$y_i$", "data", (7.2, 1.5)),
        Node("J", r"$J$", "operation", (8.0, 0.0)),
    ]
    edges = [
        ("x", "z_H"), ("W_H", "z_H"), ("b_H", "z_H"), ("z_H", "u_H"),
        ("u_H", "y_hat"), ("W_O", "y_hat"), ("y_hat", "J"), ("y", "J"),
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
    """The network with two sigmoid hidden layers (the derivation of the bibliography), unit by unit.

    L = 3 layers, no biases: u^(1) = σ(W^(1) x), u^(2) = σ(W^(2) u^(1)), ŷ = W^(3) u^(2) and
    J = (ŷ − y)², for x of 2 entries: W^(1) (3, 2) and W^(2) (3, 3), drawn row by row, and W^(3) (1, 3).
    Row m of W^(1) is one parameter node feeding unit u^(1)_m only, so the graph shows that
    W^(1)_{1,:} reaches the loss through u^(1)_1 and then through every one of u^(2)_1, u^(2)_2, u^(2)_3.
    Node names: x, W1_row1..W1_row3, u1_1..u1_3, W2_row1..W2_row3, u2_1..u2_3, W3, y_hat, y, J
    (W1_row1 is W^(1)_{1,:}, u2_3 is u^(2)_3).
    """
    heights = (2.4, 0.0, -2.4)
    nodes = [Node("x", r"$\mathbf{x}$", "data", (0.0, 0.0))]
    for layer, across in ((1, 2.6), (2, 5.6)):
        for m, height in enumerate(heights, start=1):
            nodes.append(Node(f"W{layer}_row{m}", rf"$W^{{({layer})}}_{{{m},:}}$", "parameter", (across, height + 1.1)))
            nodes.append(Node(f"u{layer}_{m}", rf"$u^{{({layer})}}_{m}$", "operation", (across, height)))
    nodes += [
        Node("W3", r"$W^{(3)}$", "parameter", (7.4, 1.4)),
        Node("y_hat", r"$\hat{y}$", "operation", (8.4, 0.0)),
        Node("y", r"$y$", "data", (9.6, 1.4)),
        Node("J", r"$J$", "operation", (10.4, 0.0)),
    ]
    edges = []
    for m in (1, 2, 3):
        edges += [("x", f"u1_{m}"), (f"W1_row{m}", f"u1_{m}")]
    for k in (1, 2, 3):
        edges += [(f"u1_{m}", f"u2_{k}") for m in (1, 2, 3)] + [(f"W2_row{k}", f"u2_{k}")]
    edges += [(f"u2_{k}", "y_hat") for k in (1, 2, 3)]
    edges += [("W3", "y_hat"), ("y_hat", "J"), ("y", "J")]
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
