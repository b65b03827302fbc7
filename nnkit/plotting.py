"""Figures for the course: network diagrams, activation curves, decision regions.

Every function draws into a matplotlib ``Axes`` you may pass as ``ax`` and
returns it, so a chapter can place several plots side by side. Nothing here
calls ``plt.show()`` or sets a title: captions belong to the chapter.

The artists that carry meaning get a ``gid`` (for example ``"unit-1-0"`` for
the first unit of layer 1, or ``"weight-0-1-0"`` for the weight from unit 0 of
layer 0 to unit 1 of layer 1), so tests can find them in a drawn figure.
"""

from typing import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch
from numpy.typing import ArrayLike, NDArray

from nnkit.activations import ACTIVATIONS
from nnkit.drawing import format_number, rim_points

Array = NDArray[np.float64]

# Light fills for decision regions, dark colours for points (class k uses entry k).
REGION_COLORS = ("#cfe2f3", "#fde2c8", "#d9ead3", "#e6d5f0", "#f4cccc")
POINT_COLORS = ("#1f4e9c", "#c55a11", "#38761d", "#6a329f", "#990000")
POINT_MARKERS = ("o", "s", "^", "D", "v")

UNIT_RADIUS = 0.25
LAYER_GAP = 2.4  # horizontal distance between layers
UNIT_GAP = 1.5  # vertical distance between units of a layer


def _new_axes(ax: Axes | None, figsize: tuple[float, float] = (5.0, 3.5)) -> Axes:
    """The given Axes, or a new one on a new figure."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


# --------------------------------------------------------------------------- network diagram


def unit_positions(layer_sizes: Sequence[int]) -> list[Array]:
    """Centres of the unit circles of a network diagram.

    Layer l sits at x = l * LAYER_GAP; its units are stacked from top to
    bottom, centred on y = 0.

    Args:
        layer_sizes: number of units per layer, inputs first, e.g. (2, 2, 1).

    Returns:
        one array per layer, shape (layer_sizes[l], 2): the (x, y) of each unit.
    """
    positions = []
    for layer, size in enumerate(layer_sizes):
        ys = UNIT_GAP * ((size - 1) / 2 - np.arange(size))
        xs = np.full(size, layer * LAYER_GAP)
        positions.append(np.column_stack([xs, ys]))
    return positions


def default_unit_labels(layer_sizes: Sequence[int]) -> list[list[str]]:
    """The notation's letters: x_k for the inputs, ŷ (ŷ_k) for the outputs, and for the hidden units
    u^H_j if there is one hidden layer, u^(l)_j for layer l if there are several.

    Returns:
        one list of mathtext labels per layer, e.g. [["$x_{1}$", "$x_{2}$"], ["$u^{\\rm H}_{1}$", ...], ["$\\hat{y}$"]].
    """
    last = len(layer_sizes) - 1
    labels = []
    for layer, size in enumerate(layer_sizes):
        if layer == 0:
            names = [f"$x_{{{k + 1}}}$" for k in range(size)]
        elif layer == last:
            names = ["$\\hat{y}$"] if size == 1 else [f"$\\hat{{y}}_{{{k + 1}}}$" for k in range(size)]
        elif last == 2:
            names = [f"$u^{{\\rm H}}_{{{k + 1}}}$" for k in range(size)]
        else:
            names = [f"$u^{{({layer})}}_{{{k + 1}}}$" for k in range(size)]
        labels.append(names)
    return labels


def _draw_unit(ax: Axes, centre: Array, label: str, gid: str) -> None:
    """One unit: a circle with its label inside."""
    ax.add_patch(Circle(centre, UNIT_RADIUS, facecolor="white", edgecolor="black", lw=1.5, zorder=3, gid=gid))
    ax.text(*centre, label, ha="center", va="center", fontsize=12, zorder=4)


def _draw_edge(ax: Axes, start: Array, end: Array, weight: float | None, gid: str) -> None:
    """A line between two units, from rim to rim; dashed if the weight is negative."""
    a, b = rim_points(start, end, UNIT_RADIUS)
    style = "--" if weight is not None and weight < 0 else "-"
    ax.add_line(Line2D([a[0], b[0]], [a[1], b[1]], color="0.45", lw=1.2, ls=style, zorder=1, gid=gid))


def _label_edge(ax: Axes, start: Array, end: Array, weight: float, gid: str, where: float = 0.72) -> None:
    """The weight's value, written on the edge at fraction ``where`` of the way to its end unit.

    Near the end unit the edges arriving there fan out, and edges that cross
    usually cross nearer the middle, so each label sits on one edge only.
    """
    point = start + where * (end - start)
    box = {"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none"}
    ax.text(*point, format_number(weight), ha="center", va="center", fontsize=10, bbox=box, zorder=2, gid=gid)


def _label_bias(ax: Axes, centre: Array, bias: float, gid: str, beside: bool = False) -> None:
    """The unit's bias, written just above its circle, or to its right if ``beside`` (output units)."""
    box = {"boxstyle": "round,pad=0.15", "facecolor": "#fff2cc", "edgecolor": "#bf9000", "lw": 0.8}
    if beside:
        x, y, align = centre[0] + UNIT_RADIUS + 0.12, centre[1], "left"
    else:
        x, y, align = centre[0], centre[1] + UNIT_RADIUS + 0.2, "center"
    text = "b = " + format_number(bias)
    ax.text(x, y, text, ha=align, va="center", fontsize=9, bbox=box, zorder=4, gid=gid)


