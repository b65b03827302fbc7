"""The checks that the exercises' test cells run.

A test cell calls your function, then hands the result to one of the checks
below together with the right answer. If they differ, the check raises an
``AssertionError`` whose message says what was expected (type, shape, value,
tolerance) and, when the difference matches a common mistake, which one.

    from nnkit import grading

    rng = grading.fixed_rng("p5_hidden_layer")         # same inputs every run
    X = rng.normal(size=(4, 3))
    ...
    answer = grading.call_without_nnkit(hidden_layer, X, Wh, bh)
    grading.check_array(answer, expected, "hidden_layer(X, Wh, bh)",
                        mistakes=[grading.missing_bias(without_bias)])

Mistake detectors
-----------------
A detector is a small function ``detect(answer, expected, rtol, atol)`` that
returns a sentence describing the mistake when ``answer`` looks like it, and
``None`` otherwise. The factories below (``transposed()``, ``wrong_sign()``,
``missing_bias(...)``, ...) make detectors; a test passes a list of them to a
check, most specific first, and the first one that recognises the answer is
named in the message.
"""

import hashlib
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import CodeType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]
Detector = Callable[[Array, Array, float, float], str | None]

DEFAULT_RTOL = 1e-7
DEFAULT_ATOL = 1e-10

# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------


def check_array(
    answer: Any,
    expected: ArrayLike,
    name: str,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    mistakes: Sequence[Detector] = (),
) -> None:
    """Check that ``answer`` is an array of numbers equal to ``expected`` within tolerance.

    Entries count as equal when |answer - expected| <= atol + rtol |expected|.

    Args:
        answer: what the student's code produced.
        expected: the right answer.
        name: how the answer is called in the message, e.g. "hidden_layer(X, Wh, bh)".
        rtol, atol: relative and absolute tolerance.
        mistakes: detectors of common mistakes, tried in order.

    Raises:
        AssertionError: with an explanation, if the answer is wrong.
    """
    expected = np.asarray(expected, dtype=np.float64)
    got = _as_float_array(answer, name, f"an array of shape {expected.shape}")
    if got.shape != expected.shape:
        message = (
            f"{name} has the wrong shape.\n"
            f"  expected: shape {expected.shape}\n"
            f"  got:      shape {got.shape}"
        )
        if got.size == expected.size:
            message += "\n  (Same number of entries: a transpose, a reshape or keepdims may be missing.)"
        raise AssertionError(message + _diagnosis(got, expected, rtol, atol, mistakes))
    _check_finite(got, name)
    if np.allclose(got, expected, rtol=rtol, atol=atol):
        return
    raise AssertionError(
        f"{name} has the right shape {expected.shape} but wrong values.\n"
        + _worst_entry(got, expected, rtol, atol)
        + _small_array_listing(got, expected)
        + _diagnosis(got, expected, rtol, atol, mistakes)
    )


def check_value(
    answer: Any,
    expected: float,
    name: str,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    mistakes: Sequence[Detector] = (),
) -> None:
    """Check that ``answer`` is one number equal to ``expected`` within tolerance.

    A numpy scalar or an array holding exactly one number is accepted too.

    Raises:
        AssertionError: with an explanation, if the answer is wrong.
    """
    got = _as_float_array(answer, name, "a single number")
    if got.size != 1:
        raise AssertionError(
            f"{name} should be a single number, but it is an array of shape {got.shape}."
            + _diagnosis(got, np.asarray(float(expected)), rtol, atol, mistakes)
        )
    got = got.reshape(())
    _check_finite(got, name)
    expected_array = np.asarray(float(expected))
    if np.isclose(got, expected_array, rtol=rtol, atol=atol):
        return
    raise AssertionError(
        f"{name} is wrong.\n"
        f"  expected: {_number(expected)} (tolerance: rtol={rtol:g}, atol={atol:g})\n"
        f"  got:      {_number(float(got))}"
        + _diagnosis(got, expected_array, rtol, atol, mistakes)
    )


