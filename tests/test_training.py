"""The training loop: it learns a separable set, records one entry per epoch, is reproducible with
a seed, reports divergence, prints progress on request, and rejects bad arguments clearly."""

import numpy as np
import pytest

import nnkit
from nnkit.training import accuracy, evaluate, predict_classes, progress_line, train


def separable_blobs(n=60, seed=0):
    """Two well separated clusters: label 1 around (2, 2), label 0 around (-2, -2)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(scale=0.5, size=(n, 2)) + np.where(y[:, None] == 1, 2.0, -2.0)
    return X, y


def xor_points():
    """The four XOR corners, repeated: not linearly separable."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 5)
    y = np.array([0, 1, 1, 0] * 5)
    return X, y


def test_training_reaches_full_accuracy_on_a_separable_set():
    X, y = separable_blobs()
    net = nnkit.TwoLayerNet(2, 4, 1, activation="tanh", output="sigmoid", seed=0)
    history = train(net, X, y, epochs=20, batch_size=8, learning_rate=0.5, seed=0)
    assert history["train_accuracy"][-1] == 1.0
    assert history["train_loss"][-1] < 0.5 * history["train_loss"][0]


def test_a_hidden_layer_learns_xor_with_softmax_output():
    X, y = xor_points()
    net = nnkit.TwoLayerNet(2, 8, 2, activation="tanh", output="softmax", seed=1)
    history = train(net, X, y, epochs=300, batch_size=4, learning_rate=0.5, seed=1)
    assert accuracy(net, X, y) == 1.0
    assert not history["diverged"]


def test_history_has_one_entry_per_epoch_starting_before_training():
    X, y = separable_blobs()
    X_val, y_val = separable_blobs(seed=1)
    net = nnkit.TwoLayerNet(2, 3, 1, activation="relu", output="sigmoid", seed=0)
    history = train(net, X, y, epochs=5, batch_size=16, learning_rate=0.1, X_val=X_val, y_val=y_val, seed=0)
    assert history["epoch"] == [0, 1, 2, 3, 4, 5]
    for key in ("train_loss", "train_accuracy", "val_loss", "val_accuracy"):
        assert len(history[key]) == 6, key
    assert history["diverged"] is False
    # The recorded numbers are the ones evaluate gives for the final params.
    assert history["val_loss"][-1] == pytest.approx(evaluate(net, X_val, y_val)["loss"])
    assert history["val_accuracy"][-1] == accuracy(net, X_val, y_val)


def test_a_regression_net_records_losses_only():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = X @ np.array([[1.0], [-2.0]]) + 0.5
    net = nnkit.TwoLayerNet(2, 5, 1, activation="tanh", output="identity", seed=0)
    history = train(net, X, y, epochs=30, batch_size=5, learning_rate=0.05, seed=0)
    assert "train_accuracy" not in history
    assert history["train_loss"][-1] < 0.2 * history["train_loss"][0]


def test_same_seed_gives_the_same_run():
    X, y = separable_blobs()
    runs = []
    for _ in range(2):
        net = nnkit.TwoLayerNet(2, 4, 1, activation="tanh", output="sigmoid", seed=3)
        runs.append((train(net, X, y, epochs=3, batch_size=7, learning_rate=0.3, seed=9), net.params))
    assert runs[0][0] == runs[1][0]
    for name in runs[0][1]:
        np.testing.assert_array_equal(runs[0][1][name], runs[1][1][name])


def test_full_batch_training_is_plain_gradient_descent():
    X, y = separable_blobs(n=20)
    net = nnkit.TwoLayerNet(2, 3, 1, activation="tanh", output="sigmoid", seed=0)
    by_hand = nnkit.TwoLayerNet(2, 3, 1, activation="tanh", output="sigmoid", seed=0)
    train(net, X, y, epochs=3, batch_size=100, learning_rate=0.2, seed=0)
    for _ in range(3):
        _, grads = by_hand.loss_and_grads(X, y)
        by_hand.params = {name: by_hand.params[name] - 0.2 * grads[name] for name in grads}
    for name in net.params:
        np.testing.assert_allclose(net.params[name], by_hand.params[name], rtol=1e-12)


def test_divergence_stops_training_and_is_reported():
    X, y = separable_blobs()
    y_float = y.reshape(-1, 1) * 1e3
    net = nnkit.TwoLayerNet(2, 4, 1, activation="relu", output="identity", seed=0)
    history = train(net, X * 100, y_float, epochs=50, batch_size=60, learning_rate=10.0, seed=0)
    assert history["diverged"] is True
    assert len(history["epoch"]) < 51
    assert not np.isfinite(history["train_loss"][-1])


def test_progress_prints_about_ten_lines(capsys):
    X, y = separable_blobs()
    net = nnkit.TwoLayerNet(2, 3, 1, activation="tanh", output="sigmoid", seed=0)
    train(net, X, y, epochs=40, batch_size=20, learning_rate=0.1, seed=0, progress=True)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 10
    assert lines[-1].startswith("epoch 40/40") and "train loss" in lines[-1] and "acc" in lines[-1]


def test_progress_line_names_every_recorded_number():
    history = {"epoch": [0, 1], "train_loss": [1.0, 0.5], "train_accuracy": [0.5, 0.75],
               "val_loss": [1.1, 0.6], "val_accuracy": [0.4, 0.7]}
    line = progress_line(history, 10)
    assert line.startswith("epoch  1/10")
    for text in ("train loss 0.5000", "acc 0.750", "val loss 0.6000", "acc 0.700"):
        assert text in line


def test_predicted_classes():
    net = nnkit.TwoLayerNet(2, 3, 4, activation="relu", output="softmax", seed=0)
    X = np.random.default_rng(0).normal(size=(6, 2))
    np.testing.assert_array_equal(predict_classes(net, X), np.argmax(net.forward(X), axis=1))
    binary = nnkit.TwoLayerNet(2, 3, 1, activation="relu", output="sigmoid", seed=0)
    np.testing.assert_array_equal(predict_classes(binary, X), (binary.forward(X)[:, 0] >= 0.5).astype(int))
    regression = nnkit.TwoLayerNet(2, 3, 1, output="identity", seed=0)
    with pytest.raises(ValueError, match="regression"):
        predict_classes(regression, X)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"epochs": 0}, "epochs"),
        ({"epochs": 2.0}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"X_val": np.zeros((3, 2))}, "both X_val and y_val"),
        ({"y_train": np.zeros(5)}, "N rows"),
        ({"X_train": np.zeros(60)}, "shape"),
    ],
)
def test_bad_arguments_are_clear_errors(changes, message):
    X, y = separable_blobs()
    arguments = {"X_train": X, "y_train": y, "epochs": 2, "batch_size": 8, "learning_rate": 0.1}
    arguments.update(changes)
    net = nnkit.TwoLayerNet(2, 3, 1, activation="tanh", output="sigmoid", seed=0)
    with pytest.raises(ValueError, match=message):
        train(net, **arguments)
