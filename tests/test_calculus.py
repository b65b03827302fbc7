"""nnkit.calculus: numerical derivatives and the chord check for convexity."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnkit
from nnkit.calculus import chord_gap, derivative, smallest_chord_gap
from tests.strategies import arrays, moderate_floats

unit_interval = st.floats(min_value=0.0, max_value=1.0)


@given(x=arrays((4,)))
def test_derivative_of_sin_is_cos(x):
    np.testing.assert_allclose(derivative(np.sin, x), np.cos(x), atol=1e-8)


@given(x=arrays((2, 3)))
def test_derivative_keeps_the_shape_and_agrees_with_numerical_gradient(x):
    def cube_sum(v):
        return np.sum(v**3)

    expected = nnkit.numerical_gradient(cube_sum, x.copy())
    result = derivative(lambda v: v**3, x)
    assert result.shape == x.shape
    np.testing.assert_allclose(result, expected, rtol=1e-6, atol=1e-6)


def test_derivative_of_a_scalar_point_is_a_scalar_array():
    assert derivative(np.exp, 0.0).shape == ()
    assert derivative(np.exp, 0.0) == pytest.approx(1.0, abs=1e-8)


@given(x1=moderate_floats, x2=moderate_floats, alpha=unit_interval)
def test_chord_gap_of_a_parabola_is_never_negative(x1, x2, alpha):
    # For f(x) = x^2 the gap is exactly alpha (1 - alpha) (x1 - x2)^2.
    gap = chord_gap(np.square, x1, x2, alpha)
    assert gap == pytest.approx(alpha * (1 - alpha) * (x1 - x2) ** 2, abs=1e-9)
    assert gap >= -1e-12


@given(x1=arrays((3,)), x2=arrays((3,)), alpha=unit_interval)
def test_chord_gap_of_a_linear_function_is_zero(x1, x2, alpha):
    w = np.array([1.0, -2.0, 0.5])
    assert chord_gap(lambda x: w @ x, x1, x2, alpha) == pytest.approx(0.0, abs=1e-9)


def test_chord_gap_is_zero_at_the_ends():
    assert chord_gap(np.sin, 0.3, 2.0, 1.0) == pytest.approx(0.0, abs=1e-15)
    assert chord_gap(np.sin, 0.3, 2.0, 0.0) == pytest.approx(0.0, abs=1e-15)


def test_smallest_chord_gap_finds_where_sin_bends_down():
    gap, k, alpha = smallest_chord_gap(np.sin, [np.pi, 0.0], [2 * np.pi, np.pi], alphas=[0.25, 0.5, 0.75])
    # On [0, pi] sin lies above its chord (the chord is 0): the gap is -sin(pi / 2) = -1 at alpha = 0.5.
    assert (k, alpha) == (1, 0.5)
    assert gap == pytest.approx(-1.0)


def test_smallest_chord_gap_of_a_convex_function_is_not_negative():
    rng = np.random.default_rng(0)
    starts, ends = rng.normal(size=(20, 4)), rng.normal(size=(20, 4))
    gap, _, _ = smallest_chord_gap(lambda x: np.sum(np.exp(x)), list(starts), list(ends))
    assert gap >= -1e-12


def test_smallest_chord_gap_needs_matching_ends():
    with pytest.raises(ValueError, match="as many chord starts as ends"):
        smallest_chord_gap(np.sin, [0.0, 1.0], [1.0])
