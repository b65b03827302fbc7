"""classgrader.wire: what crosses between the grader and a student's kernel is plain data only,
in messages of the table only."""

import base64
import io
import json

import numpy as np
import pytest
from hypothesis import given

import nnkit
from classgrader import wire
from tests.strategies import wire_values


class Keeper(wire.Side):
    """A side that keeps the functions it sends by number, as the agent and the checker do."""

    def __init__(self):
        self.kept = []

    def function_reference(self, value):
        if not callable(value):
            return None
        self.kept.append(value)
        return {"function": [len(self.kept) - 1, "f"]}

    def their_function(self, number, name):
        return ("function", number)


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


def npy_text(array, allow_pickle=False) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return base64.b64encode(buffer.getvalue()).decode()


@given(wire_values)
def test_plain_data_arrives_as_it_was_sent(value):
    side = Keeper()
    assert same(round_trip(value, side), value)
    assert side.kept == []


def test_special_numbers_generators_networks_and_functions_cross():
    side = Keeper()
    rng = np.random.default_rng(3)
    net = nnkit.TwoLayerNet(3, 2, 2, activation="tanh", output="softmax", seed=0)
    back = round_trip([float("inf"), float("nan"), rng, net, len, np.asfortranarray(np.arange(6.0).reshape(2, 3))], side)
    assert back[0] == float("inf") and back[1] != back[1]
    assert back[2].normal() == rng.normal()
    assert type(back[3]) is nnkit.TwoLayerNet and back[3] is not net and repr(back[3]) == repr(net)
    assert all(np.array_equal(back[3].params[k], net.params[k]) for k in net.params)
    assert back[4] == ("function", 0) and side.kept == [len]
    assert np.array_equal(back[5], np.arange(6.0).reshape(2, 3))


def test_objects_that_are_not_data_are_refused_with_a_reason():
    class Anything(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    class Array(np.ndarray):
        def __eq__(self, other):
            return True

    class Net(nnkit.TwoLayerNet):
        pass

    side = wire.Side()  # sends no functions
    assert type(round_trip(np.array([1.0]).view(Array), side)) is np.ndarray  # its data, not its class
    for value, reason in [(Anything(7), "Anything is not plain data"), (len, "is not plain data"),
                          (np.array([None, 1], dtype=object), "dtype object"), (Net(2, 2, 1), "Net is not plain data"),
                          (np.array(["a"]), "dtype <U1"), ({1, 2}, "set is not plain data")]:
        with pytest.raises(wire.WireError, match=reason):
            round_trip(value, side)


@pytest.mark.parametrize("text, problem", [
    ('{"array": "AAAA"}', "not an array"),
    ('{"object": ["os", "system"]}', "unknown tag 'object'"),
    ('{"generator": {"dict": [["bit_generator", "RandomState"]]}}', "must name one of the bit generators"),
    ('{"generator": {"dict": [["bit_generator", "__class__"]]}}', "must name one of the bit generators"),
    ('{"dict": [[{"list": []}, 1]]}', "keys must be"),
    ('{"float": "1e999999"}', "special float"),
    ('{"network": {"sizes": {"list": [100000, 100000, 1]}, "activation": "relu", "output": "identity", '
     '"params": {"dict": []}}}', "larger than the limit"),
    ('{"network": {"sizes": {"list": [2, 2, 1]}, "activation": "__init__", "output": "identity", '
     '"params": {"dict": []}}}', "unknown activation"),
    ('{"yours": 1}', "sent no functions"),
    ('{"refused": "a Foo is not plain data"}', "a Foo is not plain data"),
    ('{"list": [1], "dict": []}', "not plain data"),
    ("[1, 2]", "not plain data"),
    ('{"list": [' * 100 + "1" + "]}" * 100, "nested too deeply"),
])
def test_anything_else_is_refused_with_a_reason(text, problem):
    with pytest.raises(wire.WireError, match=problem):
        wire.read(json.loads(text), wire.Side())


@pytest.mark.parametrize("array, problem", [
    (np.array([{"a": 1}], dtype=object), "dtype object"),
    (np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]), "is not plain data"),
    (np.array(["text"]), "dtype <U4"),
    (np.array([np.datetime64("2026-01-01")]), "dtype datetime64"),
])
def test_arrays_of_anything_but_numbers_are_refused(array, problem):
    with pytest.raises(wire.WireError, match=problem):
        wire.read({"array": npy_text(array, allow_pickle=True)}, wire.Side())


def npy_header(shape: tuple) -> bytes:
    """The .npy header of a float64 array of this shape (the magic string included)."""
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(stream, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return stream.getvalue()


def test_an_array_header_that_promises_more_than_its_data_is_refused_before_reading():
    for shape, problem in [((10**12,), "larger than the limit"), ((1000,), "with 64 bytes of data")]:
        text = base64.b64encode(npy_header(shape) + b"\0" * 64).decode()
        with pytest.raises(wire.WireError, match=problem):
            wire.read({"array": text}, wire.Side())


def test_messages_are_checked_against_the_table():
    text = wire.write("call", function=1, args=[1], kwargs={}, forbidden=["nnkit"], send_back=[], stand_ins={})
    assert wire.parse(text, "grader")["function"] == 1
    for text, sender, problem in [
        (wire.write("stop"), "agent", "agent may not send a message of kind 'stop'"),
        ('{"kind": "values", "values": {}, "__builtins__": {}}', "agent", "has the fields"),
        ('{"kind": "values", "values": []}', "agent", "must be a dict"),
        ('{"kind": "exec", "code": "1"}', "agent", "kind 'exec'"),
        ("not json", "agent", "not JSON"),
        ("[" * 100_000, "agent", "not JSON"),
        (" " * (wire.MAX_MESSAGE_CHARS + 1), "agent", "at most"),
        ('{"kind": "values", "values": {"x": {"list": [' + "[]," * wire.MAX_JSON_ITEMS + '1]}}}', "agent", "items"),
    ]:
        with pytest.raises(wire.WireError, match=problem):
            wire.parse(text, sender)
    with pytest.raises(wire.WireError, match="has the fields"):
        wire.write("result", value=1)
    long = wire.parse(wire.write("result", value=None, changed={}, printed="x" * 50_000), "agent")["printed"]
    assert len(long) < 11_000 and "more characters not shown" in long


def test_only_like_changes_like_in_place():
    weights = np.zeros(3)
    wire.update_in_place(weights, np.ones(3))
    assert list(weights) == [1, 1, 1]
    rng, other = np.random.default_rng(0), np.random.default_rng(5)
    wire.update_in_place(rng, other)
    assert rng.normal() == other.normal()
    net, trained = nnkit.TwoLayerNet(2, 3, 1, seed=0), nnkit.TwoLayerNet(2, 3, 1, seed=1)
    wire.update_in_place(net, trained)
    assert net.params is trained.params
    for old, new, problem in [(net, nnkit.TwoLayerNet(2, 4, 1), "architecture"),
                              (np.random.default_rng(0), np.random.Generator(np.random.MT19937(0)), "bit generator"),
                              (np.zeros(3), [0, 0, 0], "cannot be changed")]:
        with pytest.raises(wire.WireError, match=problem):
            wire.update_in_place(old, new)
