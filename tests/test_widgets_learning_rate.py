"""Chapter 5's explorer: the data, the curves it computes, the figure, and the widget's controls."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from nnkit.widgets.picture import Picture
from nnkit.widgets.learning_rate import (
    BATCH_SIZES,
    REFERENCE,
    draw_explorer_figure,
    learning_curves,
    loss_axis_top,
    plot_learning_curves,
    training_explorer,
    two_moons,
)


def test_two_moons_shapes_labels_and_reproducibility():
    X, y = two_moons(51, seed=0)
    assert X.shape == (51, 2) and y.shape == (51,)
    assert set(np.unique(y)) == {0, 1} and np.sum(y == 0) == 25
    np.testing.assert_array_equal(two_moons(51, seed=0)[0], X)
    assert not np.array_equal(two_moons(51, seed=1)[0], X)


def test_two_moons_without_noise_lie_on_their_half_circles():
    X, y = two_moons(40, noise=0.0, seed=2)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(upper[:, 1] >= 0) and np.all(lower[:, 1] <= 0.5)


def test_the_reference_run_learns():
    history = learning_curves(**REFERENCE, epochs=10)
    assert history["epoch"] == list(range(11))
    assert history["train_loss"][-1] < 0.7 * history["train_loss"][0]
    assert history["val_accuracy"][-1] > 0.8


def test_runs_are_reproducible_and_start_from_the_same_net():
    a = learning_curves(0.1, 16, epochs=3)
    b = learning_curves(0.1, 16, epochs=3)
    c = learning_curves(1.0, 64, epochs=3)
    assert a == b
    assert a["train_loss"][0] == c["train_loss"][0]
    assert a["train_loss"][-1] != c["train_loss"][-1]


def test_a_tiny_learning_rate_barely_moves_the_loss():
    history = learning_curves(1e-4, 200, epochs=5)
    assert abs(history["train_loss"][-1] - history["train_loss"][0]) < 1e-2


def test_plot_learning_curves_draws_training_and_validation():
    history = {"epoch": [0, 1, 2], "train_loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.6, 0.4]}
    fig, ax = plt.subplots()
    assert plot_learning_curves(history, ax=ax, label="run") is ax
    assert [line.get_label() for line in ax.lines] == ["run: training", "run: validation"]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [1.0, 0.5, 0.3])
    plt.close(fig)


def test_loss_axis_top_ignores_infinite_losses_and_stays_in_range():
    assert loss_axis_top({"train_loss": [0.5, 0.2]}) == 1.0
    assert loss_axis_top({"train_loss": [2.0, np.inf, np.nan]}) == 2.2
    assert loss_axis_top({"train_loss": [100.0]}) == 5.0


def test_explorer_figure_shows_reference_and_chosen_run():
    fig, ax = plt.subplots()
    draw_explorer_figure(0.05, 64, ax=ax)
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["reference: training", "reference: validation",
                      "η = 0.05, B = 64: training", "η = 0.05, B = 64: validation"]
    assert any("validation accuracy" in text.get_text() for text in ax.texts)
    plt.close(fig)


def test_widget_has_its_controls_and_redraws_on_change():
    explorer = training_explorer()
    assert isinstance(explorer, widgets.VBox)
    controls, image = explorer.children
    eta, batch = controls.children
    assert isinstance(eta, widgets.FloatLogSlider) and isinstance(image, Picture)
    assert image.alt and image.png[:4] == b"\x89PNG"
    assert eta.value == REFERENCE["learning_rate"] and batch.value == REFERENCE["batch_size"]
    assert tuple(batch.options) == BATCH_SIZES
    first = image.png
    eta.value = 1.0
    batch.value = 64
    assert image.png != first
    plt.close("all")
