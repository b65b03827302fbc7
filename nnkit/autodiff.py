"""Reverse-mode automatic differentiation on numpy arrays, one operation at a time.

A ``Tensor`` holds an array (``value``), the gradient of a scalar loss with
respect to it (``grad``, same shape) and how it was made: the tensors it was
computed from (``parents``) and a ``backward`` rule. Every operation below
builds its result in its first lines and writes its backward rule right
under it: given ``out.grad`` = ∂J/∂out, add ∂J/∂parent to each parent's grad.

``J.backward()`` then visits the graph in reverse topological order (each
tensor after every tensor that uses it) and runs each rule once, so a tensor
used twice receives the sum of what its users send back.

Broadcasting: numpy lets ``Z + b`` add a bias of shape (n,) to every row of
Z (N, n). The bias is then used N times, so its gradient is the sum of the
N rows of ∂J/∂(Z + b): ``unbroadcast`` sums a gradient back to its operand's
shape.

    from nnkit import autodiff as ad
    X = ad.Tensor(np.ones((4, 3)))          # data: N = 4 rows of n = 3 inputs
    W = ad.Tensor(np.zeros((2, 3)))         # weights (n_out, n_in)
    b = ad.Tensor(np.zeros(2))
    Z = ad.matmul(X, ad.transpose(W)) + b   # Z = X Wᵀ + b, shape (4, 2)
    loss = ad.categorical_cross_entropy(Z, np.array([0, 1, 1, 0]))
    loss.backward()                          # W.grad, b.grad: shapes (2, 3), (2,)
"""

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from nnkit import activations, losses

Array = NDArray[np.float64]


class Tensor:
    """A node of the graph: a float64 array, its gradient and the rule that sends the gradient back.

    Args:
        value: the array (any shape, a number gives shape ()).
        parents: the tensors this one was computed from (empty for inputs and parameters).
        op: the name of the operation that made it, e.g. "matmul" (for drawing and messages).
        name: an optional label, e.g. "W1".

    Attributes:
        grad: ∂J/∂value after ``J.backward()``, same shape as value (zeros before).
    """

    def __init__(self, value: ArrayLike, parents: Sequence["Tensor"] = (), op: str = "", name: str = "") -> None:
        self.value: Array = np.array(value, dtype=np.float64)
        self.grad: Array = np.zeros_like(self.value)
        self.parents = tuple(parents)
        self.op, self.name = op, name
        self.backward_rule: Callable[[], None] = lambda: None

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    def __repr__(self) -> str:
        label = self.name or self.op or "input"
        return f"Tensor({label}, shape={self.shape})"

    def __add__(self, other: "Tensor | ArrayLike") -> "Tensor":
        return add(self, other)

    def __radd__(self, other: ArrayLike) -> "Tensor":
        return add(other, self)

    def __sub__(self, other: "Tensor | ArrayLike") -> "Tensor":
        return add(self, multiply(other, -1.0))

    def __mul__(self, other: "Tensor | ArrayLike") -> "Tensor":
        return multiply(self, other)

    def __rmul__(self, other: ArrayLike) -> "Tensor":
        return multiply(other, self)

    def __matmul__(self, other: "Tensor | ArrayLike") -> "Tensor":
        return matmul(self, other)

    def backward(self) -> None:
        """Fill ``grad`` of every tensor this one depends on with ∂self/∂tensor.

        self must be a scalar (shape () or one entry), the loss. Gradients of an
        earlier call are cleared first, so calling it twice gives the same result.
        """
        if self.value.size != 1:
            raise ValueError(f"backward() starts from a scalar loss; this tensor has shape {self.shape}.")
        order = topological_order(self)
        for tensor in order:
            tensor.grad = np.zeros_like(tensor.value)
        self.grad = np.ones_like(self.value)
        for tensor in reversed(order):
            tensor.backward_rule()


def as_tensor(x: "Tensor | ArrayLike") -> Tensor:
    """x itself if it is a Tensor, else a constant Tensor holding it."""
    return x if isinstance(x, Tensor) else Tensor(x)


