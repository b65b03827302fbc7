"""A network of L dense layers, differentiated by ``nnkit.autodiff``.

Rows are samples. With U^(0) = X (N, N_0), for l = 1..L:

    Z^(l) = U^(l−1) (W^(l))ᵀ + b^(l)      W^(l) (N_l, N_(l−1)), b^(l) (N_l,), Z^(l) (N, N_l)
    U^(l) = g(Z^(l))                      for l < L; Z^(L) are the logits

and the mean loss J is computed from Z^(L) as in ``nnkit.losses``. The parameters are
a list of L pairs (W^(l), b^(l)) of numpy arrays.
"""

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from nnkit import autodiff as ad

Array = NDArray[np.float64]
Params = list[tuple[Array, Array]]

# How the standard deviation of W^(l)'s entries depends on n = N_(l−1), the layer's number of inputs.
INITS = {
    "scaled": lambda n: 1.0 / np.sqrt(n),  # nnkit's choice: z's entries start with variance about 1
    "he": lambda n: np.sqrt(2.0 / n),      # the same for ReLU, which zeroes half of its inputs
    "unit": lambda n: 1.0,                 # not scaled: variance n per layer, it grows with the width
    "small": lambda n: 0.01,               # too small: the signal shrinks at every layer
}


def init_params(sizes: Sequence[int], init: str = "scaled", seed: int | None = None) -> Params:
    """Random weights W^(l) ~ N(0, s(N_(l−1))²) (see ``INITS``) and zero biases.

    Args:
        sizes: [N_0, N_1, ..., N_L], the input size, the hidden sizes and the output size.
        init: a key of INITS.
        seed: the same seed gives the same parameters.

    Returns:
        [(W^(1), b^(1)), ..., (W^(L), b^(L))] with W^(l) (N_l, N_(l−1)) and b^(l) (N_l,).
    """
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose one of {', '.join(INITS)}.")
    if len(sizes) < 2 or any(not isinstance(n, (int, np.integer)) or n < 1 for n in sizes):
        raise ValueError(f"sizes must be at least two positive whole numbers [N_0, ..., N_L]; got {list(sizes)}.")
    rng = np.random.default_rng(seed)
    return [(rng.normal(0.0, INITS[init](n_in), size=(n_out, n_in)), np.zeros(n_out))
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def build_graph(X: ArrayLike, y: ArrayLike, params: Params, activation: str = "relu",
                output: str = "softmax") -> tuple[ad.Tensor, list[ad.Tensor], list[tuple[ad.Tensor, ad.Tensor]]]:
    """The forward pass as an autodiff graph.

    Args:
        X: inputs (N, N_0). y: targets, as ``nnkit.losses`` wants them for ``output``.
        params: [(W^(l), b^(l))]; activation: g, a key of ``autodiff.ACTIVATIONS``;
        output: "identity", "sigmoid" or "softmax" (squared error, binary or categorical cross-entropy).

    Returns:
        (loss, [Z^(1), ..., Z^(L)], [(W^(l), b^(l))] as Tensors): call ``loss.backward()`` for their grads.
    """
    if activation not in ad.ACTIVATIONS or output not in ad.LOSSES:
        raise ValueError(f"activation must be one of {', '.join(ad.ACTIVATIONS)} and output one of "
                         f"{', '.join(ad.LOSSES)}; got {activation!r} and {output!r}.")
    g = ad.ACTIVATIONS[activation]
    u = ad.Tensor(X, name="X")
    tensors = [(ad.Tensor(W, name=f"W{l}"), ad.Tensor(b, name=f"b{l}")) for l, (W, b) in enumerate(params, start=1)]
    pre_activations = []
    for l, (W, b) in enumerate(tensors, start=1):
        z = ad.matmul(u, ad.transpose(W)) + b
        pre_activations.append(z)
        u = g(z) if l < len(tensors) else z
    return ad.LOSSES[output](u, y), pre_activations, tensors


def loss_and_grads(X: ArrayLike, y: ArrayLike, params: Params, activation: str = "relu",
                   output: str = "softmax") -> tuple[float, Params]:
    """The mean loss and [(∂J/∂W^(l), ∂J/∂b^(l))], shapes as params (one backward sweep)."""
    loss, _, tensors = build_graph(X, y, params, activation, output)
    loss.backward()
    return float(loss.value), [(W.grad, b.grad) for W, b in tensors]


def deltas(X: ArrayLike, y: ArrayLike, params: Params, activation: str = "relu",
           output: str = "softmax") -> list[Array]:
    """[Δ^(1), ..., Δ^(L)], Δ^(l) = ∂J/∂Z^(l) of shape (N, N_l): row i is sample i's δ^(l)."""
    loss, pre_activations, _ = build_graph(X, y, params, activation, output)
    loss.backward()
    return [z.grad for z in pre_activations]


def weight_gradient_norms(X: ArrayLike, y: ArrayLike, params: Params, activation: str = "relu",
                          output: str = "softmax") -> Array:
    """‖∂J/∂W^(l)‖ (Frobenius norm) for l = 1..L, shape (L,): how much each layer's weights are told to move."""
    _, grads = loss_and_grads(X, y, params, activation, output)
    return np.array([np.linalg.norm(dW) for dW, _ in grads])


def train(X: ArrayLike, y: ArrayLike, params: Params, learning_rate: float, steps: int, activation: str = "relu",
          output: str = "softmax", momentum: float = 0.0) -> tuple[Params, list[float]]:
    """Full-batch gradient descent, with momentum if ``momentum`` > 0.

    Each step: v ← μ v − η ∂J/∂θ, then θ ← θ + v (μ = 0 is plain gradient descent).

    Returns:
        (the trained parameters, new arrays; the loss before each step), params left unchanged.
    """
    if learning_rate <= 0 or not 0.0 <= momentum < 1.0:
        raise ValueError(f"need learning_rate > 0 and 0 <= momentum < 1; got {learning_rate} and {momentum}.")
    theta = [(np.array(W, dtype=np.float64), np.array(b, dtype=np.float64)) for W, b in params]
    velocity = [(np.zeros_like(W), np.zeros_like(b)) for W, b in theta]
    history = []
    for _ in range(steps):
        loss, grads = loss_and_grads(X, y, theta, activation, output)
        history.append(loss)
        velocity = [(momentum * vW - learning_rate * dW, momentum * vb - learning_rate * db)
                    for (vW, vb), (dW, db) in zip(velocity, grads)]
        theta = [(W + vW, b + vb) for (W, b), (vW, vb) in zip(theta, velocity)]
    return theta, history