def check_number(answer: Any, name: str) -> None:
    """Check that ``answer`` is one real number: an int, a float, a numpy scalar or a
    numpy array holding exactly one number (not a bool)."""
    if _single_number(answer) is None:
        raise AssertionError(f"{name} should be a number, but it is {_describe(answer)}.")


def check_whole_number(answer: Any, name: str) -> None:
    """Check that ``answer`` is a whole number: an int, or a float such as 2.0 (not bool)."""
    check_number(answer, name)
    if not _single_number(answer).is_integer():
        raise AssertionError(f"{name} should be a whole number, but it is {_describe(answer)}.")


def check_integer(answer: Any, expected: int, name: str, hint: str = "") -> None:
    """Check that ``answer`` is the whole number ``expected``.

    Args:
        hint: an extra sentence shown when the number is wrong.
    """
    check_whole_number(answer, name)
    value = int(_single_number(answer))
    if value != expected:
        raise AssertionError(f"{name} is {value}, which is not right." + _hint(hint))


def check_bool(answer: Any, name: str, expected: bool | None = None, hint: str = "") -> None:
    """Check that ``answer`` is True or False, and equal to ``expected`` when it is given."""
    if not isinstance(answer, (bool, np.bool_)):
        raise AssertionError(f"{name} should be True or False, but it is {_describe(answer)}.")
    if expected is not None and bool(answer) != expected:
        raise AssertionError(f"{name} is {bool(answer)}, which is not right." + _hint(hint))


def check_equal(answer: Any, expected: Any, name: str, hint: str = "") -> None:
    """Check that ``answer == expected`` (for tuples, strings and other plain values)."""
    if answer != expected:
        raise AssertionError(f"{name} is {answer!r}, which is not right." + _hint(hint))


def check_shape(answer: Any, shape: tuple[int, ...], name: str) -> None:
    """Check that ``answer`` is an array of numbers of the given shape."""
    got = _as_float_array(answer, name, f"an array of shape {shape}")
    if got.shape != shape:
        raise AssertionError(f"{name} should have shape {shape}, but it has shape {got.shape}.")


def check_tuple(answer: Any, length: int, name: str) -> None:
    """Check that ``answer`` is a tuple (or list) of ``length`` items."""
    if not isinstance(answer, (tuple, list)):
        raise AssertionError(f"{name} should be a tuple of {length} items, but it is {_describe(answer)}.")
    if len(answer) != length:
        raise AssertionError(f"{name} should have {length} items, but it has {len(answer)}.")


def check_keys(answer: Any, keys: Sequence[str], name: str) -> None:
    """Check that ``answer`` is a dict with exactly the given keys."""
    if not isinstance(answer, dict):
        raise AssertionError(f"{name} should be a dict with keys {list(keys)}, but it is {_describe(answer)}.")
    if set(answer) != set(keys):
        raise AssertionError(f"{name} should have the keys {list(keys)}; it has {list(answer)}.")


def check_choice(answer: Any, accepted: Iterable[str], name: str, choices: Iterable[str]) -> None:
    """Check that the string ``answer`` is one of ``choices`` and one of the ``accepted`` ones.

    Case and surrounding spaces are ignored.

    Args:
        accepted: the right answers (a subset of choices).
        choices: every answer the question allows.
    """
    allowed = ", ".join(repr(choice) for choice in choices)
    if not isinstance(answer, str):
        raise AssertionError(f"{name} should be a string, one of {allowed}; it is {_describe(answer)}.")
    normalised = answer.strip().lower()
    if normalised not in {choice.lower() for choice in choices}:
        raise AssertionError(f"{name} is {answer!r}; it should be one of {allowed}.")
    if normalised not in {choice.lower() for choice in accepted}:
        raise AssertionError(f"{name} is {answer!r}, which is not right for this problem.")


