"""nnkit.plotting draws what it is given: the right units, edges and numbers, curves and regions."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

import nnkit
from nnkit import drawing, plotting

# The anchor network's folded matrices: the biases in column 0, then the weights.
anchor_W_H_folded = np.array([[2.0, 3.0, -1.0], [-1.0, -3.0, 1.0]])
anchor_W_O_folded = np.array([[1.0, -2.0, 2.0]])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def by_gid(ax, prefix: str, kind=object) -> dict[str, object]:
    """The artists of ax whose gid starts with prefix, keyed by gid."""
    found = {}
    for artist in ax.findobj(lambda a: isinstance(a, kind)):
        gid = artist.get_gid()
        if gid is not None and gid.startswith(prefix):
            found[gid] = artist
    return found


def number(text_artist) -> float:
    """The number a label shows ("−2" with a real minus sign, or "b = −1")."""
    return float(text_artist.get_text().split("=")[-1].replace("\N{MINUS SIGN}", "-"))


def draw_anchor(ax=None):
    """The anchor network's diagram: the folded matrices split into weights (columns 1, 2) and biases (column 0)."""
    weights = [anchor_W_H_folded[:, 1:], anchor_W_O_folded[:, 1:]]
    biases = [anchor_W_H_folded[:, 0], anchor_W_O_folded[:, 0]]
    return plotting.draw_network((2, 2, 1), weights=weights, biases=biases, ax=ax)


# ------------------------------------------------------------------ draw_network


@pytest.mark.parametrize("sizes", [(2, 2, 1), (2, 3, 1), (4, 5, 3), (1, 2, 1), (3, 4, 4, 2)])
def test_network_has_one_circle_per_unit_and_one_line_per_connection(sizes):
    ax = plotting.draw_network(sizes)
    units = by_gid(ax, "unit-", Circle)
    edges = by_gid(ax, "edge-", Line2D)
    assert len(units) == sum(sizes)
    assert len(edges) == sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    assert len([p for p in ax.patches if isinstance(p, Circle)]) == sum(sizes)


def test_every_connection_runs_from_rim_to_rim():
    ax = plotting.draw_network((2, 3, 1))
    centres = [tuple(circle.center) for circle in by_gid(ax, "unit-", Circle).values()]
    for line in by_gid(ax, "edge-", Line2D).values():
        for point in zip(line.get_xdata(), line.get_ydata()):
            distances = [np.hypot(point[0] - x, point[1] - y) for x, y in centres]
            assert min(distances) == pytest.approx(plotting.UNIT_RADIUS), "an edge end is not on a unit's rim"
    plt.close("all")


def test_network_without_numbers_writes_no_weights_or_biases():
    ax = plotting.draw_network((2, 3, 1))
    assert not by_gid(ax, "weight-") and not by_gid(ax, "bias-")


def test_anchor_network_shows_its_weights_on_the_right_edges():
    ax = draw_anchor()
    weights = by_gid(ax, "weight-")
    assert len(weights) == 6
    for j in range(2):
        for k in range(2):
            assert number(weights[f"weight-0-{j}-{k}"]) == anchor_W_H_folded[j, k + 1]
    for k in range(2):
        assert number(weights[f"weight-1-0-{k}"]) == anchor_W_O_folded[0, k + 1]
    biases = by_gid(ax, "bias-")
    assert {gid: number(t) for gid, t in biases.items()} == {"bias-1-0": 2.0, "bias-1-1": -1.0, "bias-2-0": 1.0}


def test_weight_label_sits_on_its_edge():
    ax = draw_anchor()
    edges, weights = by_gid(ax, "edge-", Line2D), by_gid(ax, "weight-")
    for gid, label in weights.items():
        (x0, x1), (y0, y1) = edges[gid.replace("weight", "edge")].get_data()
        px, py = label.get_position()
        # the label point is on the line through the edge, between its ends
        cross = (x1 - x0) * (py - y0) - (y1 - y0) * (px - x0)
        assert abs(cross) < 1e-9 and min(x0, x1) <= px <= max(x0, x1)


def test_negative_weights_are_dashed_positive_solid():
    ax = draw_anchor()
    edges = by_gid(ax, "edge-", Line2D)
    assert edges["edge-0-0-1"].get_linestyle() == "--"  # W1[0, 1] = -1
    assert edges["edge-0-0-0"].get_linestyle() == "-"  # W1[0, 0] = 3


