"""Explorers for chapter 2: the two paths of the chain rule, and a chord along a function.

Each explorer is split in three, so it can be tested without a browser:

- a pure function that computes what is drawn (``path_terms``, ``chord_values``);
- a function that draws it into a matplotlib ``Axes`` and returns the Axes;
- a function that builds the ipywidgets controls around the drawing.

The running example is y = m(u, v) = u v with u = sin x and v = x^2 (the worksheet of the bibliography,
in its part *Chain Rule Is All You Need*).
"""

from typing import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from numpy.typing import NDArray

from nnkit.calculus import chord_gap, derivative
from nnkit.widgets.picture import picture, show

Array = NDArray[np.float64]

PATH_COLORS = ("#1f4e9c", "#c55a11", "0.35", "0.75")


def product_example(x: Array | float) -> Array:
    """y = sin(x) x^2, elementwise."""
    x = np.asarray(x, dtype=np.float64)
    return np.sin(x) * x**2


def path_terms(x: float) -> dict[str, float]:
    """The two terms of dy/dx for y = u v, u = sin x, v = x^2, and a finite-difference check.

    Args:
        x: the point.

    Returns:
        dict with
        ``via_u`` = (dy/du)(du/dx) = v cos x = x^2 cos x,
        ``via_v`` = (dy/dv)(dv/dx) = u 2x = 2x sin x,
        ``total`` = their sum, and
        ``finite_difference``: dy/dx computed from values of y alone.
    """
    u, v = np.sin(x), x**2
    via_u = v * np.cos(x)
    via_v = u * 2.0 * x
    return {
        "via_u": float(via_u),
        "via_v": float(via_v),
        "total": float(via_u + via_v),
        "finite_difference": float(derivative(product_example, x)),
    }


def plot_path_terms(x: float, ax: Axes | None = None) -> Axes:
    """Bars for the path through u, the path through v, their sum, and the finite difference.

    Args:
        x: the point.
        ax: where to draw; a new figure if None.

    Returns:
        the Axes; bar k has gid "bar-via_u", "bar-via_v", "bar-total", "bar-finite_difference".
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 3.0))
    terms = path_terms(x)
    labels = ["via u = sin x\n$x^2 \\cos x$", "via v = $x^2$\n$2x \\sin x$", "sum", "finite\ndifference"]
    for k, (key, value) in enumerate(terms.items()):
        ax.bar(k, value, color=PATH_COLORS[k], hatch="//" if k == 3 else None, edgecolor="black", gid=f"bar-{key}")
        ax.text(k, value, f"{value:.3f}", ha="center", va="bottom" if value >= 0 else "top", fontsize=9)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(range(4), labels, fontsize=8)
    ax.set_ylabel("contribution to dy/dx")
    low, high = min(0.0, *terms.values()), max(0.0, *terms.values())
    margin = 0.15 * (high - low) + 1e-9
    ax.set_ylim(low - margin, high + margin)
    return ax


def plot_product_curve(x: float, ax: Axes | None = None, x_range: tuple[float, float] = (-4.0, 4.0)) -> Axes:
    """y = sin(x) x^2 with its tangent line at x, whose slope is the chain-rule dy/dx.

    Args:
        x: where the tangent touches.
        ax: where to draw; a new figure if None.
        x_range: the interval shown.

    Returns:
        the Axes; the curve has gid "curve", the tangent "tangent".
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 3.0))
    grid = np.linspace(*x_range, 400)
    slope = path_terms(x)["total"]
    near = np.linspace(x - 0.8, x + 0.8, 2)
    ax.plot(grid, product_example(grid), color="black", lw=2, label="$y = \\sin(x)\\, x^2$", gid="curve")
    ax.plot(near, product_example(x) + slope * (near - x), color=PATH_COLORS[0], lw=2, ls="--",
            label=f"tangent, slope {slope:.3f}", gid="tangent")
    ax.plot([x], [product_example(x)], "o", color=PATH_COLORS[0])
    ax.set_xlim(*x_range)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return ax


