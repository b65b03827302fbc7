"""Values as plain data, to pass between the student's kernel and the grader.

When a submission is graded, its test cells run in the grader, and the student's code in the
student's kernel (see `checker` and `agent`). Whatever goes between them is written as JSON
made only of data: numbers, strings, lists, and numpy arrays in numpy's own `.npy` format
(read back without pickle). So what arrives is a real `float`, `dict` or `numpy.ndarray` of the
receiving side, never an object of the sender's classes: an answer that "equals anything" or a
patched numpy cannot cross.

What is not data (a function, a student's object) is sent as a reference that the sender keeps;
each side says, through `Side`, how it refers to its own objects and what it makes of the other's.

Encoding, by exact type (a subclass of float or dict is not data, it is a reference):

    None, bool, int, float, str    as themselves
    tuple, list, dict, set, ...    {"tuple": [...]}, {"list": [...]}, {"dict": [[key, value], ...]}, ...
    numpy array or numpy scalar    {"array": base64 of .npy}   (no object arrays)
    numpy Generator                {"generator": its bit generator's state}
    nnkit object                   {"object": [module, class name], "state": its attributes}
    anything else                  whatever Side.reference(value) says

This module is imported in the student's kernel too, so it uses only the standard library and numpy.
"""

import base64
import importlib
import io
import math
from collections.abc import Callable
from typing import Any

import numpy as np

# Deeper nesting than this is not an answer but an attack on the reader.
MAX_DEPTH = 60


class WireError(ValueError):
    """A value could not be written or read as plain data."""


class Side:
    """How one side refers to its own non-data objects, and reads the other side's references."""

    def reference(self, value: Any) -> dict:
        raise WireError(f"cannot send an object of type {type(value).__name__}")

    def dereference(self, data: dict) -> Any:
        raise WireError(f"unexpected reference {sorted(data)}")


def encode(value: Any, side: Side, depth: int = 0) -> Any:
    """`value` as JSON-ready plain data (see the module docstring)."""
    if depth > MAX_DEPTH:
        raise WireError("the value is nested too deeply")
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if math.isfinite(value) else {"float": repr(value)}
    if kind in (tuple, list, set, frozenset):
        return {kind.__name__: [encode(item, side, depth + 1) for item in value]}
    if kind is dict:
        return {"dict": [[encode(key, side, depth + 1), encode(item, side, depth + 1)] for key, item in value.items()]}
    if kind is complex:
        return {"complex": [repr(value.real), repr(value.imag)]}
    if isinstance(value, (np.ndarray, np.generic)) and not _holds_objects(value):
        return {"array": _npy(value)}
    if kind is np.random.Generator:
        return {"generator": encode(value.bit_generator.state, side, depth + 1)}
    if kind is slice:
        return {"slice": [encode(part, side, depth + 1) for part in (value.start, value.stop, value.step)]}
    if value is Ellipsis:
        return {"ellipsis": None}
    if is_nnkit_object(value):
        try:
            state = encode(vars(value), side, depth + 1)
        except WireError:
            return side.reference(value)
        return {"object": [kind.__module__, kind.__qualname__], "state": state}
    return side.reference(value)


