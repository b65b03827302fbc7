"""SGD step and mini-batches: the update rule, a small step lowers the loss, every row once per
epoch, reproducible shuffles, the mini-batch gradient averages to the full gradient, clear errors."""

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnkit
from nnkit.optim import minibatch_indices, minibatches, sgd_step
from tests.strategies import seeds


def small_problem(seed=0, n=12):
    rng = np.random.default_rng(seed)
    net = nnkit.TwoLayerNet(3, 4, 3, activation="tanh", output="softmax", seed=seed)
    X = rng.normal(size=(n, 3))
    y = rng.integers(0, 3, size=n)
    return net, X, y


def test_sgd_step_is_theta_minus_alpha_times_gradient():
    params = {"W": np.array([[1.0, -2.0]]), "b": np.array([0.5])}
    grads = {"W": np.array([[0.5, 1.0]]), "b": np.array([-1.0])}
    new = sgd_step(params, grads, 0.1)
    np.testing.assert_allclose(new["W"], [[0.95, -2.1]])
    np.testing.assert_allclose(new["b"], [0.6])


def test_sgd_step_leaves_the_old_params_unchanged():
    net, X, y = small_problem()
    before = {name: value.copy() for name, value in net.params.items()}
    _, grads = net.loss_and_grads(X, y)
    sgd_step(net.params, grads, 0.5)
    for name in before:
        np.testing.assert_array_equal(net.params[name], before[name])


@settings(max_examples=30, deadline=None)
@given(seed=seeds)
def test_a_small_step_decreases_the_loss(seed):
    net, X, y = small_problem(seed)
    loss_before, grads = net.loss_and_grads(X, y)
    net.params = sgd_step(net.params, grads, 1e-3)
    loss_after, _ = net.loss_and_grads(X, y)
    assert loss_after < loss_before


def test_the_decrease_matches_the_first_order_prediction():
    # L(theta - alpha g) ~ L(theta) - alpha |g|^2 for small alpha.
    net, X, y = small_problem(3)
    loss_before, grads = net.loss_and_grads(X, y)
    alpha = 1e-4
    net.params = sgd_step(net.params, grads, alpha)
    loss_after, _ = net.loss_and_grads(X, y)
    predicted = alpha * sum(np.sum(g**2) for g in grads.values())
    np.testing.assert_allclose(loss_before - loss_after, predicted, rtol=1e-2)


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 60), batch_size=st.integers(1, 70), seed=seeds)
def test_every_index_exactly_once_per_epoch(n, batch_size, seed):
    batches = list(minibatch_indices(n, batch_size, seed=seed))
    assert np.array_equal(np.sort(np.concatenate(batches)), np.arange(n))
    assert all(len(b) == batch_size for b in batches[:-1])
    assert 1 <= len(batches[-1]) <= batch_size
    assert len(batches) == -(-n // batch_size)


def test_same_seed_same_order_and_different_seeds_differ():
    first = np.concatenate(list(minibatch_indices(50, 8, seed=7)))
    again = np.concatenate(list(minibatch_indices(50, 8, seed=7)))
    other = np.concatenate(list(minibatch_indices(50, 8, seed=8)))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_a_generator_gives_a_new_order_each_epoch_and_is_reproducible():
    def two_epochs(seed):
        rng = np.random.default_rng(seed)
        return [np.concatenate(list(minibatch_indices(30, 7, seed=rng))) for _ in range(2)]

    epoch_1, epoch_2 = two_epochs(0)
    assert not np.array_equal(epoch_1, epoch_2)
    for a, b in zip(two_epochs(0), (epoch_1, epoch_2)):
        np.testing.assert_array_equal(a, b)


def test_without_shuffle_the_batches_are_in_order():
    batches = list(minibatch_indices(7, 3, shuffle=False))
    assert [b.tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [6]]


def test_minibatches_keep_rows_of_x_and_y_paired():
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10)
    for X_batch, y_batch in minibatches(X, y, 3, seed=1):
        np.testing.assert_array_equal(X_batch[:, 0], 2 * y_batch)


def test_mini_batch_gradient_averages_to_the_full_gradient():
    # The mean over all subsets of size B of the mini-batch gradient is the full gradient.
    net, X, y = small_problem(5, n=8)
    _, full = net.loss_and_grads(X, y)
    subsets = list(combinations(range(8), 3))
    for name in full:
        mean = sum(net.loss_and_grads(X[list(s)], y[list(s)])[1][name] for s in subsets) / len(subsets)
        np.testing.assert_allclose(mean, full[name], atol=1e-12)


@pytest.mark.parametrize("bad", [0, -0.1, float("nan"), float("inf"), "0.1", None, True])
def test_bad_learning_rate_is_a_clear_error(bad):
    net, X, y = small_problem()
    _, grads = net.loss_and_grads(X, y)
    with pytest.raises(ValueError, match="learning_rate"):
        sgd_step(net.params, grads, bad)


def test_mismatched_params_and_grads_are_clear_errors():
    params = {"W": np.zeros((2, 2))}
    with pytest.raises(ValueError, match="same keys"):
        sgd_step(params, {"V": np.zeros((2, 2))}, 0.1)
    with pytest.raises(ValueError, match="shape"):
        sgd_step(params, {"W": np.zeros((2, 3))}, 0.1)


@pytest.mark.parametrize("n, batch_size", [(0, 2), (5, 0), (5, 2.5), (5, -1), (True, 2), (5, None)])
def test_bad_sizes_are_clear_errors(n, batch_size):
    with pytest.raises(ValueError, match="positive whole number"):
        list(minibatch_indices(n, batch_size))


def test_x_and_y_of_different_lengths_are_a_clear_error():
    with pytest.raises(ValueError, match="same number of rows"):
        list(minibatches(np.zeros((5, 2)), np.zeros(4), 2))