def check_labels(
    answer: Any, expected: ArrayLike, name: str, inputs: dict[str, ArrayLike], hint: str = ""
) -> None:
    """Check 0/1 (or True/False) predictions exactly, naming the first input that is wrong.

    Args:
        answer: the student's predictions.
        expected: the right predictions, 0/1 or booleans, any shape.
        name: how the answer is called in the message.
        inputs: the input arrays, same shape as ``expected``, shown for the first wrong entry.
        hint: an extra sentence shown when an answer is wrong.
    """
    expected = np.asarray(expected, dtype=np.float64)
    got = _as_float_array(answer, name, f"an array of 0s and 1s of shape {expected.shape}")
    if got.shape != expected.shape:
        raise AssertionError(
            f"{name} has shape {got.shape}, but it should have the shape of its input, {expected.shape}."
        )
    wrong = np.argwhere(got != expected)
    if wrong.size == 0:
        return
    first = tuple(wrong[0])
    where = ", ".join(f"{key} = {_number(float(np.asarray(value)[first]))}" for key, value in inputs.items())
    raise AssertionError(
        f"{name} is wrong for {len(wrong)} of {expected.size} inputs.\n"
        f"  first one: at {where} the answer should be {_number(float(expected[first]))}, "
        f"got {_number(float(got[first]))}." + _hint(hint)
    )


# ---------------------------------------------------------------------------
# Mistake detectors
# ---------------------------------------------------------------------------


def looks_like(wrong: ArrayLike, description: str) -> Detector:
    """A detector for an answer equal to ``wrong``, the result of a known mistake.

    The test computes ``wrong`` from the same inputs, the mistaken way.
    """
    wrong = np.asarray(wrong, dtype=np.float64)

    def detect(answer: Array, expected: Array, rtol: float, atol: float) -> str | None:
        return description if _close(answer, wrong, rtol, atol) else None

    return detect


def transposed() -> Detector:
    """The answer is the expected matrix transposed (e.g. shape (N_h, N) instead of (N, N_h))."""

    def detect(answer: Array, expected: Array, rtol: float, atol: float) -> str | None:
        if expected.ndim == 2 and _close(answer, expected.T, rtol, atol) and not _close(answer, expected, rtol, atol):
            return "your answer is the expected matrix transposed (rows should be samples)"
        return None

    return detect


def transposed_weights(with_transposed: ArrayLike) -> Detector:
    """The weights were used untransposed: X @ W instead of X @ W.T.

    Args:
        with_transposed: what the computation gives with W in place of W.T
            (the test uses a square W so that this runs without a shape error).
    """
    return looks_like(
        with_transposed,
        "the weight matrix is used the wrong way round: with rows as samples it is X @ W.T, not X @ W "
        "(W has one ROW per unit)",
    )


def missing_bias(without_bias: ArrayLike) -> Detector:
    """The bias was left out.

    Args:
        without_bias: what the computation gives with the bias left out.
    """
    return looks_like(without_bias, "the bias is missing: add b to every row (broadcasting does it: X @ W.T + b)")


def wrong_sign() -> Detector:
    """The answer is minus the expected one."""

    def detect(answer: Array, expected: Array, rtol: float, atol: float) -> str | None:
        if _close(answer, -expected, rtol, atol) and not _close(answer, expected, rtol, atol):
            return "the sign is flipped: your answer is minus the expected one"
        return None

    return detect


def constant_factor() -> Detector:
    """The answer is c times the expected one for some constant c other than 1 (or -1)."""

    def detect(answer: Array, expected: Array, rtol: float, atol: float) -> str | None:
        if answer.shape != expected.shape or not np.any(expected):
            return None
        factor = float(np.sum(answer * expected) / np.sum(expected * expected))
        if np.isclose(abs(factor), 1.0) or factor == 0.0 or not _close(answer, factor * expected, rtol, atol):
            return None
        return f"your answer is {factor:.6g} times the expected one: a constant factor is missing or extra"

    return detect


