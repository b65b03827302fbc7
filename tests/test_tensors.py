"""Gradient tensors: jacobian against known derivatives, the chain rule against jacobian of a composition."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnkit
from nnkit.tensors import chain_rule, chain_rule_subscripts, jacobian, linear_layer_jacobians
from tests.strategies import arrays, layer_sizes, seeds


def test_jacobian_of_a_vector_function():
    # f(x) = (sin x0 * x1, x1^2): the 2 x 2 Jacobian, outputs along rows.
    x = np.array([0.3, -1.2])
    expected = np.array([[np.cos(x[0]) * x[1], np.sin(x[0])], [0.0, 2 * x[1]]])
    result = jacobian(lambda v: np.array([np.sin(v[0]) * v[1], v[1] ** 2]), x)
    np.testing.assert_allclose(result, expected, atol=1e-8)


@given(x=arrays((2, 3)))
def test_jacobian_shape_is_output_shape_then_input_shape(x):
    # Y = X^T (shape (3, 2)): dY[a, b]/dX[c, d] = 1 exactly when (a, b) == (d, c).
    result = jacobian(lambda v: v.T, x)
    assert result.shape == (3, 2, 2, 3)
    expected = np.einsum("da,bc->abcd", np.eye(3), np.eye(2))
    np.testing.assert_allclose(result, expected, atol=1e-8)


@given(x=arrays((2, 2)))
def test_jacobian_of_a_scalar_function_is_the_gradient(x):
    original = x.copy()
    f = lambda v: np.sum(np.sin(v) * v)  # noqa: E731
    result = jacobian(f, x)
    assert result.shape == x.shape
    np.testing.assert_allclose(result, nnkit.numerical_gradient(f, x.copy()), atol=1e-9)
    np.testing.assert_array_equal(x, original)  # x is not changed


def test_chain_rule_subscripts():
    assert chain_rule_subscripts(1, 1, 1) == "ij,jk->ik"
    assert chain_rule_subscripts(0, 1, 2) == "j,jkp->kp"
    assert chain_rule_subscripts(2, 2, 0) == "iajd,jd->ia"
    with pytest.raises(ValueError):
        chain_rule_subscripts(5, 1, 1)


@given(seed=seeds, shapes=st.lists(st.lists(layer_sizes, min_size=0, max_size=2), min_size=3, max_size=3))
def test_chain_rule_matches_the_jacobian_of_the_composition(seed, shapes):
    # X -> Y = tanh(A . X) -> Z = B . Y^2, with A, B random tensors of any orders 0..2.
    x_shape, y_shape, z_shape = (tuple(s) for s in shapes)
    rng = np.random.default_rng(seed)
    A = rng.normal(size=y_shape + x_shape)
    B = rng.normal(size=z_shape + y_shape)
    x = rng.normal(size=x_shape)
    g = lambda v: np.tanh(np.tensordot(A, v, axes=len(x_shape)))  # noqa: E731
    h = lambda y: np.tensordot(B, y**2, axes=len(y_shape))  # noqa: E731
    composed = jacobian(lambda v: h(g(v)), x)
    via_chain = chain_rule(jacobian(h, g(x)), jacobian(g, x), y_order=len(y_shape))
    assert via_chain.shape == z_shape + x_shape
    np.testing.assert_allclose(via_chain, composed, atol=1e-6)


def test_chain_rule_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="last 1 axes"):
        chain_rule(np.zeros((2, 3)), np.zeros((4, 5)), y_order=1)


@given(seed=seeds, n_out=layer_sizes, n_in=layer_sizes)
def test_linear_layer_jacobians_match_central_differences(seed, n_out, n_in):
    rng = np.random.default_rng(seed)
    W, x, b = rng.normal(size=(n_out, n_in)), rng.normal(size=n_in), rng.normal(size=n_out)
    tensors = linear_layer_jacobians(W, x)
    assert tensors["W"].shape == (n_out, n_out, n_in)
    np.testing.assert_allclose(tensors["W"], jacobian(lambda V: V @ x + b, W), atol=1e-8)
    np.testing.assert_allclose(tensors["b"], jacobian(lambda c: W @ x + c, b), atol=1e-8)
    np.testing.assert_allclose(tensors["x"], jacobian(lambda v: W @ v + b, x), atol=1e-8)