def draw_network(
    layer_sizes: Sequence[int],
    weights: Sequence[ArrayLike] | None = None,
    biases: Sequence[ArrayLike] | None = None,
    unit_labels: Sequence[Sequence[str]] | None = None,
    layer_names: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Diagram of a fully connected network: units as circles, weights as lines.

    Negative weights are drawn dashed, so the sign is visible without colour.

    Args:
        layer_sizes: units per layer, inputs first, e.g. (2, 2, 1).
        weights: optional, one matrix per connection, shaped like nnkit's W1, W2:
            weights[l] has shape (layer_sizes[l + 1], layer_sizes[l]); entry [j, k]
            is written on the edge from unit k of layer l to unit j of layer l + 1.
        biases: optional, one vector per connection, biases[l] of shape
            (layer_sizes[l + 1],), written above the units of layer l + 1.
        unit_labels: optional text inside each unit, one list per layer
            (default: ``default_unit_labels``). Matplotlib mathtext such as "$x_1$" works.
        layer_names: optional name written under each layer, e.g. "hidden (ReLU)".
        ax: where to draw; a new figure if None.

    Returns:
        the Axes.
    """
    ax = _new_axes(ax, figsize=(1.9 * len(layer_sizes), 1.1 * max(layer_sizes) + 1.4))
    positions = unit_positions(layer_sizes)
    labels = default_unit_labels(layer_sizes) if unit_labels is None else unit_labels
    _check_network_values(layer_sizes, weights, "weights", lambda l: (layer_sizes[l + 1], layer_sizes[l]))
    _check_network_values(layer_sizes, biases, "biases", lambda l: (layer_sizes[l + 1],))

    for layer in range(len(layer_sizes) - 1):
        W = None if weights is None else np.asarray(weights[layer], dtype=float)
        for j, end in enumerate(positions[layer + 1]):
            for k, start in enumerate(positions[layer]):
                weight = None if W is None else W[j, k]
                _draw_edge(ax, start, end, weight, gid=f"edge-{layer}-{j}-{k}")
                if weight is not None:
                    _label_edge(ax, start, end, weight, gid=f"weight-{layer}-{j}-{k}")
    for layer, layer_positions in enumerate(positions):
        for j, centre in enumerate(layer_positions):
            _draw_unit(ax, centre, labels[layer][j], gid=f"unit-{layer}-{j}")
            if biases is not None and layer > 0:
                bias = np.asarray(biases[layer - 1], dtype=float)[j]
                _label_bias(ax, centre, bias, gid=f"bias-{layer}-{j}", beside=layer == len(layer_sizes) - 1)

    bottom = -UNIT_GAP * (max(layer_sizes) - 1) / 2 - UNIT_RADIUS
    if layer_names is not None:
        for layer, name in enumerate(layer_names):
            ax.text(layer * LAYER_GAP, bottom - 0.35, name, ha="center", va="top", fontsize=10, color="0.25")
    right_margin = 1.5 if biases is not None else 0.6
    ax.set_xlim(-0.6, (len(layer_sizes) - 1) * LAYER_GAP + right_margin)
    ax.set_ylim(bottom - (0.9 if layer_names is not None else 0.3), -bottom + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def _check_network_values(
    layer_sizes: Sequence[int],
    values: Sequence[ArrayLike] | None,
    what: str,
    expected_shape: Callable[[int], tuple[int, ...]],
) -> None:
    """Raise ValueError unless ``values`` has one array of the expected shape per connection."""
    if values is None:
        return
    if len(values) != len(layer_sizes) - 1:
        raise ValueError(f"{what} needs {len(layer_sizes) - 1} arrays (one per connection); got {len(values)}.")
    for layer, value in enumerate(values):
        shape = np.shape(value)
        if shape != expected_shape(layer):
            raise ValueError(f"{what}[{layer}] must have shape {expected_shape(layer)}; got {shape}.")


# --------------------------------------------------------------------------- curves


def plot_piecewise(x: ArrayLike, y: ArrayLike, ax: Axes | None = None, jump: float = 0.5, **line_options) -> Axes:
    """Plot y against x, leaving a gap wherever y jumps by more than ``jump``.

    A step function is then drawn as two flat pieces, not with a vertical
    line that suggests it takes every value between 0 and 1.

    Args:
        x: sorted sample points, shape (M,).
        y: values, shape (M,).
        ax: where to draw; a new figure if None.
        jump: the smallest change between neighbouring samples that counts as a jump.
        **line_options: passed to ``ax.plot`` (label, color, ls, ...).

    Returns:
        the Axes.
    """
    ax = _new_axes(ax)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    cuts = np.flatnonzero(np.abs(np.diff(y)) > jump) + 1
    ax.plot(np.insert(x, cuts, np.nan), np.insert(y, cuts, np.nan), **line_options)
    return ax


def plot_activation(
    name: str,
    ax: Axes | None = None,
    z_range: tuple[float, float] = (-4.0, 4.0),
    derivative: bool = True,
) -> Axes:
    """One activation g(z) from ``nnkit.activations`` and, optionally, its derivative g'(z).

    Args:
        name: a key of ``nnkit.activations.ACTIVATIONS``: "step", "sigmoid", "relu", "tanh", "identity".
        ax: where to draw; a new figure if None.
        z_range: the interval of z shown.
        derivative: also draw g'(z), dashed.

    Returns:
        the Axes, with a legend naming both curves.
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}.")
    ax = _new_axes(ax, figsize=(3.5, 2.8))
    g, g_prime = ACTIVATIONS[name]
    z = np.linspace(*z_range, 801)
    plot_piecewise(z, g(z), ax=ax, color=POINT_COLORS[0], lw=2, label=f"{name}(z)")
    if derivative:
        plot_piecewise(z, g_prime(z), ax=ax, color=POINT_COLORS[1], lw=2, ls="--", label=f"{name}′(z)")
    ax.axhline(0, color="0.7", lw=0.8, zorder=0)
    ax.axvline(0, color="0.7", lw=0.8, zorder=0)
    ax.set_xlabel("z")
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    return ax


