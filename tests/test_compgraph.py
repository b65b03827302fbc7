"""Computation graphs: structure (backward order, paths; nnkit.compgraph), drawing (nnkit.graph_drawing,
nnkit.drawing), and the course's examples (nnkit.course_graphs), whose anchor numbers are checked by
hand, against central differences and against TwoLayerNet."""

import matplotlib.pyplot as plt
from matplotlib.colors import to_rgb
import numpy as np
import pytest
from hypothesis import assume, given, settings

import nnkit
from nnkit import compgraph as cg
from nnkit import course_graphs as examples
from nnkit import drawing
from nnkit import graph_drawing as gd
from tests.strategies import arrays

READY_MADE = {
    "one_hidden_layer": (examples.one_hidden_layer_graph, "J"),
    "exp_model": (examples.exp_model_graph, "J"),
    "anchor": (examples.anchor_network_graph, "J"),
    "two_sigmoid_layers": (examples.two_sigmoid_layers_graph, "J"),
}


# --------------------------------------------------------------------------- structure


@pytest.mark.parametrize("which", READY_MADE)
def test_ready_made_graphs_are_well_formed(which):
    make, loss = READY_MADE[which]
    nodes, edges = make()
    cg.check_graph(nodes, edges)
    kinds = {node.name: node.kind for node in nodes}
    # every node feeds the loss; data and parameters are leaves, computed from nothing
    for node in nodes:
        if node.name != loss:
            assert node.name in cg.ancestors(edges, loss), f"{node.name} does not reach {loss}"
        if node.kind in ("data", "parameter"):
            assert cg.parents(edges, node.name) == []
        else:
            assert cg.parents(edges, node.name), f"operation {node.name} has no inputs"
    assert kinds[loss] == "operation"


@pytest.mark.parametrize("which", READY_MADE)
def test_backward_order_visits_a_node_after_all_its_users(which):
    make, loss = READY_MADE[which]
    nodes, edges = make()
    order = cg.backward_order(nodes, edges, loss)
    kinds = {node.name: node.kind for node in nodes}
    assert order[0] == loss
    assert sorted(order) == sorted(name for name in kinds if kinds[name] != "data")
    for name in order:
        for child in cg.children(edges, name):
            assert order.index(child) < order.index(name), f"{name} visited before its user {child}"


def test_backward_order_follows_the_lecture_notes_steps():
    nodes, edges = examples.one_hidden_layer_graph()
    assert cg.backward_order(nodes, edges, "J") == ["J", "z_O", "W_O", "b_O", "u_H", "z_H", "W_H", "b_H"]
    nodes, edges = examples.anchor_network_graph()
    assert cg.backward_order(nodes, edges, "J") == ["J", "y_hat", "z_O", "W_O_folded", "u_H", "z_H", "W_H_folded"]


def test_all_paths_in_the_two_sigmoid_layers_network():
    _, edges = examples.two_sigmoid_layers_graph()
    paths = cg.all_paths(edges, "W1_row1", "J")
    assert sorted(paths) == [["W1_row1", "u1_1", f"u2_{k}", "y_hat", "J"] for k in (1, 2, 3)]
    assert cg.all_paths(edges, "W2_row1", "J") == [["W2_row1", "u2_1", "y_hat", "J"]]
    assert len(cg.all_paths(edges, "x", "J")) == 9
    assert cg.path_edges(cg.all_paths(edges, "W3", "J")) == {("W3", "y_hat"), ("y_hat", "J")}


def test_check_graph_rejects_bad_graphs():
    a = cg.Node("a", "a", "data", (0, 0))
    with pytest.raises(ValueError, match="unique"):
        cg.check_graph([a, a], [])
    with pytest.raises(ValueError, match="kind"):
        cg.check_graph([cg.Node("b", "b", "weight", (0, 0))], [])
    with pytest.raises(ValueError, match="not a node"):
        cg.check_graph([a], [("a", "c")])


# --------------------------------------------------------------------------- drawing


def test_format_value():
    assert gd.format_value(-0.0) == "0"
    assert gd.format_value(-2.0) == "\N{MINUS SIGN}2"
    assert gd.format_value([3.0, -2.0]) == "[3, \N{MINUS SIGN}2]"
    assert gd.format_value(np.eye(2)) == "[1, 0]\n[0, 1]"
    assert gd.format_value("= Wx") == "= Wx"
    with pytest.raises(ValueError):
        gd.format_value(np.zeros((2, 2, 2)))


def _gids(ax):
    return {artist.get_gid() for artist in ax.patches + ax.texts if artist.get_gid()}


