"""Chapter 3's explorer: the shapes and einsum strings it shows are right, the picture and widget build."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings

from nnkit.tensors import jacobian
from nnkit.widgets.linear_layer import (
    SELECTED_FILL,
    draw_linear_layer_gradient,
    linear_layer_explorer,
    linear_layer_shapes,
    shapes_table_html,
    weight_entry_masks,
)
from tests.strategies import batch_sizes, layer_sizes, seeds


@settings(max_examples=25)
@given(seed=seeds, B=batch_sizes, N=layer_sizes, M=layer_sizes)
def test_every_einsum_string_computes_a_tensor_of_the_stated_shape_and_value(seed, B, N, M):
    rng = np.random.default_rng(seed)
    X, W, b, delta = rng.normal(size=(B, N)), rng.normal(size=(M, N)), rng.normal(size=M), rng.normal(size=(B, M))
    rows = {row["name"]: row for row in linear_layer_shapes(B, N, M)}
    subscripts = {name: row["einsum"].split()[0] for name, row in rows.items() if row["einsum"]}

    # The gradient tensors of Z = X W^T + b, against central differences.
    dZ_dW = jacobian(lambda V: X @ V.T + b, W)
    dZ_db = jacobian(lambda c: X @ W.T + c, b)
    dZ_dX = jacobian(lambda V: V @ W.T + b, X)
    np.testing.assert_allclose(np.einsum(subscripts["∂Z/∂W"], np.eye(M), X), dZ_dW, atol=1e-8)
    np.testing.assert_allclose(np.einsum(subscripts["∂Z/∂b"], np.ones(B), np.eye(M)), dZ_db, atol=1e-8)
    np.testing.assert_allclose(np.einsum(subscripts["∂Z/∂X"], np.eye(B), W), dZ_dX, atol=1e-8)
    for name, tensor in [("∂Z/∂W", dZ_dW), ("∂Z/∂b", dZ_db), ("∂Z/∂X", dZ_dX)]:
        assert tensor.shape == rows[name]["shape"]

    # dJ/dW etc. for J = sum(delta * Z), whose dJ/dZ is delta: chain rule and shortcut agree.
    J = lambda X_, W_, b_: np.sum(delta * (X_ @ W_.T + b_))  # noqa: E731
    expected = {
        "W": jacobian(lambda V: J(X, V, b), W),
        "b": jacobian(lambda c: J(X, W, c), b),
        "X": jacobian(lambda V: J(V, W, b), X),
    }
    chain = {
        "W": np.einsum(subscripts["∂J/∂W  (chain rule)"], delta, dZ_dW),
        "b": np.einsum(subscripts["∂J/∂b  (chain rule)"], delta, dZ_db),
        "X": np.einsum(subscripts["∂J/∂X  (chain rule)"], delta, dZ_dX),
    }
    shortcut = {
        "W": np.einsum(subscripts["∂J/∂W  (shortcut)"], delta, X),
        "b": np.einsum(subscripts["∂J/∂b  (shortcut)"], delta),
        "X": np.einsum(subscripts["∂J/∂X  (shortcut)"], delta, W),
    }
    for key in expected:
        np.testing.assert_allclose(chain[key], expected[key], atol=1e-6)
        np.testing.assert_allclose(shortcut[key], expected[key], atol=1e-6)
        assert shortcut[key].shape == rows[f"∂J/∂{key}  (shortcut)"]["shape"]


def test_entries_are_the_product_of_the_shape():
    for row in linear_layer_shapes(4, 3, 2):
        assert row["entries"] == int(np.prod(row["shape"]))
    assert {row["name"]: row["entries"] for row in linear_layer_shapes(4, 3, 2)}["∂Z/∂X"] == 4 * 2 * 4 * 3


def test_shapes_table_html_lists_every_tensor():
    table = shapes_table_html(2, 3, 4)
    assert table.count("<tr>") == len(linear_layer_shapes(2, 3, 4)) + 1
    assert "(2, 4, 4, 3)" in table and "&gt;" in table  # "->" is escaped


@given(seed=seeds, M=layer_sizes, N=layer_sizes)
def test_weight_entry_masks_match_the_numerical_gradient_tensor(seed, M, N):
    rng = np.random.default_rng(seed)
    W, x = rng.normal(size=(M, N)), rng.normal(size=N) + 3.0  # x_j != 0, so "can be non-zero" means "is"
    row, col = int(rng.integers(M)), int(rng.integers(N))
    masks = weight_entry_masks(M, N, row, col)
    dz_dW = jacobian(lambda V: V @ x, W)
    np.testing.assert_array_equal(np.abs(dz_dW) > 1e-6, masks["nonzero"])
    assert masks["selected"].sum() == M  # one derivative per output z_i
    assert list(zip(*np.nonzero(masks["selected_nonzero"]))) == [(row, row, col)]


def test_weight_entry_masks_reject_an_entry_outside_W():
    with pytest.raises(ValueError, match=r"W\[2, 0\]"):
        weight_entry_masks(2, 3, 2, 0)


def test_the_picture_marks_the_chosen_weight_in_W_and_in_the_gradient_tensor():
    ax = draw_linear_layer_gradient(n_in=3, n_out=2, row=1, col=2)
    dark = [p for p in ax.patches if p.get_facecolor()[:3] == plt.matplotlib.colors.to_rgb(SELECTED_FILL)]
    # W[1, 2], x[2], z[1], and the one non-zero derivative dz[1]/dW[1, 2] (drawn as W_23, x_3, z_2).
    assert len(dark) == 4
    assert len(ax.patches) == 2 * 3 + 3 + 2 + 2 + 2 * (2 * 3)
    plt.close(ax.figure)


def test_the_explorer_builds_and_follows_its_sliders():
    explorer = linear_layer_explorer()
    assert isinstance(explorer, widgets.VBox)
    n_in, n_out, row, col, batch_size = explorer.children[:5]
    table = explorer.children[-1]
    n_out.value = 4
    assert row.max == 4 and row.min == 1   # weights are counted from 1, as in the formulas
    batch_size.value = 7
    assert "(7, 4, 4, 3)" in table.value
    n_in.value = 1
    assert col.max == 1 and col.value == 1
    plt.close("all")
