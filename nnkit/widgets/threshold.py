"""Interactive explorers (ipywidgets) built on ``nnkit.plotting``.

The explorer here lets you move every weight and bias of a small network with
two inputs and watch the region where it predicts class 1 change.

It is split in two so it can be tested without a browser:

- pure functions compute everything that is drawn from plain numbers
  (``params_from_values``, ``hard_decisions``, ``region_grid``), and
- ``NetworkExplorer`` wires sliders to them and shows the figure as a PNG in a
  ``Picture`` (a PNG with alt text), redrawn whenever a slider moves.

In a notebook:

    from nnkit.widgets.threshold import threshold_explorer
    threshold_explorer()          # the last line of a cell displays it
"""

import io
from typing import Mapping

import ipywidgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike, NDArray

from nnkit.network import TwoLayerNet
from nnkit.plotting import (
    decision_grid,
    draw_network,
    extend_legend,
    plot_decision_regions,
    plot_unit_boundaries,
)
from nnkit.widgets.picture import picture

Array = NDArray[np.float64]

# Three hard-threshold units on a 2-D input, from the problems of the lecture notes' section
# Description of Neural Networks: the network predicts class 1 inside a triangle.
TRIANGLE_PARAMS = {
    "W1": [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
    "b1": [0.0, 0.0, -1.0],
    "W2": [[1.0, 1.0, -1.0]],
    "b2": [-1.5],
}


# --------------------------------------------------------------------------- pure functions


def slider_names(params: Mapping[str, ArrayLike]) -> list[str]:
    """One name per number in params, e.g. "W1[2,0]", "b1[2]", in a fixed order.

    Args:
        params: dict with W1 (N_h, N_i), b1 (N_h,), W2 (N_o, N_h), b2 (N_o,).

    Returns:
        the names, W1 row by row, then b1, W2, b2.
    """
    names = []
    for key in ("W1", "b1", "W2", "b2"):
        for index in np.ndindex(np.shape(params[key])):
            names.append(f"{key}[{','.join(str(i) for i in index)}]")
    return names


def values_from_params(params: Mapping[str, ArrayLike]) -> dict[str, float]:
    """Flatten params into {slider name: value}; the inverse of ``params_from_values``."""
    values = {}
    for name in slider_names(params):
        key, index = _parse_name(name)
        values[name] = float(np.asarray(params[key], dtype=float)[index])
    return values


def params_from_values(values: Mapping[str, float], shapes: Mapping[str, tuple[int, ...]]) -> dict[str, Array]:
    """Rebuild the parameter arrays from {slider name: value}.

    Args:
        values: one entry per name of ``slider_names``.
        shapes: the shape of W1, b1, W2, b2, e.g. ``TwoLayerNet.param_shapes()``.

    Returns:
        dict with W1, b1, W2, b2 as float arrays of the given shapes.
    """
    params = {key: np.zeros(shape) for key, shape in shapes.items()}
    for name, value in values.items():
        key, index = _parse_name(name)
        params[key][index] = value
    return params


def _parse_name(name: str) -> tuple[str, tuple[int, ...]]:
    """"W1[2,0]" -> ("W1", (2, 0))."""
    key, inside = name.rstrip("]").split("[")
    return key, tuple(int(i) for i in inside.split(","))


def network_for(params: Mapping[str, ArrayLike], activation: str = "step") -> TwoLayerNet:
    """A TwoLayerNet with one output and the given parameters (identity output: forward gives z^O)."""
    n_hidden, n_in = np.shape(params["W1"])
    net = TwoLayerNet(n_in, n_hidden, 1, activation=activation, output="identity")
    net.params = {key: np.asarray(params[key], dtype=float) for key in ("W1", "b1", "W2", "b2")}
    return net


def hard_decisions(params: Mapping[str, ArrayLike], X: ArrayLike, activation: str = "step") -> NDArray[np.int_]:
    """Class predictions ŷ = 1 if z^O >= 0 else 0 for a one-output network.

    Args:
        params: W1 (N_h, N_i), b1 (N_h,), W2 (1, N_h), b2 (1,).
        X: inputs, shape (N, N_i).
        activation: the hidden activation ("step", "relu", "sigmoid", "tanh").

    Returns:
        integer array of shape (N,), entries 0 or 1.
    """
    z_out = network_for(params, activation).forward(X)[:, 0]
    return (z_out >= 0).astype(int)


def region_grid(
    params: Mapping[str, ArrayLike],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    activation: str = "step",
    resolution: int = 150,
) -> NDArray[np.int_]:
    """What the explorer shades: ŷ on a resolution × resolution grid (see ``plotting.decision_grid``)."""
    return decision_grid(lambda X: hard_decisions(params, X, activation), xlim, ylim, resolution)


def draw_explorer(
    params: Mapping[str, ArrayLike],
    axes: tuple[Axes, Axes],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    activation: str = "step",
    resolution: int = 150,
) -> tuple[Axes, Axes]:
    """The explorer's picture: the network with its numbers (left), its decision regions (right).

    The right panel also draws, for each hidden unit j, the line where z^H_j = 0.

    Args:
        params: W1 (N_h, 2), b1 (N_h,), W2 (1, N_h), b2 (1,).
        axes: two Axes to draw into.
        xlim, ylim: the rectangle of the plane shown.
        activation: the hidden activation.
        resolution: grid cells along each axis.

    Returns:
        the two Axes.
    """
    diagram, regions = axes
    W1, b1 = np.asarray(params["W1"], dtype=float), np.asarray(params["b1"], dtype=float)
    draw_network(
        (W1.shape[1], W1.shape[0], 1),
        weights=[W1, params["W2"]],
        biases=[b1, params["b2"]],
        layer_names=["input", f"hidden ({activation})", "output (ŷ = 1 if zᴼ ≥ 0)"],
        ax=diagram,
    )
    plot_decision_regions(
        lambda X: hard_decisions(params, X, activation), xlim, ylim, resolution=resolution, ax=regions
    )
    plot_unit_boundaries(W1, b1, xlim, ylim, ax=regions)
    regions.set_aspect("equal")
    extend_legend(regions, [line for line in regions.lines if str(line.get_gid()).startswith("boundary")])
    return diagram, regions


# --------------------------------------------------------------------------- the widget


class NetworkExplorer:
    """Sliders for every weight and bias of a 2-input, 1-output network, and its picture.

    Attributes:
        sliders: {name: FloatSlider}, names as in ``slider_names`` (e.g. "W1[0,1]").
        image: the Picture showing the current state (PNG bytes in ``image.png``).
        widget: the whole explorer, an ipywidgets.VBox; display it in a notebook.
    """

    def __init__(
        self,
        params: Mapping[str, ArrayLike] = TRIANGLE_PARAMS,
        activation: str = "step",
        xlim: tuple[float, float] = (-1.0, 2.0),
        ylim: tuple[float, float] = (-1.0, 2.0),
        slider_range: tuple[float, float] = (-3.0, 3.0),
        resolution: int = 150,
    ) -> None:
        self.activation, self.xlim, self.ylim, self.resolution = activation, xlim, ylim, resolution
        self.shapes = {key: np.shape(params[key]) for key in ("W1", "b1", "W2", "b2")}
        if self.shapes["W1"][1] != 2 or self.shapes["W2"][0] != 1:
            raise ValueError("the explorer needs 2 inputs and 1 output: W1 of shape (N_h, 2), W2 of shape (1, N_h).")
        self.sliders = {
            name: ipywidgets.FloatSlider(
                value=value, min=slider_range[0], max=slider_range[1], step=0.1,
                description=name, continuous_update=False,
                layout=ipywidgets.Layout(width="230px"), style={"description_width": "52px"},
            )
            for name, value in values_from_params(params).items()
        }
        self.image = picture(
            "Left: the network diagram with every weight and bias the sliders set. Right: the square of inputs"
            " (x1, x2) shaded where the network predicts class 1, with the line where each hidden unit switches."
        )
        for slider in self.sliders.values():
            slider.observe(self._on_change, names="value")
        self.widget = ipywidgets.VBox([self._slider_grid(), self.image])
        self.redraw()

    def params(self) -> dict[str, Array]:
        """The parameters the sliders show now."""
        values = {name: slider.value for name, slider in self.sliders.items()}
        return params_from_values(values, self.shapes)

    def figure(self) -> Figure:
        """A new figure of the current state (not attached to pyplot, so it is never shown twice)."""
        figure = Figure(figsize=(10.0, 4.2), layout="constrained")
        axes = figure.subplots(1, 2, width_ratios=(1.25, 1.0))
        draw_explorer(self.params(), tuple(axes), self.xlim, self.ylim, self.activation, self.resolution)
        return figure

    def redraw(self) -> None:
        """Render the current state into the picture."""
        buffer = io.BytesIO()
        self.figure().savefig(buffer, format="png", dpi=80)
        self.image.set_png(buffer.getvalue())

    def _on_change(self, change: dict) -> None:
        self.redraw()

    def _slider_grid(self) -> ipywidgets.Widget:
        """One row of sliders per parameter array: W1 rows, then b1, W2, b2."""
        rows = {}
        for name, slider in self.sliders.items():
            key, index = _parse_name(name)
            row = (key, index[0]) if key == "W1" else (key,)
            rows.setdefault(row, []).append(slider)
        return ipywidgets.VBox([ipywidgets.HBox(row) for row in rows.values()])


def threshold_explorer(
    params: Mapping[str, ArrayLike] = TRIANGLE_PARAMS,
    activation: str = "step",
    xlim: tuple[float, float] = (-1.0, 2.0),
    ylim: tuple[float, float] = (-1.0, 2.0),
) -> ipywidgets.VBox:
    """The explorer as a widget to display, starting from ``params`` (default: ``TRIANGLE_PARAMS``).

    Args:
        params: W1 (N_h, 2), b1 (N_h,), W2 (1, N_h), b2 (1,).
        activation: the hidden activation: "step" (hard threshold) or "relu", "sigmoid", "tanh".
        xlim, ylim: the rectangle of the plane shown.

    Returns:
        an ipywidgets.VBox: sliders above the picture.
    """
    return NetworkExplorer(params, activation, xlim, ylim).widget
