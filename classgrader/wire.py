"""The conversation between the grader and the student's kernel: its messages and its values.

This module is `make grade`'s trust boundary. When a submission is graded, its test cells run in
the grader and the student's code in the student's confined kernel (see `checker` and `agent`).
Everything that passes between them is a message from the table `MESSAGES` below, checked by
`parse` on arrival, and every value in a message is plain data, checked by `read`:

    None, bool, int, str    as themselves
    float                   as itself; inf and nan as {"float": "inf"}
    complex                 {"complex": [real, imag]}
    tuple, list             {"tuple": [...]}, {"list": [...]}
    dict                    {"dict": [[key, value], ...]}
    numpy array, scalar     {"array": .npy in base64}, {"scalar": ...}: bool or numeric dtype only, at most MAX_ARRAY_BYTES
    numpy Generator         {"generator": its bit generator's state}: one of BIT_GENERATORS
    nnkit.TwoLayerNet       {"network": {"sizes", "activation", "output", "params"}}: rebuilt by its constructor
    a function              {"function": number, "name": ...}: it stays where it is, and is called there
    the receiver's function {"yours": number}: one the receiver sent before, given back
    anything else           {"refused": why}: reading it raises WireError(why)

Nothing is ever instantiated, imported or looked up by a name that arrives: a network is made by
`TwoLayerNet(...)` from its sizes, a generator only from the bit generators listed here, and what
arrives is always of the receiver's own types (a subclass that "equals anything" cannot cross).

This module is imported in the student's kernel too, so it uses only the standard library, numpy
and nnkit.
"""

import base64
import binascii
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib import format as npy

from nnkit.network import TwoLayerNet

# Limits on what one side accepts from the other.
MAX_MESSAGE_CHARS = 160 * 2**20  # one message as JSON text (arrays in base64 take 4/3 of their bytes)
MAX_ARRAY_BYTES = 64 * 2**20  # one array's data
MAX_DEPTH = 60  # nesting of containers: deeper is not an answer but an attack on the reader
MAX_TEXT_CHARS = 10_000  # a message's text fields (what was printed, an error message)
MAX_JSON_ITEMS = 200_000  # items and containers in one message's JSON (each costs memory to read)
BIT_GENERATORS = {name: getattr(np.random, name) for name in ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")}
ARRAY_KINDS = "biufc"  # numpy dtype kinds that are data: bool, int, unsigned int, float, complex
NON_FINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}

VALUE = object()  # a field that holds a value (checked by `read` when the receiver decodes it)
# The exceptions a "raised" message may name to be raised again as themselves on the other side
# (a test may expect a ValueError); any other is raised as the receiver's own error type.
EXCEPTIONS = {kind.__name__: kind for kind in (
    ArithmeticError, AssertionError, AttributeError, FloatingPointError, ImportError, IndexError, KeyError,
    LookupError, MemoryError, ModuleNotFoundError, NameError, NotImplementedError, OSError, OverflowError,
    RecursionError, RuntimeError, TypeError, UnboundLocalError, ValueError, ZeroDivisionError,
    np.linalg.LinAlgError,
)}


@dataclass(frozen=True)
class Message:
    """One kind of message: who may send it, its fields (name -> JSON type, or VALUE), what it means."""

    sender: str  # "grader", "agent" or "either"
    fields: dict[str, Any]
    meaning: str


MESSAGES = {
    "ready": Message("agent", {}, "the agent serves; it waits for the first request"),
    "names": Message("grader", {"names": list}, "send the values of these names of the notebook"),
    "values": Message("agent", {"values": dict}, "name -> value, for the names asked that the notebook has"),
    "call": Message("grader", {"function": int, "args": list, "kwargs": dict, "forbidden": list, "send_back": list,
                               "stand_ins": dict},
                    "call your function with these arguments, without running code of the nnkit modules "
                    "forbidden; send back the arguments named in send_back (positions as strings, or keywords); "
                    "while it runs, the notebook's names in stand_ins mean the grader's functions given there"),
    "result": Message("agent", {"value": VALUE, "changed": dict, "printed": str},
                      "what the call returned, the arguments asked for as they are after it, what it printed"),
    "callback": Message("agent", {"function": int, "args": list, "kwargs": dict},
                        "the student's code calls the grader's function with these arguments"),
    "returned": Message("grader", {"value": VALUE}, "what the grader's function returned"),
    "raised": Message("either", {"type": str, "message": str, "traceback": str},
                      "the call raised this exception"),
    "stop": Message("grader", {}, "the test cell is done: stop serving"),
}


