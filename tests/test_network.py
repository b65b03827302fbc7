"""TwoLayerNet: forward pass against the per-sample equations, every gradient against central
differences, edge cases, and clear errors for bad input."""

import numpy as np
import pytest
from hypothesis import assume, given, settings

import nnkit
from nnkit.network import HIDDEN_ACTIVATIONS, OUTPUTS
from tests.strategies import batch_sizes, class_counts, layer_sizes, seeds


def make_net_and_data(activation, output, n, n_in, n_hidden, n_out, seed):
    """A net with random weights and biases, and a batch (X, y) of n samples that fits it."""
    if output == "softmax":
        n_out = max(n_out, 2)
    rng = np.random.default_rng(seed)
    net = nnkit.TwoLayerNet(n_in, n_hidden, n_out, activation=activation, output=output, seed=seed)
    net.params["b1"] = rng.normal(size=n_hidden)
    net.params["b2"] = rng.normal(size=n_out)
    X = rng.normal(size=(n, n_in))
    if output == "identity":
        y = rng.normal(size=(n, n_out))
    elif output == "sigmoid":
        net = nnkit.TwoLayerNet(n_in, n_hidden, 1, activation=activation, output=output, seed=seed)
        y = rng.integers(0, 2, size=n)
    else:
        y = rng.integers(0, n_out, size=n)
    return net, X, y


def loss_as_function_of(net, name, X, y):
    """The loss as a function of one parameter array, for central differences."""

    def loss(value):
        saved = net.params[name]
        net.params[name] = value
        try:
            return net.loss_and_grads(X, y)[0]
        finally:
            net.params[name] = saved

    return loss


@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@settings(max_examples=25, deadline=None)
@given(n=batch_sizes, n_in=layer_sizes, n_hidden=layer_sizes, n_out=class_counts, seed=seeds)
def test_every_gradient_matches_central_differences(activation, output, n, n_in, n_hidden, n_out, seed):
    net, X, y = make_net_and_data(activation, output, n, n_in, n_hidden, n_out, seed)
    # ReLU and step have no derivative at 0: keep the hidden pre-activations away from it.
    assume(np.min(np.abs(net.trace(X)["z_hidden"])) > 1e-3)
    _, grads = net.loss_and_grads(X, y)
    assert set(grads) == set(net.params)
    for name in net.params:
        assert grads[name].shape == net.params[name].shape
        x = np.array(net.params[name], dtype=float)
        nnkit.check_gradient(loss_as_function_of(net, name, X, y), grads[name], x, name=f"d loss / d {name}")


@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@given(n=batch_sizes, n_in=layer_sizes, n_hidden=layer_sizes, n_out=class_counts, seed=seeds)
def test_forward_matches_the_per_sample_equations(activation, output, n, n_in, n_hidden, n_out, seed):
    """Chapter 1's per-unit equations, one sample and one unit at a time, against the batch form."""
    net, X, _ = make_net_and_data(activation, output, n, n_in, n_hidden, n_out, seed)
    W1, b1, W2, b2 = (net.params[k] for k in ("W1", "b1", "W2", "b2"))
    g_act = getattr(nnkit, activation)
    g_out = {"identity": nnkit.identity, "sigmoid": nnkit.sigmoid, "softmax": nnkit.softmax}[output]
    for i in range(n):
        z_h = [sum(W1[j, k] * X[i, k] for k in range(W1.shape[1])) + b1[j] for j in range(W1.shape[0])]
        u_h = g_act(np.array(z_h))
        z_o = [sum(W2[j, k] * u_h[k] for k in range(W2.shape[1])) + b2[j] for j in range(W2.shape[0])]
        np.testing.assert_allclose(net.forward(X)[i], g_out(np.array(z_o)), rtol=1e-10, atol=1e-12)


def test_anchor_forward_pass():
    # x = (2, 5); the folded W~^H = [[2, 3, -1], [-1, -3, 1]] and W~^O = [1, -2, 2] have the biases in column 0.
    net = nnkit.TwoLayerNet(2, 2, 1, activation="relu", output="sigmoid")
    net.params = {"W1": np.array([[3.0, -1.0], [-3.0, 1.0]]), "b1": np.array([2.0, -1.0]),
                  "W2": np.array([[-2.0, 2.0]]), "b2": np.array([1.0])}
    steps = net.trace(np.array([[2.0, 5.0]]))
    np.testing.assert_allclose(steps["z_hidden"], [[3.0, -2.0]])
    np.testing.assert_allclose(steps["u_hidden"], [[3.0, 0.0]])
    np.testing.assert_allclose(steps["z_out"], [[-5.0]])
    assert steps["u_out"][0, 0] == pytest.approx(1 / (1 + np.exp(5.0)))
    assert net.num_params() == 9


