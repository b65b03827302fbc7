"""numerical_gradient and check_gradient."""

import numpy as np
import pytest
from hypothesis import given

import nnkit
from tests.strategies import arrays


@given(x=arrays((2, 3, 2)))
def test_numerical_gradient_of_a_quadratic_is_exact(x):
    weights = np.arange(x.size, dtype=float).reshape(x.shape)
    original = x.copy()
    grad = nnkit.numerical_gradient(lambda v: np.sum(weights * v**2), x)
    np.testing.assert_allclose(grad, 2 * weights * original, rtol=1e-6, atol=1e-5)
    np.testing.assert_array_equal(x, original)  # x is restored


def test_check_gradient_accepts_the_right_gradient():
    x = np.array([1.0, -2.0, 0.5])
    nnkit.check_gradient(lambda v: np.sum(np.sin(v)), np.cos(x), x)


def test_check_gradient_explains_a_wrong_gradient():
    x = np.array([1.0, -2.0, 0.5])
    with pytest.raises(AssertionError, match=r"worst entry \(1,\).*analytic.*numerical"):
        nnkit.check_gradient(lambda v: np.sum(v**3), 3 * x**2 * np.array([1, -1, 1]), x)


def test_check_gradient_reports_a_shape_mismatch():
    x = np.zeros((2, 2))
    with pytest.raises(AssertionError, match=r"shape \(4,\).*\(2, 2\)"):
        nnkit.check_gradient(lambda v: v.sum(), np.ones(4), x)


def test_numerical_gradient_needs_a_float_array():
    with pytest.raises(ValueError, match="float64"):
        nnkit.numerical_gradient(lambda v: v.sum(), np.array([1, 2]))
