"""Chapter 2's explorers: what they compute, what they draw, and that the widgets build."""

import warnings

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnkit.widgets.picture import Picture
from nnkit.widgets.chain_rule import (
    CONVEXITY_EXAMPLES,
    chain_rule_explorer,
    chord_values,
    convexity_explorer,
    path_terms,
    plot_chord,
    plot_path_terms,
    plot_product_curve,
    product_example,
)
from tests.strategies import moderate_floats

unit_interval = st.floats(min_value=0.0, max_value=1.0)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@given(x=moderate_floats)
def test_path_terms_add_up_to_the_finite_difference(x):
    terms = path_terms(x)
    assert terms["total"] == pytest.approx(terms["via_u"] + terms["via_v"])
    assert terms["total"] == pytest.approx(terms["finite_difference"], rel=1e-6, abs=1e-6)


def test_path_terms_at_a_known_point():
    # At x = pi / 2: u = 1, v = pi^2 / 4, du/dx = 0, dv/dx = pi.
    terms = path_terms(np.pi / 2)
    assert terms["via_u"] == pytest.approx(0.0, abs=1e-12)
    assert terms["via_v"] == pytest.approx(np.pi)


def test_plot_path_terms_draws_four_bars_of_the_right_heights():
    ax = plot_path_terms(1.3)
    terms = path_terms(1.3)
    for key, value in terms.items():
        (bar,) = [patch for patch in ax.patches if patch.get_gid() == f"bar-{key}"]
        assert bar.get_height() == pytest.approx(value)


def test_plot_product_curve_tangent_has_the_chain_rule_slope():
    ax = plot_product_curve(0.7)
    (tangent,) = [line for line in ax.lines if line.get_gid() == "tangent"]
    xs, ys = tangent.get_data()
    assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(path_terms(0.7)["total"])
    assert np.interp(0.7, xs, ys) == pytest.approx(product_example(0.7))


@given(x1=moderate_floats, x2=moderate_floats, alpha=unit_interval)
def test_chord_values_of_a_parabola(x1, x2, alpha):
    values = chord_values(np.square, x1, x2, alpha)
    assert values["x"] == pytest.approx(alpha * x1 + (1 - alpha) * x2)
    assert values["on_function"] == pytest.approx(values["x"] ** 2)
    assert values["on_chord"] == pytest.approx(alpha * x1**2 + (1 - alpha) * x2**2)
    assert values["gap"] >= -1e-12


@pytest.mark.parametrize("name", list(CONVEXITY_EXAMPLES))
def test_convex_examples_pass_and_the_others_fail_the_chord_check(name):
    f = CONVEXITY_EXAMPLES[name]
    ends = np.linspace(-2, 2, 9)
    gaps = [chord_values(f, a, b, alpha)["gap"] for a in ends for b in ends for alpha in (0.25, 0.5, 0.75)]
    if "not convex" in name:
        assert min(gaps) < -1e-3
    else:
        assert min(gaps) >= -1e-12


def test_plot_chord_colours_the_gap_by_whether_the_inequality_holds():
    ax = plot_chord(np.square, -1.0, 1.0, 0.5)
    (gap,) = [line for line in ax.lines if line.get_gid() == "gap"]
    assert gap.get_color() != "#b00000"
    ax = plot_chord(np.sin, 0.0, np.pi, 0.5, x_range=(0.0, 4.0))
    (gap,) = [line for line in ax.lines if line.get_gid() == "gap"]
    assert gap.get_color() == "#b00000"
    np.testing.assert_allclose(gap.get_ydata(), [1.0, 0.0], atol=1e-12)


@pytest.mark.parametrize("build", [chain_rule_explorer, convexity_explorer])
def test_explorers_build_and_redraw(build):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # plt.show() on the Agg backend
        explorer = build()
        assert isinstance(explorer, widgets.VBox)
        sliders = [w for w in _all_children(explorer) if isinstance(w, widgets.FloatSlider)]
        assert sliders
        images = [w for w in _all_children(explorer) if isinstance(w, Picture)]
        assert len(images) == 1 and images[0].alt and images[0].png[:4] == b"\x89PNG"
        first = images[0].png
        sliders[0].value = sliders[0].min
        assert images[0].png != first  # the picture follows the slider


def _all_children(widget):
    for child in getattr(widget, "children", ()):
        yield child
        yield from _all_children(child)
