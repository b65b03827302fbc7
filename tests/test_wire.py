"""classgrader.wire: what crosses between the grader and a student's kernel is plain data only."""

import json

import numpy as np
import pytest
from hypothesis import given

import nnkit
from classgrader import wire
from tests.strategies import wire_values


class Keeper(wire.Side):
    """A side that keeps its non-data objects by number, as the agent and the checker do."""

    def __init__(self):
        self.kept = []

    def reference(self, value):
        self.kept.append(value)
        return {"ref": len(self.kept) - 1}

    def dereference(self, data):
        return ("reference", data["ref"])


def round_trip(value, side):
    """`value` sent as the grader and the agent send it: encoded, as JSON text, read back."""
    return wire.read(json.loads(json.dumps(wire.encode(value, side), allow_nan=False)), side)


def same(a, b) -> bool:
    """Equal in value and in type, all the way down (arrays: dtype, shape and entries)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray | np.generic):
        return a.dtype == b.dtype and np.shape(a) == np.shape(b) and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b or (a != a and b != b)


@given(wire_values)
def test_plain_data_arrives_as_it_was_sent(value):
    side = Keeper()
    assert same(round_trip(value, side), value)
    assert side.kept == []


def test_special_numbers_generators_and_nnkit_networks_cross():
    side = Keeper()
    rng = np.random.default_rng(3)
    net = nnkit.TwoLayerNet(3, 2, 2, seed=0)
    back = round_trip([float("inf"), float("nan"), rng, net, slice(1, None), ...], side)
    assert back[0] == float("inf") and back[1] != back[1]
    assert back[2].normal() == rng.normal()
    assert type(back[3]) is nnkit.TwoLayerNet and back[3] is not net
    assert all(np.array_equal(back[3].params[k], net.params[k]) for k in net.params)
    assert back[4:] == [slice(1, None), ...]


def test_objects_that_are_not_data_are_only_referred_to():
    class Anything(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    class Array(np.ndarray):
        def __eq__(self, other):
            return True

    side = Keeper()
    sent = [Anything(7), len, np.array([1.0]).view(Array), np.array([None, 1], dtype=object)]
    back = round_trip(sent, side)
    assert back[0] == ("reference", 0) and back[1] == ("reference", 1)
    assert type(back[2]) is np.ndarray  # a subclass of ndarray arrives as a plain array: its data, not its class
    assert back[3] == ("reference", 2)  # object arrays would need pickle


@pytest.mark.parametrize("text, problem", [
    ('{"array": "aAAAA"}', "not an array"),
    ('{"object": ["os", "system"], "state": {"dict": []}}', "only nnkit"),
    ('{"generator": {"dict": [["bit_generator", "RandomState"]]}}', "unknown bit generator"),
    ('{"dict": [[{"list": []}, 1]]}', "not plain data"),
    ('{"evil": 1}', "unexpected reference"),
    ("[1, 2]", "not plain data"),
    ('{"list": [' * 100 + "1" + "]}" * 100, "nested too deeply"),
])
def test_anything_else_is_refused_with_a_reason(text, problem):
    with pytest.raises(wire.WireError, match=problem):
        wire.read(json.loads(text), wire.Side())


def test_a_pickled_array_is_refused():
    import base64
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    text = json.dumps({"array": "a" + base64.b64encode(buffer.getvalue()).decode()})
    with pytest.raises(wire.WireError, match="not an array"):
        wire.read(json.loads(text), wire.Side())


def test_changes_are_made_in_place():
    weights = np.zeros(3)
    params = {"W": weights, "old": 1}
    kept = wire.update_in_place(params, {"W": np.ones(3), "b": 2})
    assert kept is params and params["W"] is weights and list(weights) == [1, 1, 1]
    assert params == {"W": weights, "b": 2}
    rng, other = np.random.default_rng(0), np.random.default_rng(5)
    assert wire.update_in_place(rng, other) is rng and rng.normal() == other.normal()
