"""Losses from logits: values against their definitions, gradients against central differences,
stability for huge logits, and clear errors for bad targets."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnkit
from tests.strategies import arrays, batch_sizes, class_counts, huge_floats, layer_sizes, seeds


def random_targets(kind: str, n: int, k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "squared":
        return rng.normal(size=(n, k))
    if kind == "binary":
        return rng.integers(0, 2, size=n).astype(float)
    return rng.integers(0, k, size=n)


LOSSES = {
    "squared": nnkit.squared_error,
    "binary": nnkit.binary_cross_entropy,
    "categorical": nnkit.categorical_cross_entropy,
}


def logit_shape(kind: str, n: int, k: int) -> tuple[int, ...]:
    return (n, 1) if kind == "binary" else (n, k)


@pytest.mark.parametrize("kind", LOSSES)
@given(n=batch_sizes, k=class_counts, seed=seeds, data=st.data())
def test_gradient_matches_central_differences(kind, n, k, seed, data):
    z = data.draw(arrays(logit_shape(kind, n, k)))
    y = random_targets(kind, n, k, seed)
    loss_fn = LOSSES[kind]
    _, dz = loss_fn(z, y)
    nnkit.check_gradient(lambda v: loss_fn(v, y)[0], dz, z.copy(), name=f"d {kind} / dz")


@given(n=batch_sizes, k=layer_sizes, seed=seeds)
def test_squared_error_is_the_mean_of_row_sums(n, k, seed):
    rng = np.random.default_rng(seed)
    z, y = rng.normal(size=(n, k)), rng.normal(size=(n, k))
    expected = np.mean([np.sum((z[i] - y[i]) ** 2) for i in range(n)])
    assert nnkit.squared_error(z, y)[0] == pytest.approx(expected, rel=1e-12)


@given(n=batch_sizes, seed=seeds)
def test_binary_cross_entropy_is_minus_log_likelihood(n, seed):
    rng = np.random.default_rng(seed)
    z, y = rng.normal(size=(n, 1)), rng.integers(0, 2, size=n)
    p = 1 / (1 + np.exp(-z[:, 0]))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert nnkit.binary_cross_entropy(z, y)[0] == pytest.approx(expected, rel=1e-9)


@given(n=batch_sizes, k=class_counts, seed=seeds)
def test_categorical_cross_entropy_is_minus_log_probability(n, k, seed):
    rng = np.random.default_rng(seed)
    z, y = rng.normal(size=(n, k)), rng.integers(0, k, size=n)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(p[np.arange(n), y]))
    assert nnkit.categorical_cross_entropy(z, y)[0] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("kind", LOSSES)
@given(n=batch_sizes, k=class_counts, seed=seeds, data=st.data())
def test_huge_logits_give_finite_loss_and_gradient(kind, n, k, seed, data):
    z = data.draw(arrays(logit_shape(kind, n, k), elements=huge_floats))
    loss, dz = LOSSES[kind](z, random_targets(kind, n, k, seed))
    assert np.isfinite(loss) and np.all(np.isfinite(dz))


def test_huge_logits_give_the_exact_limits():
    # ln(1 + e^1000) - 0 * 1000 = 1000, and the confident right answer costs nothing.
    assert nnkit.binary_cross_entropy([[1000.0]], [0])[0] == pytest.approx(1000.0)
    assert nnkit.binary_cross_entropy([[1000.0]], [1])[0] == pytest.approx(0.0, abs=1e-12)
    assert nnkit.categorical_cross_entropy([[1000.0, -1000.0]], [1])[0] == pytest.approx(2000.0)
    np.testing.assert_allclose(nnkit.categorical_cross_entropy([[1000.0, -1000.0]], [1])[1], [[1.0, -1.0]])


def test_losses_are_means_over_rows():
    z = np.array([[0.3, -1.2, 2.0]])
    for loss_fn, y in [(nnkit.squared_error, np.array([[1.0, 0.0, 0.5]])), (nnkit.categorical_cross_entropy, [2])]:
        single, _ = loss_fn(z, y)
        doubled, _ = loss_fn(np.vstack([z, z]), np.concatenate([y, y]))
        assert doubled == pytest.approx(single)


def test_one_hot():
    np.testing.assert_array_equal(nnkit.one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])


@pytest.mark.parametrize(
    "labels, message",
    [([0, 3], r"labels in 0\.\.2"), ([0, -1], r"labels in 0\.\.2"), ([0.5, 1], "non-integers"), ([0, 1, 1], r"shape \(2,\)")],
)
def test_categorical_rejects_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        nnkit.categorical_cross_entropy(np.zeros((2, 3)), labels)


def test_binary_rejects_bad_labels():
    with pytest.raises(ValueError, match="0 or 1"):
        nnkit.binary_cross_entropy(np.zeros((2, 1)), [0, 2])
    with pytest.raises(ValueError, match="one label per logit"):
        nnkit.binary_cross_entropy(np.zeros((2, 1)), [0, 1, 1])


def test_squared_error_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"same shape.*\(2, 3\).*\(3, 2\)"):
        nnkit.squared_error(np.zeros((2, 3)), np.zeros((3, 2)))