def sum_instead_of_mean(n: int) -> Detector:
    """The answer summed over n samples where it should have averaged."""

    def detect(answer: Array, expected: Array, rtol: float, atol: float) -> str | None:
        if n != 1 and _close(answer, n * expected, rtol, atol):
            return f"your answer is {n} times too large: it looks like a sum over the {n} samples instead of the mean"
        return None

    return detect


def softmax_wrong_axis(logits: ArrayLike) -> Detector:
    """Softmax normalised over the samples (axis 0) instead of over the classes (axis 1).

    Recognises both e / e.sum(axis=0) and the broadcast slip e / e.sum(axis=1)[None, :].

    Args:
        logits: the logits Z, shape (N, K), rows are samples.
    """
    logits = np.asarray(logits, dtype=np.float64)
    exp = np.exp(logits - np.max(logits))
    candidates = [exp / exp.sum(axis=0, keepdims=True)]
    if logits.shape[0] == logits.shape[1]:
        candidates.append(exp / exp.sum(axis=1)[None, :])

    def detect(answer: Array, expected: Array, rtol: float, atol: float) -> str | None:
        if any(_close(answer, candidate, rtol, atol) for candidate in candidates):
            return (
                "softmax is normalised along the wrong axis: each ROW (one sample) must sum to 1, "
                "so divide by the row sums, np.sum(E, axis=1, keepdims=True)"
            )
        return None

    return detect


# ---------------------------------------------------------------------------
# Fixed random inputs
# ---------------------------------------------------------------------------


def fixed_rng(label: str) -> np.random.Generator:
    """A numpy Generator whose seed is fixed by ``label``.

    Each test uses its own label (e.g. its grade id), so its inputs are the
    same every time it runs, whatever ran before it: grading a submission
    twice gives the same grade.
    """
    digest = hashlib.sha256(label.encode("utf-8")).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


# ---------------------------------------------------------------------------
# Calling the student's code
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CallRules:
    """What a test allows the student's function it is calling right now.

    Attributes:
        forbidden: the nnkit modules the call may not run ("nnkit" for all of it).
        keep_changes: the arguments whose changes in place the test sees after the
            call (a network that a training function trains, or an argument the
            test checks was left as it was); by identity.
        stand_ins: (name, function) pairs: while the call runs, those names of the
            student's notebook mean the test's functions (see ``check_on_its_own``).

    Code that runs the student's function somewhere else (a grader that calls it
    in another process) reads them with ``current_call_rules()``.
    """

    forbidden: tuple[str, ...] = ()
    keep_changes: tuple[Any, ...] = ()
    stand_ins: tuple[tuple[str, Callable[..., Any]], ...] = ()


_CALL_RULES: ContextVar[CallRules] = ContextVar("call_rules", default=CallRules())


def current_call_rules() -> CallRules:
    """The rules of the innermost ``call_quietly`` / ``call_without`` running now."""
    return _CALL_RULES.get()


@contextmanager
def _rules(forbidden: Sequence[str] = (), keep_changes: Sequence[Any] = (),
           stand_ins: Sequence[tuple[str, Callable[..., Any]]] = ()) -> Iterator[None]:
    """Add to the current call rules while a call runs."""
    outer = _CALL_RULES.get()
    token = _CALL_RULES.set(CallRules(tuple(dict.fromkeys((*outer.forbidden, *forbidden))),
                                      (*outer.keep_changes, *keep_changes),
                                      tuple({**dict(outer.stand_ins), **dict(stand_ins)}.items())))
    try:
        yield
    finally:
        _CALL_RULES.reset(token)


