"""Numerical gradients by central differences, and a check that explains itself."""

from typing import Callable

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def numerical_gradient(f: Callable[[Array], float], x: Array, eps: float = 1e-6) -> Array:
    """Central differences: df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps).

    Args:
        f: a function of x returning a scalar.
        x: float array of any shape. It is changed entry by entry while f is
            evaluated and restored before returning.
        eps: the step. The error of central differences is O(eps^2) plus
            rounding of order |f| 1e-16 / eps; 1e-6 balances the two.

    Returns:
        array with the shape of x.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise ValueError("numerical_gradient needs x as a float64 numpy array (it nudges x in place).")
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        f_plus = float(f(x))
        x[index] = original - eps
        f_minus = float(f(x))
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def check_gradient(
    f: Callable[[Array], float],
    analytic: Array,
    x: Array,
    name: str = "gradient",
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> None:
    """Raise AssertionError, with the worst entry spelled out, if ``analytic`` is not df/dx.

    Args:
        f: a function of x returning a scalar.
        analytic: the gradient to check, shape of x.
        x: the point, float64 array.
        name: what the gradient is called in the message.
        rtol, atol: tolerance, as in ``np.allclose``.
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = numerical_gradient(f, x)
    if analytic.shape != numeric.shape:
        raise AssertionError(f"{name} has shape {analytic.shape}, but the variable has shape {numeric.shape}.")
    if np.allclose(analytic, numeric, rtol=rtol, atol=atol):
        return
    error = np.abs(analytic - numeric) - rtol * np.abs(numeric)
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(error), error.shape))
    raise AssertionError(
        f"{name} does not match central differences.\n"
        f"  worst entry {worst}: analytic {analytic[worst]:.8g}, numerical {numeric[worst]:.8g}\n"
        f"  at x{list(worst)} = {x[worst]:.8g}\n"
        f"  A derivative that is off by a constant factor, a sign, or a missing term shows up here."
    )
