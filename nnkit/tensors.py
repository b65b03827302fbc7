"""Gradient tensors: numerical Jacobians, the tensor chain rule, a linear layer's gradients.

Convention (chapter 3): if X has shape (n_1, ..., n_r) and Y = f(X) has shape
(m_1, ..., m_s), the gradient tensor dY/dX has shape (m_1, ..., m_s, n_1, ..., n_r):
output indices first, then input indices,

    [dY/dX][i1, ..., is, j1, ..., jr] = dY[i1, ..., is] / dX[j1, ..., jr].

For vectors this is the m x n Jacobian; for a scalar J it has the shape of X.
"""

from typing import Callable

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

# Letters for einsum subscripts, one pool per tensor, so the three groups of
# indices never collide: Z's indices start with i, Y's with j, X's with k.
Z_LETTERS = "iabc"
Y_LETTERS = "jdef"
X_LETTERS = "kpqr"


def jacobian(f: Callable[[Array], Array], x: Array, eps: float = 1e-6) -> Array:
    """The gradient tensor dY/dX of Y = f(X), by central differences.

    Args:
        f: a function of x returning an array (or a scalar) of any shape.
        x: float64 array of any shape; it is not changed.
        eps: the step of the central differences.

    Returns:
        array of shape f(x).shape + x.shape, whose entry [i..., j...] is
        (f(x + eps e_j)[i...] - f(x - eps e_j)[i...]) / (2 eps).
    """
    x = np.array(x, dtype=np.float64)  # a copy: the caller's x is never nudged
    out_shape = np.shape(f(x))
    result = np.zeros(out_shape + x.shape)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        f_plus = np.array(f(x), dtype=np.float64)  # a copy: f may return a view of x
        x[index] = original - eps
        f_minus = np.array(f(x), dtype=np.float64)
        x[index] = original
        # result[..., *index]: every output entry, this one input entry.
        result[(Ellipsis,) + index] = (f_plus - f_minus) / (2.0 * eps)
    return result


def chain_rule_subscripts(z_order: int, y_order: int, x_order: int) -> str:
    """The einsum string of dZ/dX = sum over Y's indices of dZ/dY * dY/dX.

    For vectors (order 1 each) it is "ij,jk->ik", the matrix product of
    Jacobians. Z's indices are written with letters from "iabc", Y's from
    "jdef" (summed away), X's from "kpqr".

    Args:
        z_order, y_order, x_order: the orders (numbers of axes) of Z, Y, X, each 0..4.

    Returns:
        e.g. chain_rule_subscripts(0, 1, 2) == "j,jkp->kp".
    """
    for order in (z_order, y_order, x_order):
        if not 0 <= order <= 4:
            raise ValueError(f"orders from 0 to 4 are supported, got {order}")
    z_indices = Z_LETTERS[:z_order]
    y_indices = Y_LETTERS[:y_order]
    x_indices = X_LETTERS[:x_order]
    return f"{z_indices}{y_indices},{y_indices}{x_indices}->{z_indices}{x_indices}"


def chain_rule(dz_dy: Array, dy_dx: Array, y_order: int) -> Array:
    """The tensor chain rule: dZ/dX = dZ/dY . dY/dX, summing over all of Y's indices.

    Args:
        dz_dy: shape Z.shape + Y.shape.
        dy_dx: shape Y.shape + X.shape.
        y_order: the number of axes of Y (the axes that are summed away).

    Returns:
        dZ/dX, shape Z.shape + X.shape.
    """
    z_order = dz_dy.ndim - y_order
    x_order = dy_dx.ndim - y_order
    if z_order < 0 or x_order < 0 or dz_dy.shape[z_order:] != dy_dx.shape[:y_order]:
        raise ValueError(
            f"the last {y_order} axes of dz_dy {dz_dy.shape} must be the first {y_order} axes of dy_dx {dy_dx.shape}"
        )
    return np.einsum(chain_rule_subscripts(z_order, y_order, x_order), dz_dy, dy_dx)


def linear_layer_jacobians(W: Array, x: Array) -> dict[str, Array]:
    """The three gradient tensors of z = W x + b, written out with Kronecker deltas.

    z_j = sum_k W_jk x_k + b_j (W_jk connects input k to output j), so
        dz_j/dW_pk = delta_jp x_k,   dz_j/db_p = delta_jp,   dz_j/dx_k = W_jk.

    Args:
        W: weights, shape (m, n).
        x: input, shape (n,).

    Returns:
        {"W": shape (m, m, n), entry [j, p, k] = dz_j/dW_pk (0-based),
         "b": shape (m, m), "x": shape (m, n)}.
    """
    n_out = W.shape[0]
    delta = np.eye(n_out)
    return {
        "W": np.einsum("jp,k->jpk", delta, x),
        "b": delta,
        "x": W.copy(),
    }