def topological_order(root: Tensor) -> list[Tensor]:
    """Every tensor ``root`` depends on, each after all of its parents; root last.

    Depth-first, without recursion (a deep network makes a long chain). Reversed,
    it is the order of the backward sweep: a tensor's gradient is complete once
    every tensor that uses it has sent its part back.
    """
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        tensor, parents_done = stack.pop()
        if parents_done:
            order.append(tensor)
            continue
        if id(tensor) in seen:
            continue
        seen.add(id(tensor))
        stack.append((tensor, True))
        stack.extend((parent, False) for parent in reversed(tensor.parents) if id(parent) not in seen)
    return order


def unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``grad`` over the axes numpy broadcast, so that it gets the operand's ``shape`` back.

    Args:
        grad: ∂J/∂(result), the broadcast shape, e.g. (N, n).
        shape: the operand's own shape, e.g. (n,) or (1, n) or ().

    Returns:
        ∂J/∂operand, of the given shape: an entry used k times gets the sum of its k gradients.
    """
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra))) if extra > 0 else grad
    stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


# --------------------------------------------------------------------------- operations


def add(a: Tensor | ArrayLike, b: Tensor | ArrayLike) -> Tensor:
    """a + b with numpy broadcasting. Backward: both operands get ∂J/∂out (summed to their shape)."""
    a, b = as_tensor(a), as_tensor(b)
    out = Tensor(a.value + b.value, (a, b), "add")

    def backward_rule() -> None:
        a.grad += unbroadcast(out.grad, a.shape)
        b.grad += unbroadcast(out.grad, b.shape)

    out.backward_rule = backward_rule
    return out


def multiply(a: Tensor | ArrayLike, b: Tensor | ArrayLike) -> Tensor:
    """a ⊙ b, entry by entry, with broadcasting. Backward: each operand gets ∂J/∂out times the OTHER one."""
    a, b = as_tensor(a), as_tensor(b)
    out = Tensor(a.value * b.value, (a, b), "multiply")

    def backward_rule() -> None:
        a.grad += unbroadcast(out.grad * b.value, a.shape)
        b.grad += unbroadcast(out.grad * a.value, b.shape)

    out.backward_rule = backward_rule
    return out


def maximum(a: Tensor | ArrayLike, b: Tensor | ArrayLike) -> Tensor:
    """max(a, b), entry by entry. Backward: ∂J/∂out goes to the larger operand (to a where they tie)."""
    a, b = as_tensor(a), as_tensor(b)
    out = Tensor(np.maximum(a.value, b.value), (a, b), "maximum")

    def backward_rule() -> None:
        a_wins = a.value >= b.value
        a.grad += unbroadcast(np.where(a_wins, out.grad, 0.0), a.shape)
        b.grad += unbroadcast(np.where(a_wins, 0.0, out.grad), b.shape)

    out.backward_rule = backward_rule
    return out


def matmul(a: Tensor | ArrayLike, b: Tensor | ArrayLike) -> Tensor:
    """The matrix product A B of A (m, k) and B (k, n), shape (m, n).

    Backward: ∂J/∂A = ∂J/∂out Bᵀ (m, k) and ∂J/∂B = Aᵀ ∂J/∂out (k, n).
    """
    a, b = as_tensor(a), as_tensor(b)
    if a.value.ndim != 2 or b.value.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"matmul needs matrices (m, k) and (k, n); got shapes {a.shape} and {b.shape}.")
    out = Tensor(a.value @ b.value, (a, b), "matmul")

    def backward_rule() -> None:
        a.grad += out.grad @ b.value.T
        b.grad += a.value.T @ out.grad

    out.backward_rule = backward_rule
    return out


def transpose(a: Tensor | ArrayLike) -> Tensor:
    """Aᵀ of a matrix A (m, n), shape (n, m). Backward: ∂J/∂A = (∂J/∂out)ᵀ."""
    a = as_tensor(a)
    if a.value.ndim != 2:
        raise ValueError(f"transpose needs a matrix; got shape {a.shape}.")
    out = Tensor(a.value.T, (a,), "transpose")

    def backward_rule() -> None:
        a.grad += out.grad.T

    out.backward_rule = backward_rule
    return out


def reduce_sum(a: Tensor | ArrayLike, axis: int | None = None) -> Tensor:
    """The sum of the entries of a (all of them, or along one axis). Backward: every entry gets ∂J/∂out."""
    a = as_tensor(a)
    out = Tensor(a.value.sum(axis=axis), (a,), "sum")

    def backward_rule() -> None:
        grad = out.grad if axis is None else np.expand_dims(out.grad, axis)
        a.grad += np.broadcast_to(grad, a.shape)

    out.backward_rule = backward_rule
    return out


def _elementwise(a: Tensor | ArrayLike, g: Callable[[Array], Array], g_prime: Callable[[Array], Array],
                 op: str) -> Tensor:
    """u = g(z) entry by entry. Backward: ∂J/∂z = ∂J/∂u ⊙ g′(z)."""
    z = as_tensor(a)
    out = Tensor(g(z.value), (z,), op)

    def backward_rule() -> None:
        z.grad += out.grad * g_prime(z.value)

    out.backward_rule = backward_rule
    return out


def sigmoid(z: Tensor | ArrayLike) -> Tensor:
    """σ(z) entry by entry; backward multiplies by σ′(z) = σ(z)(1 − σ(z)) ≤ 1/4."""
    return _elementwise(z, activations.sigmoid, activations.sigmoid_derivative, "sigmoid")


def relu(z: Tensor | ArrayLike) -> Tensor:
    """max(0, z) entry by entry; backward lets ∂J/∂u through where z > 0 and stops it elsewhere."""
    return _elementwise(z, activations.relu, activations.relu_derivative, "relu")


def tanh(z: Tensor | ArrayLike) -> Tensor:
    """tanh(z) entry by entry; backward multiplies by 1 − tanh²(z)."""
    return _elementwise(z, activations.tanh, activations.tanh_derivative, "tanh")


def identity(z: Tensor | ArrayLike) -> Tensor:
    """z itself; backward passes ∂J/∂u through unchanged."""
    return _elementwise(z, activations.identity, activations.identity_derivative, "identity")


def step(z: Tensor | ArrayLike) -> Tensor:
    """The hard threshold; backward sends back zeros (its derivative is 0 wherever it has one)."""
    return _elementwise(z, activations.step, activations.step_derivative, "step")


ACTIVATIONS = {"sigmoid": sigmoid, "relu": relu, "tanh": tanh, "identity": identity, "step": step}


def _loss(z: Tensor | ArrayLike, y: ArrayLike, loss: Callable[[Array, ArrayLike], tuple[float, Array]],
          op: str) -> Tensor:
    """A mean loss over the N rows, from the logits z; the targets y are data (no gradient)."""
    z = as_tensor(z)
    value, dz = loss(z.value, y)
    out = Tensor(value, (z,), op)

    def backward_rule() -> None:
        z.grad += out.grad * dz

    out.backward_rule = backward_rule
    return out


def squared_error(z: Tensor | ArrayLike, y: ArrayLike) -> Tensor:
    """Mean over rows of Σ_k (z_ik − y_ik)², z and y (N, K); backward: 2 (z − y) / N."""
    return _loss(z, y, losses.squared_error, "squared_error")


def binary_cross_entropy(z: Tensor | ArrayLike, y: ArrayLike) -> Tensor:
    """Mean of ln(1 + e^z_i) − y_i z_i from logits z (N,) or (N, 1); backward: (σ(z) − y) / N."""
    return _loss(z, y, losses.binary_cross_entropy, "binary_cross_entropy")


def categorical_cross_entropy(z: Tensor | ArrayLike, y: ArrayLike) -> Tensor:
    """Mean of logsumexp(z_i) − z_i,y_i from logits z (N, K), labels y (N,) in 0..K−1; backward: (softmax(z) − onehot(y)) / N."""
    return _loss(z, y, losses.categorical_cross_entropy, "categorical_cross_entropy")


LOSSES = {"identity": squared_error, "sigmoid": binary_cross_entropy, "softmax": categorical_cross_entropy}
