"""Chapter 4's explorer: the pure functions behind it and the buttons, without a browser."""

import numpy as np
import pytest

from nnkit import course_graphs
from nnkit.widgets import backprop as w


def test_sweep_order():
    assert w.sweep_order("squared") == ["J", "y_hat", "z_O", "W_O_folded", "u_H", "z_H", "W_H_folded"]
    assert w.sweep_order("cross_entropy") == ["J", "z_O", "W_O_folded", "u_H", "z_H", "W_H_folded"]


@pytest.mark.parametrize("loss", ["squared", "cross_entropy"])
def test_state_reveals_gradients_in_order(loss):
    order = w.sweep_order(loss)
    _, grads = course_graphs.anchor_forward_backward(loss=loss)
    start = w.backprop_state(0, loss)
    assert start["grads"] == {} and start["current"] is None and "J =" in start["text"]
    for k in range(1, len(order) + 1):
        state = w.backprop_state(k, loss)
        assert list(state["grads"]) == order[:k]
        assert state["current"] == order[k - 1]
    final = w.backprop_state(len(order), loss)
    for name in order:
        np.testing.assert_allclose(final["grads"][name], grads[name])
    assert w.backprop_state(99, loss)["n_revealed"] == len(order)
    assert w.backprop_state(-3, loss)["n_revealed"] == 0


def test_explanations_show_the_numbers():
    texts = w.step_explanations("squared")
    assert set(texts) == set(w.sweep_order("squared"))
    assert "\N{MINUS SIGN}1.987" in texts["y_hat"]
    assert "0.006648" in texts["z_O"] and "\N{MINUS SIGN}0.01321" in texts["z_O"]
    assert "\N{MINUS SIGN}0.03962" in texts["W_O_folded"]
    assert "σ(zᴼ) − y" in w.step_explanations("cross_entropy")["z_O"]


def test_drawn_state_outlines_the_current_node():
    ax = w.draw_backprop_state(3)
    circles = {p.get_gid(): p for p in ax.patches if p.get_gid() and p.get_gid().startswith("node-")}
    assert circles["node-z_O"].get_linewidth() > circles["node-z_H"].get_linewidth()
    grads_drawn = {t.get_gid() for t in ax.texts if t.get_gid() and t.get_gid().startswith("grad-")}
    assert grads_drawn == {"grad-J", "grad-y_hat", "grad-z_O"}


def test_buttons_step_through_and_reset():
    stepper = w.BackpropStepper()
    assert stepper.n_revealed == 0 and stepper.back_button.disabled
    first_image = stepper.image.png
    assert first_image[:4] == b"\x89PNG"
    stepper.next_button.click()
    assert stepper.n_revealed == 1 and not stepper.back_button.disabled
    assert stepper.image.png != first_image
    for _ in range(10):
        stepper.next_button.click()
    assert stepper.n_revealed == 7 and stepper.next_button.disabled
    assert "outer product" in stepper.explanation.value
    stepper.back_button.click()
    assert stepper.n_revealed == 6
    stepper.loss_menu.value = "cross_entropy"
    assert stepper.n_revealed == 0
    stepper.reset_button.click()
    assert stepper.n_revealed == 0


def test_backprop_stepper_returns_a_widget():
    import ipywidgets

    assert isinstance(w.backprop_stepper(), ipywidgets.VBox)