def plot_activations(
    names: Sequence[str] = ("step", "sigmoid", "relu", "tanh"),
    axes: Axes | Sequence[Axes] | np.ndarray | None = None,
    z_range: tuple[float, float] = (-4.0, 4.0),
    derivatives: bool = True,
) -> Axes | np.ndarray:
    """Several activations: each in its own panel, or all on one Axes.

    Args:
        names: activations to draw, keys of ``nnkit.activations.ACTIVATIONS``.
        axes: one Axes (every curve goes there; derivatives are then left out to
            keep it readable), or as many Axes as names (any grid shape), or None
            for a new row of panels.
        z_range: the interval of z shown.
        derivatives: draw g'(z) next to each g(z) (panels only).

    Returns:
        the Axes given, or the new array of Axes.
    """
    if isinstance(axes, Axes):
        z = np.linspace(*z_range, 801)
        for name in names:
            plot_piecewise(z, ACTIVATIONS[name][0](z), ax=axes, lw=2, label=name)
        axes.set_xlabel("z")
        axes.legend(fontsize=9, frameon=False)
        return axes
    if axes is None:
        _, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 2.8), squeeze=False)
    panels = np.asarray(axes).ravel()
    if len(panels) != len(names):
        raise ValueError(f"got {len(panels)} Axes for {len(names)} activations; pass one Axes per activation.")
    for name, panel in zip(names, panels):
        plot_activation(name, ax=panel, z_range=z_range, derivative=derivatives)
    return axes


