"""Chapter 5's explorer: choose the learning rate eta and the batch size B, watch the loss curves.

A small network (2 -> 16 tanh units -> 1 sigmoid output) is trained with
``nnkit.training.train`` on two interleaved half-moons, 200 training points and
200 validation points, generated here with numpy so the explorer needs no
download and no extra package. A run takes well under a second.

    learning_curves(0.3, 16)      # the numbers that are drawn (testable without a browser)
    training_explorer()           # the widget (in a notebook)
"""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from numpy.typing import NDArray

from nnkit.network import TwoLayerNet
from nnkit.training import train
from nnkit.widgets.picture import picture, show

Array = NDArray[np.float64]

BATCH_SIZES = (1, 4, 16, 64, 200)
REFERENCE = {"learning_rate": 0.3, "batch_size": 16}
N_HIDDEN = 16
N_SAMPLES = 200


def two_moons(n_samples: int, noise: float = 0.2, seed: int | None = None) -> tuple[Array, NDArray[np.int64]]:
    """Two interleaved half-circles in the plane, one per class, with Gaussian noise.

    Class 0 lies on the upper half of the unit circle, class 1 on a lower half-circle
    shifted to centre (1, 0.5), so no straight line separates them.

    Args:
        n_samples: N, the number of points (half of each class, rounded).
        noise: standard deviation of the noise added to each coordinate.
        seed: seed for the random points.

    Returns:
        (X, y): X of shape (N, 2), y of shape (N,) with labels 0 and 1.
    """
    rng = np.random.default_rng(seed)
    n_upper = n_samples // 2
    angles = rng.uniform(0.0, np.pi, size=n_samples)
    upper = np.column_stack([np.cos(angles[:n_upper]), np.sin(angles[:n_upper])])
    lower = np.column_stack([1.0 - np.cos(angles[n_upper:]), 0.5 - np.sin(angles[n_upper:])])
    X = np.vstack([upper, lower]) + noise * rng.normal(size=(n_samples, 2))
    y = np.concatenate([np.zeros(n_upper, dtype=np.int64), np.ones(n_samples - n_upper, dtype=np.int64)])
    return X, y


def learning_curves(learning_rate: float, batch_size: int, epochs: int = 30, seed: int = 0) -> dict[str, list]:
    """Train the explorer's network once and return its history (see ``nnkit.training.train``).

    The data and the initial weights depend only on ``seed``, so two calls that
    differ in learning_rate or batch_size start from the same place.

    Args:
        learning_rate: the SGD step size eta.
        batch_size: rows per mini-batch, 1..200 (200 = full-batch gradient descent).
        epochs: passes over the 200 training points.
        seed: seed for data, initial weights and shuffling.

    Returns:
        the history dict: epoch, train_loss, train_accuracy, val_loss, val_accuracy, diverged.
    """
    X_train, y_train = two_moons(N_SAMPLES, seed=seed)
    X_val, y_val = two_moons(N_SAMPLES, seed=seed + 1)
    net = TwoLayerNet(2, N_HIDDEN, 1, activation="tanh", output="sigmoid", seed=seed)
    return train(
        net, X_train, y_train, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
        X_val=X_val, y_val=y_val, seed=seed,
    )


def plot_learning_curves(history: dict[str, list], ax: Axes | None = None, label: str = "", **line_options) -> Axes:
    """Training loss (solid) and validation loss (dashed, if recorded) against the epoch.

    Args:
        history: as returned by ``nnkit.training.train``.
        ax: where to draw; a new figure if None.
        label: prefix for the legend entries, e.g. "η = 0.3, B = 16".
        **line_options: passed to ``ax.plot`` for both curves (color, lw, ...).

    Returns:
        the Axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.0, 3.5))
    prefix = f"{label}: " if label else ""
    ax.plot(history["epoch"], history["train_loss"], ls="-", label=f"{prefix}training", **line_options)
    if "val_loss" in history:
        ax.plot(history["epoch"], history["val_loss"], ls="--", label=f"{prefix}validation", **line_options)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean loss")
    return ax


def draw_explorer_figure(learning_rate: float, batch_size: int, ax: Axes | None = None) -> Axes:
    """What the explorer shows: the chosen run in colour, the reference run in grey."""
    reference = learning_curves(**REFERENCE)
    history = learning_curves(learning_rate, batch_size)
    ax = plot_learning_curves(reference, ax=ax, label="reference", color="0.65", lw=1.5)
    plot_learning_curves(history, ax=ax, label=f"η = {learning_rate:.3g}, B = {batch_size}", color="C0", lw=2)
    final = history["val_accuracy"][-1]
    note = "diverged: the loss became infinite" if history["diverged"] else f"validation accuracy {final:.2f}"
    ax.text(0.02, 0.03, note, transform=ax.transAxes, ha="left", va="bottom", fontsize=9)
    ax.set_ylim(0.0, loss_axis_top(reference, history))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return ax


def loss_axis_top(*histories: dict[str, list]) -> float:
    """Top of the loss axis: 1.1 x the largest finite loss in the histories, between 1 and 5."""
    losses = np.concatenate([np.asarray(h[key], dtype=float) for h in histories for key in h if key.endswith("_loss")])
    finite = losses[np.isfinite(losses)]
    largest = finite.max() if finite.size else 1.0
    return float(np.clip(1.1 * largest, 1.0, 5.0))


def training_explorer() -> widgets.VBox:
    """A slider for eta (0.001 to 10, logarithmic), a choice of batch size, and the loss curves they give."""
    eta = widgets.FloatLogSlider(
        value=REFERENCE["learning_rate"], base=10, min=-3, max=1, step=0.25, description="η",
        continuous_update=False,
    )
    batch = widgets.Dropdown(options=BATCH_SIZES, value=REFERENCE["batch_size"], description="batch size B")
    image = picture(
        "Training and validation loss against epochs: the reference run in grey, the run with the chosen"
        " learning rate and batch size in colour, with its final validation accuracy or a note that it diverged."
    )

    def redraw(_change=None) -> None:
        fig, ax = plt.subplots(figsize=(7.5, 3.8), layout="constrained")
        draw_explorer_figure(eta.value, batch.value, ax=ax)
        show(image, fig)
        plt.close(fig)

    eta.observe(redraw, names="value")
    batch.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([eta, batch]), image])