def decode(data: Any, side: Side, depth: int = 0) -> Any:
    """The value that `encode` wrote, made of this side's own types."""
    if depth > MAX_DEPTH:
        raise WireError("the value is nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is not dict or len(data) == 0:
        raise WireError(f"not plain data: {type(data).__name__}")
    tag = next(iter(data))
    parts = data[tag]
    if tag in _CONTAINERS:
        return _CONTAINERS[tag](decode(item, side, depth + 1) for item in _items(parts))
    if tag == "dict":
        return {decode(key, side, depth + 1): decode(item, side, depth + 1) for key, item in _pairs(parts)}
    if tag == "float":
        return float(parts)
    if tag == "complex":
        real, imag = _items(parts)
        return complex(float(str(real)), float(str(imag)))
    if tag == "array":
        return _from_npy(parts)
    if tag == "generator":
        return _generator(decode(parts, side, depth + 1))
    if tag == "slice":
        return slice(*(decode(part, side, depth + 1) for part in _items(parts)))
    if tag == "ellipsis":
        return Ellipsis
    if tag == "object":
        cls = _nnkit_class(parts)
        return _nnkit_object(cls, decode(data.get("state"), side, depth + 1))
    return side.dereference(data)


def is_nnkit_object(value: Any) -> bool:
    """An instance of one of nnkit's classes (a network, a node), with plain attributes."""
    module = getattr(type(value), "__module__", "")
    return module.split(".")[0] == "nnkit" and hasattr(value, "__dict__") and not isinstance(value, type)


_CONTAINERS: dict[str, Callable] = {"tuple": tuple, "list": list, "set": set, "frozenset": frozenset}


def _items(parts: Any) -> list:
    if type(parts) is not list:
        raise WireError("a container's items must be a list")
    return parts


def _pairs(parts: Any) -> list:
    items = _items(parts)
    if not all(type(pair) is list and len(pair) == 2 for pair in items):
        raise WireError("a dict must be a list of [key, value] pairs")
    return items


def _holds_objects(value: np.ndarray | np.generic) -> bool:
    return value.dtype.hasobject


def _npy(value: np.ndarray | np.generic) -> str:
    buffer = io.BytesIO()
    scalar = isinstance(value, np.generic)
    np.save(buffer, np.asarray(value).view(np.ndarray), allow_pickle=False)
    return ("s" if scalar else "a") + base64.b64encode(buffer.getvalue()).decode("ascii")


def _from_npy(text: Any) -> np.ndarray | np.generic:
    if type(text) is not str or text[:1] not in ("a", "s"):
        raise WireError("an array must be a string")
    try:
        array = np.load(io.BytesIO(base64.b64decode(text[1:], validate=True)), allow_pickle=False)
    except ValueError as error:
        raise WireError(f"not an array in .npy format: {error}") from None
    return array[()] if text[0] == "s" else array


def _generator(state: Any) -> np.random.Generator:
    if type(state) is not dict or type(state.get("bit_generator")) is not str:
        raise WireError("a generator's state must be a dict naming its bit generator")
    bit_generator = getattr(np.random, state["bit_generator"], None)
    if not (isinstance(bit_generator, type) and issubclass(bit_generator, np.random.BitGenerator)):
        raise WireError(f"unknown bit generator {state['bit_generator']!r}")
    generator = bit_generator()
    generator.state = state
    return np.random.Generator(generator)


def _nnkit_class(name: Any) -> type:
    """The nnkit class that `name` ([module, class name]) names; WireError for any other."""
    if not (type(name) is list and len(name) == 2 and all(type(part) is str for part in name)):
        raise WireError("an object's class must be [module, name]")
    module_name, class_name = name
    if module_name.split(".")[0] != "nnkit":
        raise WireError(f"only nnkit's objects are sent as data, not {module_name}.{class_name}")
    try:
        cls = importlib.import_module(module_name)
    except ImportError:
        raise WireError(f"there is no module {module_name}") from None
    for part in class_name.split("."):
        cls = getattr(cls, part, None)
    if not isinstance(cls, type):
        raise WireError(f"{module_name}.{class_name} is not a class")
    return cls


def _nnkit_object(cls: type, state: Any) -> Any:
    """A new instance of the nnkit class `cls` with the attributes `state`."""
    if type(state) is not dict or not all(type(key) is str for key in state):
        raise WireError(f"{cls.__name__}'s attributes must be a dict with names as keys")
    try:
        instance = cls.__new__(cls)
        instance.__dict__.update(state)
    except (TypeError, AttributeError) as error:
        raise WireError(f"{cls.__name__} cannot be made from plain data: {error}") from None
    return instance


def update_in_place(old: Any, new: Any) -> Any:
    """Make `old` hold what `new` holds, keeping `old` itself where it is mutable; returns what to keep.

    Used when the other side's code changed an argument it was given (a list it appended to, a
    network whose weights it trained, a generator it drew from): the caller's own object changes too.
    """
    if type(old) is np.ndarray and type(new) is np.ndarray and old.shape == new.shape and old.dtype == new.dtype:
        if old.flags.writeable:
            old[...] = new
            return old
        return new
    if type(old) is list and type(new) is list:
        old[:] = [update_in_place(a, b) for a, b in zip(old, new)] + new[len(old):]
        return old
    if type(old) is dict and type(new) is dict:
        for key in [key for key in old if key not in new]:
            del old[key]
        for key, value in new.items():
            old[key] = update_in_place(old[key], value) if key in old else value
        return old
    if type(old) is set and type(new) is set:
        old.clear()
        old.update(new)
        return old
    if type(old) is np.random.Generator and type(new) is np.random.Generator:
        old.bit_generator.state = new.bit_generator.state
        return old
    if is_nnkit_object(old) and type(old) is type(new):
        update_in_place(old.__dict__, dict(new.__dict__))
        return old
    return new


def is_mutable(value: Any) -> bool:
    """Whether code given `value` could change it in place (so it must be sent back after a call)."""
    return type(value) in (np.ndarray, list, dict, set, np.random.Generator) or is_nnkit_object(value)



def read(data: Any, side: Side) -> Any:
    """`decode` for data from the other side, which may be anything: WireError unless it is plain data."""
    try:
        return decode(data, side)
    except WireError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as error:
        raise WireError(f"not plain data ({type(error).__name__}: {str(error)[:200]})") from None