def chain_rule_explorer(x: float = 1.0) -> widgets.VBox:
    """A slider for x; shows the curve with its tangent and the two path terms of dy/dx."""
    slider = widgets.FloatSlider(value=x, min=-4.0, max=4.0, step=0.05, description="x")
    image = picture(
        "Left: the curve y = sin(x) x^2 with its tangent at the chosen x, labelled with its slope."
        " Right: two bars, the two path terms of dy/dx at that x, whose sum is the slope."
    )

    def draw(_change: object = None) -> None:
        fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.2))
        plot_product_curve(slider.value, ax=left)
        plot_path_terms(slider.value, ax=right)
        fig.tight_layout()
        show(image, fig)
        plt.close(fig)

    slider.observe(draw, names="value")
    draw()
    return widgets.VBox([slider, image])


# --------------------------------------------------------------------------- convexity


CONVEXITY_EXAMPLES: dict[str, Callable[[Array], Array]] = {
    "x^2 (convex)": np.square,
    "e^x (convex)": np.exp,
    "|x| (convex, with a kink)": np.abs,
    "sin x (not convex)": np.sin,
    "x^4 - 2x^2 (not convex)": lambda x: x**4 - 2.0 * x**2,
}


def chord_values(f: Callable[[Array], Array], x1: float, x2: float, alpha: float) -> dict[str, float]:
    """The point a fraction 1 - alpha of the way from x1 to x2, on the function and on the chord.

    Returns:
        dict with ``x`` = alpha x1 + (1 - alpha) x2, ``on_function`` = f(x),
        ``on_chord`` = alpha f(x1) + (1 - alpha) f(x2) and ``gap`` = on_chord - on_function
        (>= 0 for every chord of a convex function).
    """
    x = alpha * x1 + (1.0 - alpha) * x2
    gap = chord_gap(f, x1, x2, alpha)
    return {"x": x, "on_function": float(f(np.float64(x))), "on_chord": float(f(np.float64(x))) + gap, "gap": gap}


def plot_chord(
    f: Callable[[Array], Array],
    x1: float,
    x2: float,
    alpha: float,
    ax: Axes | None = None,
    x_range: tuple[float, float] = (-2.0, 2.0),
) -> Axes:
    """A function, one of its chords, and the point at weight alpha on both.

    A vertical bar marks the gap at alpha: blue if the chord is on or above
    the function there (the convexity inequality holds), red if it is below
    (it fails).

    Args:
        f: a scalar function of a scalar, elementwise on arrays.
        x1, x2: the ends of the chord.
        alpha: the weight of x1, in [0, 1].
        ax: where to draw; a new figure if None.
        x_range: the interval shown.

    Returns:
        the Axes; artists with gid "function", "chord", "gap".
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 3.2))
    grid = np.linspace(*x_range, 400)
    point = chord_values(f, x1, x2, alpha)
    holds = point["gap"] >= -1e-12
    ax.plot(grid, f(grid), color="black", lw=2, label="f(x)", gid="function")
    ax.plot([x1, x2], [f(np.float64(x1)), f(np.float64(x2))], "o-", color="0.45", lw=1.5,
            label="chord", gid="chord")
    ax.plot([point["x"], point["x"]], [point["on_function"], point["on_chord"]],
            color=PATH_COLORS[0] if holds else "#b00000", lw=4, solid_capstyle="butt",
            label=f"gap {point['gap']:.3f}", gid="gap")
    ax.set_xlim(*x_range)
    ax.set_xlabel("x")
    ax.legend(loc="upper center", fontsize=8, frameon=False)
    return ax


def convexity_explorer() -> widgets.VBox:
    """Pick a function, the chord's ends x1, x2 and the weight alpha; see the gap."""
    choice = widgets.Dropdown(options=list(CONVEXITY_EXAMPLES), description="f(x)")
    x1 = widgets.FloatSlider(value=-1.5, min=-2.0, max=2.0, step=0.05, description="x1")
    x2 = widgets.FloatSlider(value=0.5, min=-2.0, max=2.0, step=0.05, description="x2")
    alpha = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.01, description="α")

    image = picture(
        "The chosen function f(x), its chord from x1 to x2, and a vertical bar at the point of weight alpha"
        " between the chord and the function: blue where the chord is on or above f, red where it is below."
    )

    def draw(_change: object = None) -> None:
        fig, ax = plt.subplots(figsize=(5.0, 3.4))
        plot_chord(CONVEXITY_EXAMPLES[choice.value], x1.value, x2.value, alpha.value, ax=ax)
        fig.tight_layout()
        show(image, fig)
        plt.close(fig)

    for control in (choice, x1, x2, alpha):
        control.observe(draw, names="value")
    draw()
    return widgets.VBox([choice, widgets.HBox([x1, x2, alpha]), image])
