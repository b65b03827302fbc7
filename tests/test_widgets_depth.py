"""Chapter 6's explorer: the gradient sizes it computes, the figure, and the widget's labelled controls."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

import nnkit
from nnkit import deepnet
from nnkit.widgets import depth as depth_module
from nnkit.widgets.picture import Picture
from nnkit.widgets.depth import (
    INIT_LABELS,
    digits_batch,
    depth_explorer,
    draw_explorer_figure,
    gradient_profile,
    plot_gradient_profile,
)


def test_the_profile_is_the_norm_of_each_weight_gradient():
    X, y = digits_batch()
    assert X.shape == (200, 64) and y.shape == (200,)
    assert np.allclose(X.mean(axis=0), 0.0) and set(np.unique(y)) <= set(range(10))
    sizes = gradient_profile(3, "tanh", "scaled", seed=4)
    params = deepnet.init_params([64, 32, 32, 10], init="scaled", seed=4)
    _, grads = deepnet.loss_and_grads(X, y, params, "tanh")
    assert sizes.shape == (3,)
    assert np.allclose(sizes, [np.linalg.norm(dW) for dW, _ in grads])
    # one entry checked against central differences, through nnkit.numerical_gradient
    W1 = params[0][0].copy()
    numeric = nnkit.numerical_gradient(
        lambda W: deepnet.loss_and_grads(X[:20], y[:20], [(W, params[0][1]), *params[1:]], "tanh")[0], W1)
    _, small = deepnet.loss_and_grads(X[:20], y[:20], params, "tanh")
    assert np.allclose(numeric, small[0][0], atol=1e-7)


def test_sigmoid_gradients_vanish_and_relu_with_scaled_weights_keeps_them():
    sigmoid = gradient_profile(8, "sigmoid", "scaled")
    relu = gradient_profile(8, "relu", "scaled")
    assert sigmoid[0] / sigmoid[-1] < 1e-3  # (1/4)^7 ≈ 6e-5
    assert np.all(np.diff(np.log(sigmoid)) > 0), "each layer back should be smaller"
    assert 0.2 < relu[0] / relu[-1] < 5
    assert gradient_profile(8, "relu", "unit").min() > 1e3  # unscaled weights: exploding gradients


def test_bad_depth_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="depth must be"):
        gradient_profile(0, "relu", "scaled")


def test_plot_and_explorer_figure():
    fig, ax = plt.subplots()
    assert plot_gradient_profile(np.array([1e-4, 1e-2, 1.0]), ax=ax, label="run") is ax
    assert ax.get_yscale() == "log" and list(ax.lines[0].get_xdata()) == [1, 2, 3]
    plt.close(fig)
    fig, ax = plt.subplots()
    draw_explorer_figure(5, "sigmoid", "he", ax=ax)
    assert [line.get_label() for line in ax.lines] == ["reference: relu, 1/√n", "sigmoid, init he"]
    assert any("layer 1 / layer 5" in text.get_text() for text in ax.texts)
    plt.close(fig)


def test_widget_has_labelled_controls_and_redraws_on_change(monkeypatch):
    drawn = []
    monkeypatch.setattr(depth_module, "draw_explorer_figure", lambda *args, ax: drawn.append(args))
    explorer = depth_explorer()
    assert isinstance(explorer, widgets.VBox)
    controls, image = explorer.children
    depth, activation, init = controls.children
    assert isinstance(depth, widgets.IntSlider) and isinstance(image, Picture) and image.alt
    assert all(control.description for control in controls.children)
    assert set(dict(init.options).values()) == set(INIT_LABELS.values()) == set(deepnet.INITS)
    depth.value = 12
    activation.value = "relu"
    init.value = "unit"
    assert drawn == [(8, "sigmoid", "scaled"), (12, "sigmoid", "scaled"), (12, "relu", "scaled"), (12, "relu", "unit")]
    plt.close("all")