class WireError(ValueError):
    """A message or a value is not what the conversation allows; the message says why."""


# --- messages ---------------------------------------------------------------


def write(kind: str, **fields: Any) -> str:
    """A message of this side, as JSON text."""
    message = MESSAGES[kind]
    if set(fields) != set(message.fields):
        raise WireError(f"a {kind!r} message has the fields {sorted(message.fields)}, not {sorted(fields)}")
    return json.dumps({"kind": kind, **fields}, allow_nan=False)


def parse(text: Any, sender: str) -> dict:
    """The message `sender` sent as `text`, checked against the table; WireError if it is not one."""
    if type(text) is not str or len(text) > MAX_MESSAGE_CHARS:
        raise WireError(f"a message must be JSON text of at most {MAX_MESSAGE_CHARS} characters")
    if text.count(",") + text.count("[") + text.count("{") > MAX_JSON_ITEMS:  # arrays travel as base64: no commas
        raise WireError(f"a message may hold at most {MAX_JSON_ITEMS} items (send large data as a numpy array)")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise WireError("a message that is not JSON") from None
    kind = data.get("kind") if type(data) is dict else None
    message = MESSAGES.get(kind) if type(kind) is str else None
    if message is None or message.sender not in (sender, "either"):
        raise WireError(f"{sender} may not send a message of kind {str(kind)[:40]!r}")
    if set(data) != {"kind", *message.fields}:
        raise WireError(f"a {kind!r} message has the fields {sorted(message.fields)}")
    for name, expected in message.fields.items():
        if expected is not VALUE and type(data[name]) is not expected:
            raise WireError(f"the field {name!r} of a {kind!r} message must be a {expected.__name__}")
    for name in ("printed", "message", "traceback", "type"):
        if name in data:
            data[name] = shortened(data[name])
    return data