def call_quietly(func: Callable[..., Any], *args: Any, keep_changes: Sequence[Any] = (), **kwargs: Any) -> Any:
    """Call ``func(*args, **kwargs)`` with warnings silenced.

    nbgrader gives zero to a test cell that writes to stderr, so a harmless
    warning (say an overflow in exp) must not cost a correct answer its points.

    Args:
        keep_changes: the arguments whose changes in place the test looks at (see ``CallRules``).
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"), _rules(keep_changes=keep_changes):
        warnings.simplefilter("ignore")
        stand_ins = dict(current_call_rules().stand_ins)
        notebook = getattr(func, "__globals__", None)  # a grader that calls func elsewhere sends the stand-ins there
        if stand_ins and isinstance(notebook, dict):
            with names_standing_in(notebook, stand_ins):
                return func(*args, **kwargs)
        return func(*args, **kwargs)


def call_without_nnkit(func: Callable[..., Any], *args: Any, keep_changes: Sequence[Any] = (), **kwargs: Any) -> Any:
    """Call ``func(*args, **kwargs)`` and fail if it runs any of nnkit's own code.

    Same as ``call_without(["nnkit"], func, *args, **kwargs)``.
    """
    return call_without(("nnkit",), func, *args, keep_changes=keep_changes, **kwargs)


def call_without(modules: Sequence[str], func: Callable[..., Any], *args: Any, keep_changes: Sequence[Any] = (),
                 **kwargs: Any) -> Any:
    """Call ``func(*args, **kwargs)`` and fail if it runs code of the given nnkit modules.

    Every function call made while ``func`` runs is watched (``sys.setprofile``, and
    ``threading.setprofile`` for the threads it starts);
    entering a function defined in one of ``modules`` fails the check, however
    it was imported or renamed. ``"nnkit"`` stands for all of nnkit (except this
    module); ``["nnkit.optim", "nnkit.training"]`` forbids only those two.

    Args:
        keep_changes: the arguments whose changes in place the test looks at, e.g.
            the network a training function trains (see ``CallRules``).

    Returns:
        what ``func`` returned.

    Raises:
        AssertionError: "implement it yourself with numpy, don't call nnkit.X".
    """
    entered: list[str] = []

    def watch(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and not entered:
            name = _nnkit_function_name(frame.f_code)
            if name is not None and _in_modules(frame.f_code.co_filename, modules):
                entered.append(name)

    previous, previous_for_threads = sys.getprofile(), threading.getprofile()
    sys.setprofile(watch)
    threading.setprofile(watch)  # and the threads that func starts
    try:
        with _rules(forbidden=modules):
            result = call_quietly(func, *args, keep_changes=keep_changes, **kwargs)
    finally:
        still_watching = sys.getprofile() is watch
        sys.setprofile(previous)
        threading.setprofile(previous_for_threads)
    if not still_watching:
        raise AssertionError(f"{_func_name(func)} switched off the check for nnkit calls (sys.setprofile).")
    if entered:
        raise AssertionError(
            f"{_func_name(func)} calls {entered[0]}: implement it yourself with numpy, don't call {entered[0]}."
        )
    return result


# A stand-in is the test's own code, run on what the student's code passes it: that must be small, in all
# and along every axis (a product of a (2000, 1) and a (1, 2000) array is already 4 million numbers).
MAX_STAND_IN_ITEMS = 100_000
MAX_STAND_IN_AXIS = 2_000


def check_on_its_own(check: Callable[[], None], stand_ins: dict[str, Callable[..., Any]]) -> None:
    """Run ``check()``; if it fails, run it once more with the earlier answers it builds on put right.

    An answer that calls the student's earlier answers (a training step that calls
    their gradient function, a network built on their backward rules) would
    otherwise lose its points for a slip that its own question already counts.
    In the second run, the student's functions that ``check`` calls see the
    stand-ins under those names (``CallRules.stand_ins``); a stand-in may use nnkit,
    which ``call_without`` does not count against the answer. When the second run
    fails too, the first run's error is the one raised.

    Args:
        check: calls the answer (with ``call_quietly`` / ``call_without``) and raises when it is wrong.
        stand_ins: for each earlier answer's name, a right version of it. With none, ``check()`` runs once.
    """
    if not stand_ins:
        check()
        return
    try:
        check()
        return
    except Exception as own_failure:  # a slip upstream can fail in any way
        first_failure = own_failure
    try:
        with _rules(stand_ins=[(name, _stand_in(name, function)) for name, function in stand_ins.items()]):
            check()
    except Exception:
        raise first_failure from None


def _stand_in(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` as a stand-in: not watched by ``call_without`` (it is the test's code, which may use
    nnkit), and refusing arguments of more than ``MAX_STAND_IN_ITEMS`` numbers and items in all."""

    def stand_in(*args: Any, **kwargs: Any) -> Any:
        if _count_items((args, kwargs), MAX_STAND_IN_ITEMS) > MAX_STAND_IN_ITEMS:
            raise ValueError(f"{name} (the test's stand-in) takes at most {MAX_STAND_IN_ITEMS} numbers and items, "
                             f"and arrays of at most {MAX_STAND_IN_AXIS} along any axis.")
        watcher = sys.getprofile()
        sys.setprofile(None)
        try:
            return function(*args, **kwargs)
        finally:
            sys.setprofile(watcher)

    stand_in.__name__ = name
    return stand_in