# --------------------------------------------------------------------------- decision regions


def grid_points(xlim: tuple[float, float], ylim: tuple[float, float], resolution: int = 200) -> tuple[Array, Array]:
    """Centres of a resolution × resolution grid of cells tiling the rectangle xlim × ylim.

    Returns:
        (xs, ys), each of shape (resolution,): the cell centres along each axis.
    """
    xs = xlim[0] + (np.arange(resolution) + 0.5) * (xlim[1] - xlim[0]) / resolution
    ys = ylim[0] + (np.arange(resolution) + 0.5) * (ylim[1] - ylim[0]) / resolution
    return xs, ys


def decision_grid(
    predict: Callable[[Array], ArrayLike],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    resolution: int = 200,
) -> NDArray[np.int_]:
    """The class a classifier predicts at the centre of every grid cell.

    Args:
        predict: maps points X, shape (M, 2), to class labels 0, 1, ..., shape (M,).
        xlim, ylim: the rectangle of the plane to cover.
        resolution: number of cells along each axis.

    Returns:
        integer array of shape (resolution, resolution); entry [i, j] is the class
        at (xs[j], ys[i]) of ``grid_points`` (rows go along x2, like an image).
    """
    xs, ys = grid_points(xlim, ylim, resolution)
    x1, x2 = np.meshgrid(xs, ys)
    points = np.column_stack([x1.ravel(), x2.ravel()])
    classes = np.asarray(predict(points)).reshape(-1)
    if classes.shape[0] != points.shape[0]:
        raise ValueError(f"predict must return one label per point: {points.shape[0]}; got {classes.shape[0]}.")
    return np.rint(classes).astype(int).reshape(resolution, resolution)


def plot_decision_regions(
    predict: Callable[[Array], ArrayLike],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    points: ArrayLike | None = None,
    labels: ArrayLike | None = None,
    n_classes: int = 2,
    resolution: int = 200,
    ax: Axes | None = None,
) -> Axes:
    """Shade the plane by the class a classifier predicts; optionally overlay labelled points.

    Region k is filled with REGION_COLORS[k]; points of class k are drawn with
    POINT_COLORS[k] and their own marker shape, so the classes differ in shape as
    well as colour.

    Args:
        predict: maps points X, shape (M, 2), to class labels in 0..n_classes-1, shape (M,).
        xlim, ylim: the rectangle of the plane to shade.
        points: optional points to overlay, shape (N, 2).
        labels: their classes, shape (N,) (required with points).
        n_classes: number of classes K (at most len(REGION_COLORS)).
        resolution: grid cells along each axis.
        ax: where to draw; a new figure if None.

    Returns:
        the Axes, with the legend listing regions (ŷ = k) and points (y = k).
    """
    ax = _new_axes(ax, figsize=(4.2, 4.0))
    classes = decision_grid(predict, xlim, ylim, resolution)
    cmap = ListedColormap(REGION_COLORS[:n_classes])
    ax.imshow(
        classes, cmap=cmap, vmin=-0.5, vmax=n_classes - 0.5, origin="lower",
        extent=(*xlim, *ylim), interpolation="nearest", aspect="auto", gid="regions",
    )
    handles = [Patch(facecolor=REGION_COLORS[k], edgecolor="0.6", label=f"ŷ = {k}") for k in range(n_classes)]
    if points is not None:
        handles += _overlay_points(ax, np.asarray(points, dtype=float), np.asarray(labels), n_classes)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(handles=handles, loc="upper right", fontsize=9, framealpha=0.9)
    return ax