@given(n_in=layer_sizes, n_hidden=layer_sizes, n_out=layer_sizes)
def test_num_params(n_in, n_hidden, n_out):
    net = nnkit.TwoLayerNet(n_in, n_hidden, n_out)
    assert net.num_params() == n_hidden * (n_in + 1) + n_out * (n_hidden + 1)


def test_outputs_are_probabilities():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 3)) * 50
    probs = nnkit.TwoLayerNet(3, 4, 5, output="softmax", seed=1).forward(X)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    p = nnkit.TwoLayerNet(3, 4, 1, output="sigmoid", seed=1).forward(X)
    assert p.shape == (6, 1) and np.all((p >= 0) & (p <= 1))


def test_the_same_seed_gives_the_same_net():
    a, b = nnkit.TwoLayerNet(3, 4, 2, seed=7), nnkit.TwoLayerNet(3, 4, 2, seed=7)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_single_sample_single_hidden_unit(activation):
    net, X, y = make_net_and_data(activation, "identity", 1, 2, 1, 1, seed=3)
    assume_kink_free = np.abs(net.trace(X)["z_hidden"]).min() > 1e-3
    assert assume_kink_free
    _, grads = net.loss_and_grads(X, y)
    for name in net.params:
        nnkit.check_gradient(loss_as_function_of(net, name, X, y), grads[name], np.array(net.params[name]))


def test_softmax_with_two_classes_matches_sigmoid_with_one_logit():
    """Softmax over (0, t) is sigmoid(t): the K = 2 edge case agrees with binary classification."""
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(4, 3)), np.array([0, 1, 1, 0])
    binary = nnkit.TwoLayerNet(3, 2, 1, output="sigmoid", seed=2)
    two_class = nnkit.TwoLayerNet(3, 2, 2, output="softmax", seed=2)
    two_class.params = {"W1": binary.params["W1"], "b1": binary.params["b1"],
                        "W2": np.vstack([np.zeros(2), binary.params["W2"]]), "b2": np.array([0.0, 0.0])}
    np.testing.assert_allclose(two_class.forward(X)[:, 1], binary.forward(X)[:, 0])
    assert two_class.loss_and_grads(X, y)[0] == pytest.approx(binary.loss_and_grads(X, y)[0])


@pytest.mark.parametrize("output", list(OUTPUTS))
def test_huge_logits_give_finite_loss_and_gradients(output):
    net, X, y = make_net_and_data("relu", output, 4, 2, 3, 3, seed=11)
    net.params["W2"] = net.params["W2"] * 1e4
    loss, grads = net.loss_and_grads(X * 100, y)
    assert np.isfinite(loss) and all(np.all(np.isfinite(g)) for g in grads.values())


def test_binary_labels_may_be_a_column_or_a_vector():
    net, X, y = make_net_and_data("tanh", "sigmoid", 5, 2, 3, 1, seed=4)
    assert net.loss_and_grads(X, y)[0] == pytest.approx(net.loss_and_grads(X, y.reshape(-1, 1))[0])


def test_params_may_be_replaced_whole():
    net = nnkit.TwoLayerNet(2, 2, 1)
    net.params = {"W1": np.eye(2), "b1": np.zeros(2), "W2": np.ones((1, 2)), "b2": np.zeros(1)}
    np.testing.assert_allclose(net.forward(np.array([[1.0, 2.0]])), [[3.0]])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(activation="softplus"), "unknown activation 'softplus'; choose one of sigmoid, relu, tanh, step"),
        (dict(output="linear"), "unknown output 'linear'"),
        (dict(n_hidden=0), "n_hidden must be a positive whole number"),
        (dict(n_in=2.5), "n_in must be a positive whole number"),
        (dict(output="softmax", n_out=1), "softmax output needs n_out >= 2"),
    ],
)
def test_bad_construction_is_a_clear_value_error(kwargs, message):
    args = dict(n_in=2, n_hidden=3, n_out=2) | kwargs
    with pytest.raises(ValueError, match=message):
        nnkit.TwoLayerNet(**args)


def test_bad_inputs_are_clear_value_errors():
    net = nnkit.TwoLayerNet(3, 2, 4, output="softmax")
    with pytest.raises(ValueError, match=r"X must have shape \(N, 3\).*got shape \(2, 4\)"):
        net.forward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"x.reshape\(1, -1\)"):
        net.forward(np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        net.forward(np.array([[0.0, np.nan, 1.0]]))
    with pytest.raises(ValueError, match=r"labels in 0\.\.3"):
        net.loss_and_grads(np.zeros((2, 3)), [0, 4])
    net.params["W2"] = np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"params\['W2'\] must have shape \(4, 2\); got shape \(2, 4\)"):
        net.forward(np.zeros((1, 3)))


def test_bad_regression_targets_are_a_clear_value_error():
    net = nnkit.TwoLayerNet(2, 2, 3)
    with pytest.raises(ValueError, match=r"y must have shape \(2, 3\); got shape \(3, 2\)"):
        net.loss_and_grads(np.zeros((2, 2)), np.zeros((3, 2)))