def test_unit_labels_are_drawn_inside_the_units():
    labels = [["$x_1$", "$x_2$"], ["$u_1$", "$u_2$"], ["$\\hat{y}$"]]
    ax = plotting.draw_network((2, 2, 1), unit_labels=labels)
    texts = {t.get_text(): t.get_position() for t in ax.texts}
    for layer, centres in enumerate(plotting.unit_positions((2, 2, 1))):
        for j, centre in enumerate(centres):
            np.testing.assert_allclose(texts[labels[layer][j]], centre)


def test_network_rejects_weights_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"weights\[0\] must have shape \(2, 2\)"):
        plotting.draw_network((2, 2, 1), weights=[anchor_W_H_folded, anchor_W_O_folded[:, 1:]])
    with pytest.raises(ValueError, match="one per connection"):
        plotting.draw_network((2, 2, 1), biases=[anchor_W_H_folded[:, 0]])


def test_draw_network_uses_the_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    assert draw_anchor(ax=right) is right
    assert not left.texts and len(right.texts) > 0


def test_format_number_is_short_and_uses_a_minus_sign():
    assert plotting.format_number is drawing.format_number  # shared with the computation graphs
    assert plotting.format_number(-0.0) == "0"
    assert plotting.format_number(-2) == "\N{MINUS SIGN}2"
    assert plotting.format_number(0.5) == "0.5"
    assert plotting.format_number(1 / 3) == "0.333"


# ------------------------------------------------------------------ curves


def test_piecewise_leaves_a_gap_at_a_jump_only():
    z = np.linspace(-2, 2, 101)
    ax = plotting.plot_piecewise(z, nnkit.step(z))
    plotting.plot_piecewise(z, nnkit.sigmoid(z), ax=ax)
    step_line, sigmoid_line = ax.lines
    y = step_line.get_ydata()
    assert np.isnan(y).sum() == 1
    finite = y[~np.isnan(y)]
    assert np.all(np.abs(np.diff(finite[: np.argmax(finite)])) < 0.5)  # no segment across the jump
    assert not np.isnan(sigmoid_line.get_ydata()).any()


@pytest.mark.parametrize("name", ["step", "sigmoid", "relu", "tanh", "identity"])
def test_activation_panel_draws_the_function_and_its_derivative(name):
    ax = plotting.plot_activation(name)
    g, g_prime = nnkit.activations.ACTIVATIONS[name]
    curve, slope = ax.lines[:2]
    for line, f in ((curve, g), (slope, g_prime)):
        z, y = line.get_xdata(), line.get_ydata()
        ok = ~np.isnan(z)
        np.testing.assert_allclose(y[ok], f(z[ok]))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [f"{name}(z)", f"{name}′(z)"]


def test_activation_without_derivative_draws_one_curve():
    ax = plotting.plot_activation("tanh", derivative=False)
    assert len([line for line in ax.lines if line.get_label() == "tanh(z)"]) == 1
    assert not [line for line in ax.lines if "′" in line.get_label()]


def test_unknown_activation_is_refused():
    with pytest.raises(ValueError, match="unknown activation 'softplus'"):
        plotting.plot_activation("softplus")


def test_activations_fill_a_grid_one_panel_each():
    fig, axes = plt.subplots(2, 2)
    returned = plotting.plot_activations(("step", "sigmoid", "relu", "tanh"), axes=axes)
    assert returned is axes
    for panel, name in zip(axes.ravel(), ("step", "sigmoid", "relu", "tanh")):
        assert panel.get_legend().get_texts()[0].get_text() == f"{name}(z)"


def test_activations_on_one_axes_share_it():
    fig, ax = plt.subplots()
    plotting.plot_activations(("sigmoid", "tanh", "relu"), axes=ax)
    assert [line.get_label() for line in ax.lines] == ["sigmoid", "tanh", "relu"]


def test_activations_need_one_axes_per_name():
    fig, axes = plt.subplots(1, 3)
    with pytest.raises(ValueError, match="3 Axes for 4 activations"):
        plotting.plot_activations(axes=axes)


# ------------------------------------------------------------------ decision regions


def right_of_half(X):
    return (X[:, 0] > 0.5).astype(int)


def three_classes(X):
    return np.where(X[:, 1] > 1.0, 2, np.where(X[:, 0] + X[:, 1] > 0, 1, 0))