def _overlay_points(ax: Axes, points: Array, labels: NDArray, n_classes: int) -> list:
    """Scatter each class of points with its own colour and marker; return the legend handles."""
    handles = []
    for k in range(n_classes):
        mine = points[labels == k]
        if len(mine):
            handles.append(
                ax.scatter(
                    mine[:, 0], mine[:, 1], c=POINT_COLORS[k], marker=POINT_MARKERS[k],
                    edgecolors="white", s=60, zorder=3, label=f"y = {k}", gid=f"points-{k}",
                )
            )
    return handles


def plot_unit_boundaries(
    W: ArrayLike,
    b: ArrayLike,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    ax: Axes | None = None,
    name: str = r"z^{\rm H}",
) -> Axes:
    """The line where each hidden unit's pre-activation z^H_j = W^H_{j,:} x + b^H_j is zero.

    For a hard threshold this is where the unit switches between 0 and 1.
    A unit whose weights are all zero has no such line and is skipped.

    Args:
        W: hidden weights W^H, shape (N_h, 2).
        b: hidden biases b^H, shape (N_h,).
        xlim, ylim: the rectangle to draw in.
        ax: where to draw; a new figure if None.
        name: the mathtext symbol for the pre-activations in the legend (the default gives
            "$z^{\\rm H}_{1} = 0$", ...).

    Returns:
        the Axes; line j is a Line2D with gid "boundary-j" and label "name_{j+1} = 0".
    """
    ax = _new_axes(ax, figsize=(4.2, 4.0))
    W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    styles = ("--", ":", "-.", (0, (5, 2, 1, 2)))
    for j, (w, bias) in enumerate(zip(W, b)):
        ends = _line_in_box(w, bias, xlim, ylim)
        if ends is None:
            continue
        ax.add_line(
            Line2D(ends[:, 0], ends[:, 1], color="0.2", lw=1.3, ls=styles[j % len(styles)],
                   label=f"${name}_{{{j + 1}}} = 0$", gid=f"boundary-{j}")
        )
    return ax


def extend_legend(ax: Axes, handles: Sequence) -> Axes:
    """Add labelled artists (lines, patches) to the legend the Axes already has, or start one."""
    legend = ax.get_legend()
    old_handles = [] if legend is None else list(legend.legend_handles)
    old_labels = [] if legend is None else [text.get_text() for text in legend.get_texts()]
    ax.legend(
        handles=old_handles + list(handles), labels=old_labels + [h.get_label() for h in handles],
        loc="upper right", fontsize=8, framealpha=0.9,
    )
    return ax


def _line_in_box(w: Array, bias: float, xlim: tuple[float, float], ylim: tuple[float, float]) -> Array | None:
    """The two ends of the line w · x + bias = 0 as it crosses the box, shape (2, 2); None if it misses."""
    if np.allclose(w, 0):
        return None
    corners = [(x, y) for x in xlim for y in ylim]
    values = [w @ np.array(c) + bias for c in corners]
    if min(values) > 0 or max(values) < 0:
        return None
    # A far-reaching segment along the line, clipped by the axes' limits when drawn.
    centre = -bias * w / (w @ w)
    along = np.array([-w[1], w[0]]) / np.linalg.norm(w)
    reach = 2 * (abs(xlim[1] - xlim[0]) + abs(ylim[1] - ylim[0]) + np.linalg.norm(centre))
    return np.array([centre - reach * along, centre + reach * along])
