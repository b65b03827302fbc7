"""nnkit.widgets: the pure functions compute the right picture, and the sliders drive it."""

import matplotlib

matplotlib.use("Agg")

import ipywidgets
import numpy as np
import pytest

from nnkit import plotting
from nnkit.widgets import threshold
from nnkit.widgets.picture import Picture

TRIANGLE = threshold.TRIANGLE_PARAMS
# The anchor network with the bias columns split off, as nnkit stores them.
P003 = {"W1": [[3.0, -1.0], [-3.0, 1.0]], "b1": [2.0, -1.0], "W2": [[-2.0, 2.0]], "b2": [1.0]}


def inside_triangle(X):
    """Problem 3's region, written independently of the network."""
    x1, x2 = X[:, 0], X[:, 1]
    return ((x1 >= 0) & (x2 >= 0) & (x1 + x2 < 1)).astype(int)


def test_slider_names_and_values_round_trip():
    names = threshold.slider_names(TRIANGLE)
    assert names[:2] == ["W1[0,0]", "W1[0,1]"] and names[-1] == "b2[0]"
    assert len(names) == 6 + 3 + 3 + 1
    values = threshold.values_from_params(TRIANGLE)
    assert values["W1[2,1]"] == 1.0 and values["b1[2]"] == -1.0 and values["W2[0,2]"] == -1.0
    shapes = {key: np.shape(TRIANGLE[key]) for key in TRIANGLE}
    rebuilt = threshold.params_from_values(values, shapes)
    for key in TRIANGLE:
        np.testing.assert_array_equal(rebuilt[key], TRIANGLE[key])


def test_hard_decisions_of_problem_3_on_chosen_points():
    X = np.array([[0.2, 0.2], [0.0, 0.0], [0.5, 0.5], [-0.1, 0.2], [0.3, -0.01], [2.0, 2.0]])
    # (0, 0): every step is at 0 and counts as 1; (0.5, 0.5): x1 + x2 = 1 switches u3 on.
    np.testing.assert_array_equal(threshold.hard_decisions(TRIANGLE, X), [1, 1, 0, 0, 0, 0])


def test_hard_decisions_of_problem_3_match_the_triangle_everywhere():
    X = np.random.default_rng(0).uniform(-1, 2, size=(5000, 2))
    np.testing.assert_array_equal(threshold.hard_decisions(TRIANGLE, X), inside_triangle(X))


def test_hard_decisions_with_relu_reproduce_the_anchor_network():
    # b = W2 ReLU(W1 x + b1) + b2 = -5 at x = (2, 5): class 0.
    net = threshold.network_for(P003, activation="relu")
    np.testing.assert_allclose(net.forward([[2.0, 5.0]]), [[-5.0]])
    assert threshold.hard_decisions(P003, [[2.0, 5.0]], activation="relu")[0] == 0


def test_region_grid_is_the_predictor_on_the_plotting_grid():
    grid = threshold.region_grid(TRIANGLE, (-1, 2), (-1, 2), resolution=60)
    np.testing.assert_array_equal(grid, plotting.decision_grid(inside_triangle, (-1, 2), (-1, 2), 60))
    assert 0 < grid.sum() < grid.size


def test_explorer_is_a_vbox_with_one_slider_per_number_and_an_image():
    widget = threshold.threshold_explorer()
    assert isinstance(widget, ipywidgets.VBox)
    sliders = [w for w in walk(widget) if isinstance(w, ipywidgets.FloatSlider)]
    images = [w for w in walk(widget) if isinstance(w, Picture)]
    assert len(sliders) == 13 and len(images) == 1
    assert images[0].png[:8] == b"\x89PNG\r\n\x1a\n"


def walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def test_sliders_start_at_the_given_parameters():
    explorer = threshold.NetworkExplorer(TRIANGLE, resolution=40)
    for key in TRIANGLE:
        np.testing.assert_array_equal(explorer.params()[key], TRIANGLE[key])


def test_moving_a_slider_changes_the_prediction_grid_and_the_picture():
    explorer = threshold.NetworkExplorer(TRIANGLE, resolution=40)
    before_grid = threshold.region_grid(explorer.params(), explorer.xlim, explorer.ylim, resolution=40)
    before_png = explorer.image.png

    explorer.sliders["b2[0]"].value = -0.5  # the output now fires when two of the three units do
    after_grid = threshold.region_grid(explorer.params(), explorer.xlim, explorer.ylim, resolution=40)

    assert explorer.params()["b2"][0] == -0.5
    assert after_grid.sum() > before_grid.sum()
    assert explorer.image.png != before_png


def test_the_drawn_regions_are_the_computed_grid():
    explorer = threshold.NetworkExplorer(TRIANGLE, resolution=40)
    explorer.sliders["W1[2,0]"].value = 2.0
    figure = explorer.figure()
    diagram, regions = figure.axes[:2]
    (image,) = regions.images
    np.testing.assert_array_equal(
        image.get_array(), threshold.region_grid(explorer.params(), explorer.xlim, explorer.ylim, resolution=40)
    )
    # the diagram shows the new weight on the edge from x1 to u3
    labels = {t.get_gid(): t.get_text() for t in diagram.texts if t.get_gid()}
    assert labels["weight-0-2-0"] == "2"


def test_explorer_refuses_a_network_it_cannot_draw_in_the_plane():
    with pytest.raises(ValueError, match="2 inputs and 1 output"):
        threshold.NetworkExplorer({"W1": np.ones((2, 3)), "b1": np.zeros(2), "W2": np.ones((1, 2)), "b2": [0.0]})


def test_an_output_of_exactly_zero_counts_as_class_1():
    # Chapter 1's output map: y-hat = 1 when z^O >= 0. With b^O = -2 two active units give z^O = 0 exactly.
    params = {**TRIANGLE, "b2": [-2.0]}
    assert threshold.network_for(params).forward([[0.2, 0.2]])[0, 0] == 0.0
    assert threshold.hard_decisions(params, [[0.2, 0.2]])[0] == 1
