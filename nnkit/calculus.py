"""Numerical calculus for checking formulas: derivatives of scalar functions, chords.

The chapter on the chain rule states every derivative twice: once as a
formula, once as a number computed here from function values alone. If the
two disagree, the formula is wrong. (Jacobians of vector functions are in
``nnkit.tensors.jacobian``; gradients of scalar functions of arrays in
``nnkit.numerical_gradient``.)
"""

from typing import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def derivative(f: Callable[[Array], ArrayLike], x: ArrayLike, eps: float = 1e-6) -> Array:
    """Central differences f'(x) ~ (f(x + eps) - f(x - eps)) / (2 eps), entry by entry.

    Args:
        f: a scalar function of a scalar that also works elementwise on arrays
            (np.sin, nnkit.sigmoid, lambda x: np.sin(x) * x**2, ...).
        x: the points, any shape.
        eps: the step.

    Returns:
        f'(x) at every point, float64 array with the shape of x.
    """
    x = np.asarray(x, dtype=np.float64)
    f_plus = np.asarray(f(x + eps), dtype=np.float64)
    f_minus = np.asarray(f(x - eps), dtype=np.float64)
    return (f_plus - f_minus) / (2.0 * eps)


def chord_gap(f: Callable[[Array], float], x1: ArrayLike, x2: ArrayLike, alpha: float) -> float:
    """alpha f(x1) + (1 - alpha) f(x2) - f(alpha x1 + (1 - alpha) x2).

    The height of the chord above the function at the point a fraction
    1 - alpha of the way from x1 to x2. A function is convex exactly when this
    is >= 0 for every x1, x2 and every alpha in [0, 1].

    Args:
        f: a scalar function of a point (a number or an array of any shape).
        x1, x2: the ends of the chord, same shape.
        alpha: the weight of x1, in [0, 1].

    Returns:
        the gap, a float; negative means the function rises above its chord there.
    """
    x1, x2 = np.asarray(x1, dtype=np.float64), np.asarray(x2, dtype=np.float64)
    on_chord = alpha * float(f(x1)) + (1.0 - alpha) * float(f(x2))
    return on_chord - float(f(alpha * x1 + (1.0 - alpha) * x2))


def smallest_chord_gap(
    f: Callable[[Array], float],
    starts: Sequence[ArrayLike],
    ends: Sequence[ArrayLike],
    alphas: ArrayLike = np.linspace(0.1, 0.9, 9),
) -> tuple[float, int, float]:
    """Check the convexity inequality on sampled chords; return where it is closest to failing.

    Args:
        f: a scalar function of a point.
        starts, ends: the chords' ends; chord k runs from starts[k] to ends[k].
        alphas: the values of alpha tried on every chord (by default 0.1, 0.2, ..., 0.9;
            the ends alpha = 0 and 1 always give a gap of exactly 0).

    Returns:
        (gap, k, alpha): the smallest chord_gap found, the chord it was on and
        the alpha. A negative gap is a proof that f is not convex; a gap >= 0
        (up to rounding) on many chords is evidence, not proof, that it is.
    """
    if len(starts) != len(ends) or len(starts) == 0:
        raise ValueError(f"need as many chord starts as ends, at least one; got {len(starts)} and {len(ends)}.")
    best = (np.inf, -1, np.nan)
    for k, (x1, x2) in enumerate(zip(starts, ends)):
        for alpha in np.asarray(alphas, dtype=np.float64).reshape(-1):
            gap = chord_gap(f, x1, x2, float(alpha))
            if gap < best[0]:
                best = (gap, k, float(alpha))
    return best