def _count_items(value: Any, budget: int) -> int:
    """How many numbers and container items ``value`` holds, counting no further than just past ``budget``;
    an array longer than ``MAX_STAND_IN_AXIS`` along an axis counts as more than any budget."""
    if isinstance(value, np.ndarray):
        return int(value.size) if max(value.shape, default=0) <= MAX_STAND_IN_AXIS else budget + 1
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if not isinstance(value, (list, tuple)):
        return 1
    total = len(value)
    for item in value:
        if total > budget:
            break
        total += _count_items(item, budget - total)
    return total


def for_these_arguments(function: Callable[..., Any], *args: Any) -> Callable[..., Any]:
    """A stand-in that returns ``function(*args)`` when it is called with exactly these arguments (equal
    values, given by position or keyword), and refuses any others: the right answer on the test's own
    inputs, and nothing to compute with on a student's."""

    def stand_in(*given: Any, **given_by_keyword: Any) -> Any:
        values = [*given, *given_by_keyword.values()]
        if len(values) != len(args) or not all(_same(value, arg) for value, arg in zip(values, args)):
            raise ValueError(f"the test's stand-in for {_func_name(function)} answers only for the test's own arguments.")
        return function(*args)

    return stand_in


def _same(value: Any, expected: Any) -> bool:
    """Equal values: arrays of the same shape and entries, sequences item by item, anything else by ==."""
    if isinstance(expected, np.ndarray) or isinstance(value, np.ndarray):
        return np.shape(value) == np.shape(expected) and bool(np.array_equal(value, expected))
    if isinstance(expected, (list, tuple)):
        return isinstance(value, (list, tuple)) and len(value) == len(expected) \
            and all(_same(item, want) for item, want in zip(value, expected))
    return type(value) is type(expected) and value == expected


@contextmanager
def names_standing_in(namespace: dict[str, Any], stand_ins: dict[str, Any]) -> Iterator[None]:
    """Within the block the names of ``stand_ins`` mean the stand-ins; afterwards what they meant before."""
    absent = object()
    before = {name: namespace.get(name, absent) for name in stand_ins}
    namespace.update(stand_ins)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is absent:
                namespace.pop(name, None)
            else:
                namespace[name] = value


_NNKIT_DIR = Path(__file__).resolve().parent
_THIS_FILE = Path(__file__).resolve()


@lru_cache(maxsize=None)
def _is_nnkit_file(filename: str) -> bool:
    """True for a .py file of the nnkit package other than this one."""
    if not filename.endswith(".py"):
        return False
    path = Path(filename).resolve()
    return path != _THIS_FILE and _NNKIT_DIR in path.parents