def test_draw_writes_values_and_only_the_given_gradients():
    nodes, edges = examples.anchor_network_graph()
    values, grads = examples.anchor_forward_backward()
    ax = gd.draw_computation_graph(nodes, edges, values, {"J": 1.0, "y_hat": grads["y_hat"]}, highlight=["y_hat"])
    gids = _gids(ax)
    assert {f"node-{node.name}" for node in nodes} <= gids
    assert {f"edge-{a}-{b}" for a, b in edges} <= gids
    assert {f"value-{node.name}" for node in nodes} <= gids
    assert {gid for gid in gids if gid.startswith("grad-")} == {"grad-J", "grad-y_hat"}
    texts = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    assert texts["value-z_H"] == "[3, \N{MINUS SIGN}2]"
    assert texts["value-z_O"] == "\N{MINUS SIGN}5"
    circles = {p.get_gid(): p for p in ax.patches if p.get_gid() and p.get_gid().startswith("node-")}
    for name, kind in [("W_H_folded", "parameter"), ("x", "data"), ("z_H", "operation")]:
        assert circles[f"node-{name}"].get_facecolor()[:3] == pytest.approx(to_rgb(gd.KIND_COLORS[kind]))
    assert circles["node-y_hat"].get_linewidth() > circles["node-z_O"].get_linewidth()
    plt.close("all")


def test_draw_highlights_edges_and_uses_the_given_axes():
    nodes, edges = examples.two_sigmoid_layers_graph()
    _, ax = plt.subplots()
    lit = cg.path_edges(cg.all_paths(edges, "W1_row1", "J"))
    assert gd.draw_computation_graph(nodes, edges, ax=ax, highlight_edges=lit) is ax
    arrows = {p.get_gid(): p for p in ax.patches if p.get_gid() and p.get_gid().startswith("edge-")}
    assert arrows["edge-u1_1-u2_2"].get_linewidth() > arrows["edge-u1_2-u2_2"].get_linewidth()
    with pytest.raises(ValueError, match="not a node"):
        gd.draw_computation_graph(nodes, edges, values={"nope": 1.0})
    plt.close("all")


# --------------------------------------------------------------------------- the anchor example


def _anchor_loss(x, y, W1, W2, loss="squared"):
    return examples.anchor_forward_backward(x, y, W1, W2, loss)[0]["J"]


def test_anchor_forward_values_by_hand():
    values, _ = examples.anchor_forward_backward()
    np.testing.assert_allclose(values["z_H"], [3.0, -2.0])  # 2 + 3*2 - 5, -1 - 3*2 + 5
    np.testing.assert_allclose(values["u_H"], [3.0, 0.0])
    assert values["z_O"] == pytest.approx(-5.0)  # 1 - 2*3 + 2*0
    assert values["y_hat"] == pytest.approx(1 / (1 + np.exp(5)))
    assert values["J"] == pytest.approx((1 - 1 / (1 + np.exp(5))) ** 2)


def test_anchor_gradients_by_hand():
    _, grads = examples.anchor_forward_backward()
    y_hat = 1 / (1 + np.exp(5))
    top = -2 * (1 - y_hat) * y_hat * (1 - y_hat)
    assert grads["W_O_folded"][1] == pytest.approx(top * 3)  # W^O_11, the weight on u^H_1
    assert grads["W_H_folded"][0, 2] == pytest.approx(top * (-2) * 1 * 5)  # W^H_12, from x_2 to unit 1
    assert grads["W_O_folded"][1] == pytest.approx(-0.0396214, abs=1e-7)
    assert grads["W_H_folded"][0, 2] == pytest.approx(0.1320712, abs=1e-7)
    np.testing.assert_array_equal(grads["W_H_folded"][1], 0.0)  # unit 2 is off: z^H_2 = -2 < 0


