"""Chapter 6's explorer: how large the weight gradient is in each layer, as depth, activation and initialisation change.

A network of L layers (L − 1 hidden layers of 32 units, then 10 outputs) is built by
``nnkit.deepnet`` on 200 scaled images of scikit-learn's digits (shipped with the
package, no download); one backward sweep of ``nnkit.autodiff`` gives
‖∂J/∂W^(l)‖ for l = 1..L. A run takes a few milliseconds.

    gradient_profile(8, "sigmoid", "scaled")   # the numbers that are drawn (testable without a browser)
    depth_explorer()                           # the widget (in a notebook)
"""

from functools import lru_cache

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from numpy.typing import NDArray
from sklearn.datasets import load_digits

from nnkit import deepnet
from nnkit.widgets.picture import picture, show

Array = NDArray[np.float64]

WIDTH = 32
N_SAMPLES = 200
ACTIVATIONS = ("sigmoid", "tanh", "relu")
INIT_LABELS = {"1/√n (nnkit)": "scaled", "√(2/n) (He)": "he", "1 (not scaled)": "unit", "0.01 (small)": "small"}
REFERENCE = {"activation": "relu", "init": "scaled"}


@lru_cache(maxsize=1)
def digits_batch() -> tuple[Array, NDArray[np.int64]]:
    """The first 200 digits, every pixel scaled to mean 0 and standard deviation 1: X (200, 64), y (200,)."""
    images, labels = load_digits(return_X_y=True)
    X = images[:N_SAMPLES]
    X = (X - X.mean(axis=0)) / np.maximum(X.std(axis=0), 1e-12)
    return X, labels[:N_SAMPLES]


def gradient_profile(depth: int, activation: str, init: str, seed: int = 0) -> Array:
    """‖∂J/∂W^(l)‖ for l = 1..depth of a fresh network on the digits batch, shape (depth,).

    Args:
        depth: L, the number of layers with weights (at least 1).
        activation: "sigmoid", "tanh" or "relu" (every layer but the last).
        init: a key of ``nnkit.deepnet.INITS`` ("scaled", "he", "unit", "small").
        seed: seed of the initial weights.
    """
    if not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"depth must be a whole number of layers, at least 1; got {depth!r}.")
    X, y = digits_batch()
    params = deepnet.init_params([X.shape[1]] + [WIDTH] * (depth - 1) + [10], init=init, seed=seed)
    return deepnet.weight_gradient_norms(X, y, params, activation)


def plot_gradient_profile(sizes: Array, ax: Axes | None = None, label: str = "", **line_options) -> Axes:
    """The gradient size of each layer on a logarithmic axis, layer 1 (next to the input) on the left."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 3.5))
    layers = np.arange(1, len(sizes) + 1)
    ax.semilogy(layers, np.maximum(sizes, 1e-300), marker="o", label=label, **line_options)
    ax.set_xlabel("layer l (1 = next to the input)")
    ax.set_ylabel("‖∂J/∂W⁽ˡ⁾‖")
    ax.set_xticks(layers if len(layers) <= 12 else layers[:: max(1, len(layers) // 10)])
    return ax


def draw_explorer_figure(depth: int, activation: str, init: str, ax: Axes | None = None) -> Axes:
    """What the explorer shows: the chosen network in colour, ReLU with nnkit's initialisation in grey."""
    reference = gradient_profile(depth, **REFERENCE)
    chosen = gradient_profile(depth, activation, init)
    ax = plot_gradient_profile(reference, ax=ax, label="reference: relu, 1/√n", color="0.6", lw=1.5)
    plot_gradient_profile(chosen, ax=ax, label=f"{activation}, init {init}", color="C0", lw=2)
    ratio = chosen[0] / chosen[-1]
    ax.text(0.02, 0.03, f"layer 1 / layer {depth}: {ratio:.2g}", transform=ax.transAxes, fontsize=9)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return ax


def depth_explorer() -> widgets.VBox:
    """A slider for the depth L, choices of activation and initialisation, and the gradient size per layer they give."""
    depth = widgets.IntSlider(value=8, min=2, max=20, description="depth L", continuous_update=False)
    activation = widgets.Dropdown(options=ACTIVATIONS, value="sigmoid", description="activation g")
    init = widgets.Dropdown(options=list(INIT_LABELS.items()), value="scaled", description="std of W")
    image = picture(
        "The size of the loss gradient in each layer, from layer 1 to layer L, on a log scale: the chosen"
        " depth, activation and initialisation in colour, the reference ReLU network with 1/sqrt(n) in grey,"
        " and the ratio between the first and the last layer."
    )

    def redraw(_change=None) -> None:
        fig, ax = plt.subplots(figsize=(7.5, 3.6), layout="constrained")
        draw_explorer_figure(depth.value, activation.value, init.value, ax=ax)
        show(image, fig)
        plt.close(fig)

    for control in (depth, activation, init):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([depth, activation, init]), image])