def _in_modules(filename: str, modules: Sequence[str]) -> bool:
    """Whether an nnkit file belongs to one of ``modules`` ("nnkit", "nnkit.optim", ...)."""
    relative = Path(filename).resolve().relative_to(_NNKIT_DIR).with_suffix("")
    module = ".".join(("nnkit", *relative.parts)).removesuffix(".__init__")
    return any(module == name or module.startswith(name + ".") for name in modules)


def _nnkit_function_name(code: CodeType) -> str | None:
    """'nnkit.sigmoid', 'nnkit.TwoLayerNet', ... for code in nnkit, else None."""
    if code.co_name == "<module>" or not _is_nnkit_file(code.co_filename):
        return None
    qualname = code.co_qualname
    public = getattr(sys.modules.get("nnkit"), "__all__", ())
    owner, _, method = qualname.partition(".")
    if owner in public:
        return f"nnkit.{owner}" if method == "__init__" else f"nnkit.{qualname}"
    return f"nnkit.{Path(code.co_filename).stem}.{qualname}"


def _func_name(func: Callable[..., Any]) -> str:
    return f"{getattr(func, '__name__', 'your function')}()"


# ---------------------------------------------------------------------------
# Small helpers for the messages
# ---------------------------------------------------------------------------


def _as_float_array(answer: Any, name: str, wanted: str) -> Array:
    """The answer as a float array, or an AssertionError saying what it is instead."""
    if answer is None:
        raise AssertionError(f"{name} is None; it should be {wanted}. Did you forget a return statement?")
    if isinstance(answer, (str, bytes, dict)):
        raise AssertionError(f"{name} should be {wanted}, but it is {_describe(answer)}.")
    try:
        return np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{name} should be {wanted}, but it is {_describe(answer)}.") from None


def _single_number(answer: Any) -> float | None:
    """The answer as a float if it is one real number (bools excluded), else None."""
    if isinstance(answer, (bool, np.bool_, str, bytes)):
        return None
    try:
        value = np.asarray(answer)
    except (TypeError, ValueError):
        return None
    if value.dtype.kind not in "iuf" or value.size != 1:
        return None
    return float(value.reshape(()))


def _check_finite(got: Array, name: str) -> None:
    if not np.all(np.isfinite(got)):
        raise AssertionError(f"{name} contains NaN or infinite values (an overflow, or 0/0?).")


def _close(answer: Array, candidate: Array, rtol: float, atol: float) -> bool:
    """Same shape and equal within tolerance."""
    return answer.shape == candidate.shape and bool(np.allclose(answer, candidate, rtol=rtol, atol=atol))


def _diagnosis(got: Array, expected: Array, rtol: float, atol: float, mistakes: Sequence[Detector]) -> str:
    """'This looks like: ...' for the first detector that recognises the answer, else ''."""
    for detect in mistakes:
        found = detect(got, expected, rtol, atol)
        if found:
            return f"\n  This looks like a common mistake: {found}."
    return ""


def _worst_entry(got: Array, expected: Array, rtol: float, atol: float) -> str:
    excess = np.abs(got - expected) - rtol * np.abs(expected)
    worst = np.unravel_index(np.argmax(excess), expected.shape)
    index = "[" + ", ".join(str(int(i)) for i in worst) + "]"
    wrong = int(np.sum(~np.isclose(got, expected, rtol=rtol, atol=atol)))
    return (
        f"  {wrong} of {expected.size} entries differ (tolerance: rtol={rtol:g}, atol={atol:g}).\n"
        f"  largest difference at {index}: expected {_number(float(expected[worst]))}, "
        f"got {_number(float(got[worst]))}"
    )


def _small_array_listing(got: Array, expected: Array, limit: int = 12) -> str:
    if expected.size > limit:
        return ""
    return "".join(
        f"\n{label}{np.array2string(values, precision=6, separator=', ', prefix=label)}"
        for label, values in (("  expected: ", expected), ("  got:      ", got))
    )


def _hint(hint: str) -> str:
    return f"\n  Hint: {hint}" if hint else ""


def _number(value: float) -> str:
    return f"{value:.8g}"


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"