def shortened(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """`text`, cut to `limit` characters with a note of how much was cut."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... ({len(text) - limit} more characters not shown)\n"


# --- values -----------------------------------------------------------------


class Side:
    """How one side sends what is not data, and receives what the other side sent of that kind."""

    def function_reference(self, value: Any) -> dict | None:
        """{"function": ...} or {"yours": ...} for a value that is not data; None refuses it."""
        return None

    def their_function(self, number: int, name: str) -> Any:
        raise WireError("this side does not receive functions")

    def my_function(self, number: int) -> Any:
        raise WireError("this side sent no functions")


def encode(value: Any, side: Side, depth: int = 0) -> Any:
    """`value` as JSON-ready plain data (see the module docstring)."""
    if depth > MAX_DEPTH:
        return {"refused": "the value is nested too deeply"}
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if math.isfinite(value) else {"float": repr(value)}
    if kind is complex:
        return {"complex": [encode(value.real, side), encode(value.imag, side)]}
    if kind in (tuple, list):
        return {kind.__name__: [encode(item, side, depth + 1) for item in value]}
    if kind is dict:
        return {"dict": [[encode(key, side, depth + 1), encode(item, side, depth + 1)] for key, item in value.items()]}
    if isinstance(value, np.ndarray | np.generic):
        return _encode_array(value)
    if kind is np.random.Generator:
        return _encode_generator(value, side, depth)
    if kind is TwoLayerNet:
        return _encode_network(value, side, depth)
    reference = side.function_reference(value)
    if reference is not None:
        return reference
    return {"refused": f"a {kind.__name__} is not plain data (numbers, strings, lists, dicts, numpy arrays)"}


def read(data: Any, side: Side) -> Any:
    """The value that the other side's `encode` wrote, made of this side's own types.

    Raises:
        WireError: the data is not a value of the table (with the reason, to show in the test).
    """
    try:
        return _decode(data, side, 0)
    except WireError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, RecursionError) as error:
        raise WireError(f"not plain data ({type(error).__name__}: {str(error)[:200]})") from None


def _decode(data: Any, side: Side, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise WireError("the value is nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is not dict or len(data) != 1:
        raise WireError(f"not plain data: {type(data).__name__}")
    ((tag, parts),) = data.items()
    decoder = _DECODERS.get(tag)
    if decoder is None:
        raise WireError(f"not plain data: an unknown tag {str(tag)[:40]!r}")
    return decoder(parts, side, depth)


def _items(parts: Any, side: Side, depth: int) -> list:
    if type(parts) is not list:
        raise WireError("a container's items must be a list")
    return [_decode(item, side, depth + 1) for item in parts]


def _dict(parts: Any, side: Side, depth: int) -> dict:
    if type(parts) is not list or not all(type(pair) is list and len(pair) == 2 for pair in parts):
        raise WireError("a dict must be a list of [key, value] pairs")
    result = {}
    for key, item in parts:
        key = _decode(key, side, depth + 1)
        if type(key) not in (type(None), bool, int, float, str, tuple):
            raise WireError("a dict's keys must be numbers, strings or tuples")
        result[key] = _decode(item, side, depth + 1)
    return result


def _float(parts: Any, side: Side, depth: int) -> float:
    if parts not in NON_FINITE:
        raise WireError("a special float must be 'inf', '-inf' or 'nan'")
    return NON_FINITE[parts]


def _complex(parts: Any, side: Side, depth: int) -> complex:
    real, imag = _items(parts, side, depth)
    if type(real) not in (int, float) or type(imag) not in (int, float):
        raise WireError("a complex number must be two real numbers")
    return complex(real, imag)


def _refused(parts: Any, side: Side, depth: int) -> Any:
    raise WireError(shortened(str(parts), 300))


def _function(parts: Any, side: Side, depth: int) -> Any:
    if type(parts) is not list or len(parts) != 2 or type(parts[0]) is not int or type(parts[1]) is not str:
        raise WireError("a function must be [number, name]")
    return side.their_function(parts[0], parts[1][:100])


def _yours(parts: Any, side: Side, depth: int) -> Any:
    if type(parts) is not int:
        raise WireError("a reference must be a number")
    return side.my_function(parts)


# --- numpy arrays, generators and networks ----------------------------------


def _encode_array(value: np.ndarray | np.generic) -> dict:
    array = np.asarray(value).view(np.ndarray)
    if array.dtype.kind not in ARRAY_KINDS or array.dtype.fields is not None:
        return {"refused": f"an array of dtype {array.dtype} is not plain data (numbers or booleans only)"}
    if array.nbytes > MAX_ARRAY_BYTES:
        return {"refused": f"an array of {array.nbytes} bytes is larger than the limit of {MAX_ARRAY_BYTES}"}
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    tag = "scalar" if isinstance(value, np.generic) else "array"
    return {tag: base64.b64encode(buffer.getvalue()).decode("ascii")}


def _array(parts: Any, side: Side, depth: int) -> np.ndarray:
    """An array from .npy bytes; its header (dtype, shape) is checked before any data is read."""
    if type(parts) is not str or len(parts) > MAX_ARRAY_BYTES * 4 // 3 + 1024:
        raise WireError("an array must be a string of .npy bytes in base64, within the size limit")
    try:
        stream = io.BytesIO(base64.b64decode(parts, validate=True))
        read_header = _NPY_HEADERS.get(npy.read_magic(stream))
        if read_header is None:
            raise ValueError("only .npy format versions 1.0 and 2.0 are read")
        shape, fortran, dtype = read_header(stream, max_header_size=2000)
    except (ValueError, binascii.Error, SyntaxError, TypeError) as error:
        raise WireError(f"not an array in .npy format: {str(error)[:200]}") from None
    if dtype.kind not in ARRAY_KINDS or dtype.fields is not None or dtype.hasobject:
        raise WireError(f"an array of dtype {dtype} is not plain data (numbers or booleans only)")
    size = math.prod(shape)
    if size * dtype.itemsize > MAX_ARRAY_BYTES:
        raise WireError(f"an array of shape {shape} is larger than the limit of {MAX_ARRAY_BYTES} bytes")
    data = stream.read()
    if len(data) != size * dtype.itemsize:
        raise WireError(f"an array of shape {shape} and dtype {dtype} with {len(data)} bytes of data")
    array = np.frombuffer(data, dtype=dtype).copy()
    return array.reshape(shape[::-1]).T if fortran else array.reshape(shape)


_NPY_HEADERS = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}


def _scalar(parts: Any, side: Side, depth: int) -> np.generic:
    array = _array(parts, side, depth)
    if array.shape != ():
        raise WireError("a numpy scalar must have shape ()")
    return array[()]


def _encode_generator(value: np.random.Generator, side: Side, depth: int) -> dict:
    state = value.bit_generator.state
    if state.get("bit_generator") not in BIT_GENERATORS:
        return {"refused": f"a generator with the bit generator {state.get('bit_generator')} cannot be sent"}
    return {"generator": encode(state, side, depth + 1)}


def _generator(parts: Any, side: Side, depth: int) -> np.random.Generator:
    state = _decode(parts, side, depth + 1)
    name = state.get("bit_generator") if type(state) is dict else None
    if name not in BIT_GENERATORS:
        raise WireError(f"a generator's state must name one of the bit generators {', '.join(BIT_GENERATORS)}")
    bit_generator = BIT_GENERATORS[name]()
    bit_generator.state = state
    return np.random.Generator(bit_generator)


def _encode_network(value: TwoLayerNet, side: Side, depth: int) -> dict:
    return {"network": {
        "sizes": encode([value.n_in, value.n_hidden, value.n_out], side, depth + 1),
        "activation": encode(value.activation, side, depth + 1),
        "output": encode(value.output, side, depth + 1),
        "params": encode(value.params, side, depth + 1),
    }}


def _network(parts: Any, side: Side, depth: int) -> TwoLayerNet:
    """A TwoLayerNet made by its constructor from the sizes and names sent, with the parameters sent."""
    if type(parts) is not dict or set(parts) != {"sizes", "activation", "output", "params"}:
        raise WireError("a network must have sizes, activation, output and params")
    sizes = _decode(parts["sizes"], side, depth + 1)
    if type(sizes) is not list or len(sizes) != 3 or not all(type(size) is int and 1 <= size for size in sizes):
        raise WireError("a network's sizes must be three positive whole numbers")
    n_in, n_hidden, n_out = sizes
    if (n_in + n_out + 2) * n_hidden * 8 > MAX_ARRAY_BYTES:
        raise WireError(f"a network of sizes {sizes} is larger than the limit of {MAX_ARRAY_BYTES} bytes")
    activation, output = (_decode(parts[name], side, depth + 1) for name in ("activation", "output"))
    params = _decode(parts["params"], side, depth + 1)
    if type(activation) is not str or type(output) is not str:
        raise WireError("a network's activation and output must be names")
    if type(params) is not dict or not all(type(key) is str for key in params):
        raise WireError("a network's params must be a dict with names as keys")
    network = TwoLayerNet(n_in, n_hidden, n_out, activation=activation, output=output, seed=0)
    network.params = params
    return network


_DECODERS: dict[str, Callable[[Any, Side, int], Any]] = {
    "tuple": lambda parts, side, depth: tuple(_items(parts, side, depth)),
    "list": _items,
    "dict": _dict,
    "float": _float,
    "complex": _complex,
    "array": _array,
    "scalar": _scalar,
    "generator": _generator,
    "network": _network,
    "function": _function,
    "yours": _yours,
    "refused": _refused,
}


# --- arguments a call changed ------------------------------------------------


def update_in_place(old: Any, new: Any) -> None:
    """Make the test's own argument `old` hold what the student's call left in it (`new`).

    Only for the arguments a test says a call may change (see nnkit.grading.CallRules): a
    network it trains, a generator it draws from, an array it fills.

    Raises:
        WireError: `new` is not the same kind of thing as `old` (another architecture, shape or bit generator).
    """
    if type(old) is TwoLayerNet and type(new) is TwoLayerNet:
        if (old.n_in, old.n_hidden, old.n_out, old.activation, old.output) != (
                new.n_in, new.n_hidden, new.n_out, new.activation, new.output):
            raise WireError(f"the call changed the network's architecture to {new!r}")
        old.params = new.params
    elif type(old) is np.random.Generator and type(new) is np.random.Generator:
        if type(old.bit_generator) is not type(new.bit_generator):
            raise WireError("the call replaced the generator's bit generator")
        old.bit_generator.state = new.bit_generator.state
    elif type(old) is np.ndarray and type(new) is np.ndarray and old.shape == new.shape and old.flags.writeable:
        old[...] = new
    elif type(old) is list and type(new) is list:
        old[:] = new
    elif type(old) is dict and type(new) is dict:
        old.clear()
        old.update(new)
    else:
        raise WireError(f"a {type(old).__name__} argument cannot be changed in place into a {type(new).__name__}")