def test_grid_points_are_cell_centres_inside_the_limits():
    xs, ys = plotting.grid_points((0, 1), (-2, 2), resolution=4)
    np.testing.assert_allclose(xs, [0.125, 0.375, 0.625, 0.875])
    np.testing.assert_allclose(ys, [-1.5, -0.5, 0.5, 1.5])


def test_decision_grid_rows_follow_x2_and_columns_x1():
    grid = plotting.decision_grid(right_of_half, (0, 1), (0, 3), resolution=10)
    xs, _ = plotting.grid_points((0, 1), (0, 3), 10)
    assert grid.shape == (10, 10)
    np.testing.assert_array_equal(grid, np.tile(xs > 0.5, (10, 1)).astype(int))


def test_decision_grid_refuses_a_predictor_with_the_wrong_length():
    with pytest.raises(ValueError, match="one label per point"):
        plotting.decision_grid(lambda X: np.zeros(3), (0, 1), (0, 1), resolution=5)


@pytest.mark.parametrize("predict, n_classes", [(right_of_half, 2), (three_classes, 3)])
def test_region_colours_match_the_predictor_cell_by_cell(predict, n_classes):
    xlim, ylim, resolution = (-2.0, 2.0), (-1.0, 3.0), 40
    ax = plotting.plot_decision_regions(predict, xlim, ylim, n_classes=n_classes, resolution=resolution)
    (image,) = ax.images
    assert tuple(image.get_extent()) == (*xlim, *ylim)
    assert image.origin == "lower"
    shown = image.to_rgba(image.get_array())  # (rows, cols, 4), row 0 at the bottom
    xs, ys = plotting.grid_points(xlim, ylim, resolution)
    x1, x2 = np.meshgrid(xs, ys)
    expected_class = predict(np.column_stack([x1.ravel(), x2.ravel()])).reshape(resolution, resolution)
    palette = np.array([to_rgba(c) for c in plotting.REGION_COLORS])
    np.testing.assert_allclose(shown, palette[expected_class], atol=1 / 255)


def test_regions_overlay_points_by_class_and_name_them_in_the_legend():
    points = np.array([[0.0, 0.0], [1.0, 1.0], [0.9, 0.2]])
    labels = np.array([0, 1, 1])
    ax = plotting.plot_decision_regions(right_of_half, (-1, 2), (-1, 2), points=points, labels=labels)
    scatters = by_gid(ax, "points-")
    np.testing.assert_allclose(scatters["points-0"].get_offsets(), points[labels == 0])
    np.testing.assert_allclose(scatters["points-1"].get_offsets(), points[labels == 1])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["ŷ = 0", "ŷ = 1", "y = 0", "y = 1"]
    assert ax.get_xlim() == (-1, 2) and ax.get_ylim() == (-1, 2)


@pytest.mark.parametrize("w, b", [([1.0, 1.0], -1.0), ([1.0, 0.0], 0.5), ([0.0, 2.0], -1.0), ([3.0, -1.0], 2.0)])
def test_unit_boundary_lies_on_the_line_where_z_is_zero(w, b):
    ax = plotting.plot_unit_boundaries([w], [b], (-2, 2), (-2, 2))
    (line,) = by_gid(ax, "boundary-", Line2D).values()
    x, y = line.get_data()
    np.testing.assert_allclose(np.array(w) @ np.array([x, y]) + b, 0.0, atol=1e-9)
    assert line.get_label() == r"$z^{\rm H}_{1} = 0$"


def test_unit_boundary_labels_use_the_given_symbol():
    ax = plotting.plot_unit_boundaries([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0], (-1, 1), (-1, 1), name="a")
    assert [line.get_label() for line in ax.lines] == ["$a_{1} = 0$", "$a_{2} = 0$"]


def test_unit_boundary_is_skipped_for_zero_weights_or_a_line_outside_the_box():
    ax = plotting.plot_unit_boundaries([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0]], [1.0, 5.0, 0.0], (-2, 2), (-2, 2))
    assert list(by_gid(ax, "boundary-", Line2D)) == ["boundary-2"]


def test_extend_legend_keeps_the_old_entries():
    ax = plotting.plot_decision_regions(right_of_half, (0, 1), (0, 1))
    plotting.plot_unit_boundaries([[1.0, 0.0]], [-0.5], (0, 1), (0, 1), ax=ax)
    plotting.extend_legend(ax, ax.lines)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ŷ = 0", "ŷ = 1", r"$z^{\rm H}_{1} = 0$"]