@pytest.mark.parametrize("loss", ["squared", "cross_entropy"])
@settings(max_examples=30, deadline=None)
@given(x=arrays((2,)), W1=arrays((2, 3)), W2=arrays((3,)))
def test_anchor_gradients_match_central_differences(loss, x, W1, W2):
    values, grads = examples.anchor_forward_backward(x, 1.0, W1, W2, loss)
    assume(np.min(np.abs(values["z_H"])) > 1e-3)  # ReLU has no derivative at 0
    nnkit.check_gradient(lambda w: _anchor_loss(x, 1.0, w, W2, loss), grads["W_H_folded"], W1.copy(), "dJ/dW~^H")
    nnkit.check_gradient(lambda w: _anchor_loss(x, 1.0, W1, w, loss), grads["W_O_folded"], W2.copy(), "dJ/dW~^O")
    # gradients at the operation nodes: perturb the node's value and run the rest of the network
    x_1 = np.concatenate([[1.0], x])

    def loss_from_a(a):
        W1_shifted = W1.copy()
        W1_shifted[:, 0] += a - W1 @ x_1  # a bias shift that makes W1 [1; x] equal a
        return _anchor_loss(x, 1.0, W1_shifted, W2, loss)

    nnkit.check_gradient(loss_from_a, grads["z_H"], values["z_H"].copy(), "dJ/dz^H")
    nnkit.check_gradient(
        lambda b: _anchor_loss(x, 1.0, W1, W2 + np.array([b[0] - values["z_O"], 0, 0]), loss),
        np.array([grads["z_O"]]), np.array([values["z_O"]]), "dJ/dz^O",
    )


@settings(max_examples=30, deadline=None)
@given(x=arrays((2,)), W1=arrays((2, 3)), W2=arrays((3,)))
def test_anchor_cross_entropy_agrees_with_two_layer_net(x, W1, W2):
    net = nnkit.TwoLayerNet(2, 2, 1, activation="relu", output="sigmoid")
    net.params = {"W1": W1[:, 1:], "b1": W1[:, 0], "W2": W2[None, 1:], "b2": W2[:1]}
    values, grads = examples.anchor_forward_backward(x, 1.0, W1, W2, "cross_entropy")
    assume(np.min(np.abs(values["z_H"])) > 1e-3)
    loss, net_grads = net.loss_and_grads(x[None, :], np.array([1.0]))
    assert values["J"] == pytest.approx(loss)
    np.testing.assert_allclose(grads["W_H_folded"], np.column_stack([net_grads["b1"], net_grads["W1"]]), atol=1e-12)
    np.testing.assert_allclose(grads["W_O_folded"], np.concatenate([net_grads["b2"], net_grads["W2"][0]]), atol=1e-12)
    # squared error on ŷ differs only in the first factor: dJ/db is 2ŷ(1 − ŷ) times the cross-entropy one
    _, squared = examples.anchor_forward_backward(x, 1.0, W1, W2, "squared")
    factor = 2 * values["y_hat"] * (1 - values["y_hat"])
    np.testing.assert_allclose(squared["W_H_folded"], factor * grads["W_H_folded"], atol=1e-12)


def test_anchor_rejects_unknown_loss():
    with pytest.raises(ValueError, match="unknown loss"):
        examples.anchor_forward_backward(loss="hinge")


def test_compgraph_holds_the_structure_only():
    """The drawing and the examples live in their own modules; compgraph no longer forwards them."""
    for name in ["draw_computation_graph", "format_value", "KIND_COLORS", "NODE_RADIUS"]:
        assert hasattr(gd, name) and not hasattr(cg, name), name
    for name in ["anchor_forward_backward", "anchor_network_graph", "one_hidden_layer_graph", "ANCHOR_W_H_FOLDED"]:
        assert hasattr(examples, name) and not hasattr(cg, name), name
    with pytest.raises(ImportError):
        from nnkit.compgraph import draw_computation_graph  # noqa: F401


def test_the_drawing_basics_are_shared():
    assert gd.format_number(-0.039621) == "\N{MINUS SIGN}0.03962"      # graph nodes: 4 digits
    assert drawing.format_number(-0.039621) == "\N{MINUS SIGN}0.0396"  # network diagrams: 3
    assert drawing.format_number(-0.0) == "0"
    tail, head = drawing.rim_points((0.0, 0.0), (3.0, 4.0), 0.5)
    np.testing.assert_allclose(tail, [0.3, 0.4])
    np.testing.assert_allclose(head, [2.7, 3.6])
    with pytest.raises(ValueError, match="two different centres"):
        drawing.rim_points((1.0, 1.0), (1.0, 1.0), 0.5)


def test_the_anchor_gradients_come_from_one_sweep_of_the_engine():
    values, grads = examples.anchor_forward_backward()
    # the recursion by hand from the logit back: ∂J/∂z = ∂J/∂b W2[1:], ∂J/∂a = ∂J/∂z ⊙ ReLU'(a)
    np.testing.assert_allclose(grads["u_H"], grads["z_O"] * examples.ANCHOR_W_O_FOLDED[1:])
    np.testing.assert_allclose(grads["z_H"], grads["u_H"] * (values["z_H"] > 0))
    np.testing.assert_allclose(grads["W_H_folded"], np.outer(grads["z_H"], np.concatenate([[1.0], values["x"]])))
