"""Activations: values against their definitions, derivatives against central differences."""

import numpy as np
import pytest
from hypothesis import assume, given

import nnkit
from nnkit.activations import ACTIVATIONS
from tests.strategies import arrays, huge_floats, matrices, moderate_floats

SMOOTH = ["sigmoid", "tanh", "identity"]


@pytest.mark.parametrize("name", SMOOTH + ["relu"])
@given(z=moderate_floats)
def test_derivative_matches_central_differences(name, z):
    function, derivative = ACTIVATIONS[name]
    if name == "relu":
        assume(abs(z) > 1e-3)  # no derivative at the kink
    x = np.array([z])
    nnkit.check_gradient(lambda v: function(v).sum(), derivative(x), x, name=f"{name}_derivative")


@given(z=moderate_floats)
def test_step_derivative_is_zero_away_from_the_jump(z):
    assume(abs(z) > 1e-3)
    x = np.array([z])
    numeric = nnkit.numerical_gradient(lambda v: nnkit.step(v).sum(), x)
    assert numeric[0] == 0.0 == nnkit.step_derivative(x)[0]


def test_step_is_one_at_zero():
    # the step, as chapter 1 defines it: g(z) = 1 if z >= 0.
    np.testing.assert_array_equal(nnkit.step([-1e-9, 0.0, 2.0]), [0.0, 1.0, 1.0])


@given(z=moderate_floats)
def test_sigmoid_matches_its_definition(z):
    assert nnkit.sigmoid(z) == pytest.approx(1.0 / (1.0 + np.exp(-z)), rel=1e-12)


def test_sigmoid_derivative_is_not_the_seed_formula():
    # the worksheet's table gives g'(z) = g(z)(1 - e^-z); the true derivative is g(z)(1 - g(z)).
    z = np.array([0.7])
    numeric = nnkit.numerical_gradient(lambda v: nnkit.sigmoid(v).sum(), z)
    seed_formula = nnkit.sigmoid(z) * (1 - np.exp(-z))
    assert not np.allclose(seed_formula, numeric, rtol=1e-3)
    np.testing.assert_allclose(nnkit.sigmoid_derivative(z), numeric, rtol=1e-6)


@given(z=moderate_floats)
def test_tanh_matches_its_definition(z):
    expected = (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    assert nnkit.tanh(z) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@given(z=huge_floats)
def test_activations_stay_finite_and_quiet_for_huge_inputs(z):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for function, derivative in ACTIVATIONS.values():
            assert np.isfinite(function(z)) and np.isfinite(derivative(z))
    assert 0.0 <= nnkit.sigmoid(z) <= 1.0


@given(z=matrices())
def test_softmax_rows_are_probabilities(z):
    p = nnkit.softmax(z)
    assert p.shape == z.shape
    assert np.all(p >= 0)
    # Each ROW sums to 1: the lecture notes' code divides by the wrong sums.
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)


@given(z=matrices(), shift=moderate_floats)
def test_softmax_ignores_a_constant_added_to_a_row(z, shift):
    np.testing.assert_allclose(nnkit.softmax(z + shift), nnkit.softmax(z), rtol=1e-9, atol=1e-12)


def test_softmax_matches_definition_on_a_non_square_batch():
    z = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]])
    expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(nnkit.softmax(z), expected, rtol=1e-12)


@given(z=matrices(elements=huge_floats))
def test_softmax_and_logsumexp_are_finite_for_huge_logits(z):
    with np.errstate(over="raise"):
        assert np.all(np.isfinite(nnkit.softmax(z)))
        assert np.all(np.isfinite(nnkit.logsumexp(z)))


@given(z=arrays((3, 4)))
def test_logsumexp_matches_definition(z):
    np.testing.assert_allclose(nnkit.logsumexp(z), np.log(np.exp(z).sum(axis=-1)), rtol=1e-12)


@given(z=arrays((2, 3)))
def test_logsumexp_gradient_is_softmax(z):
    x = z.copy()
    nnkit.check_gradient(lambda v: nnkit.logsumexp(v).sum(), nnkit.softmax(x), x, name="d logsumexp / dz")
