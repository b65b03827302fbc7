"""The grader's agent in the student's kernel: it runs the student's code when a test asks.

When classgrader grades a submission, the test cells do not run in the student's kernel but in
the grader (see `checker`), where the student's code cannot reach the checks. When a test calls
the student's function, the grader asks this agent, which calls it here, in the confined kernel,
and sends back the result as plain data (see `wire`).

The two talk through the kernel's own input channel, the one `input()` uses: the grader starts
`serve()` as a (silent) cell, and from then on every message from the agent is an `input()`
prompt and every message from the grader is the reply to it. So exactly one side runs at a time,
and a call can go back and forth (a test passes a function of its own, the student's code calls
it, the grader runs it and answers) as deep as it needs.

    agent -> grader   {"ready": null}            serving; waiting for the first request
                      {"result": ..., "changed": {...}, "printed": "..."}   what a request gave (and the
                                                 arguments it changed, and what the code printed)
                      {"error": {...}}           the request raised this exception
                      {"callback": n, "args": ..., "kwargs": ...}   the student's code calls the grader's function n
    grader -> agent   {"op": ..., ...}           a request: names, call, getattr, getitem, len, bool, iter, next, repr
                      {"result": ...} / {"error": {...}}   what the grader's function n gave
                      {"stop": null}             the test cell is done: end serve()

Nothing in this module is trusted. The student's code runs in the same process and may change
it as it likes; all that gets it is sending the grader other data, as any wrong answer does.
"""

import contextlib
import io
import json
import traceback
from typing import Any

from classgrader import wire

# The longest error message and traceback sent back for one exception.
MESSAGE_CHARS = 2000
TRACEBACK_LINES = 12
# The most of what the student's code prints during one call that goes into the test's output.
PRINTED_CHARS = 10_000


class Stop(BaseException):
    """The grader said stop: unwind whatever is running back to serve()."""


class Agent(wire.Side):
    """Serves the grader's requests on the student's objects, in the student's kernel."""

    def __init__(self, namespace: dict) -> None:
        self.namespace = namespace
        self.objects: dict[int, Any] = {}  # the references handed to the grader, by number
        self.numbers: dict[int, int] = {}  # id(object) -> its number, so an object keeps its number
        self.ask = input

    # --- the conversation -------------------------------------------------

    def serve(self, ask) -> None:
        """Answer the grader's requests until it says stop. `ask` is the kernel's input()."""
        self.ask = ask
        try:
            self.exchange({"ready": None})
        except Stop:
            return
        raise RuntimeError("the grader answered out of turn")

    def exchange(self, message: dict) -> dict:
        """Send `message`; serve the requests that come back until a result, an error or stop."""
        reply = json.loads(self.ask(json.dumps(message, allow_nan=False)))
        while "op" in reply:
            reply = json.loads(self.ask(self.answer(reply)))
        if "stop" in reply:
            raise Stop
        return reply

    def answer(self, request: dict) -> str:
        """The reply to one request, as JSON: its result, or the exception it raised."""
        try:
            result, extra = self.run(request)
            return json.dumps({"result": result, **extra}, allow_nan=False)
        except Stop:
            raise
        except BaseException as error:  # noqa: BLE001 (the student's code may raise anything; the grader decides)
            return json.dumps({"error": describe(error)})

    def run(self, request: dict) -> tuple[Any, dict]:
        op = request["op"]
        if op == "names":
            return self.names(request["names"]), {}
        target = self.objects[request["ref"]]
        if op == "call":
            return self.call(target, request)
        if op == "getattr":
            return wire.encode(getattr(target, request["name"]), self), {}
        if op == "getitem":
            return wire.encode(target[wire.decode(request["key"], self)], self), {}
        if op == "len":
            return len(target), {}
        if op == "bool":
            return bool(target), {}
        if op == "iter":
            return self.reference(iter(target)), {}
        if op == "next":
            return wire.encode(next(target), self), {}
        if op == "repr":
            return repr(target)[:MESSAGE_CHARS], {}
        raise ValueError(f"unknown request {op!r}")

    # --- requests ---------------------------------------------------------

    def names(self, names: list[str]) -> dict:
        """The values of those of `names` that the student's namespace has."""
        return wire.encode({name: self.namespace[name] for name in names if name in self.namespace}, self)

    def call(self, func: Any, request: dict) -> tuple[Any, dict]:
        """Call func(*args, **kwargs); send back the result, the arguments the call changed and what it printed."""
        args = wire.decode(request["args"], self)
        kwargs = wire.decode(request["kwargs"], self)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            if request.get("without"):
                from nnkit import grading

                result = grading.call_without(tuple(request["without"]), func, *args, **kwargs)
            else:
                result = func(*args, **kwargs)
        sent = [(str(position), before, value) for position, (before, value)
                in enumerate(zip(request["args"]["tuple"], args))]
        sent += [(key, before, kwargs[key]) for key, before in request["kwargs"]["dict"]]
        changed = {key: after for key, before, value in sent if (after := self.changed(value, before)) is not None}
        extra = {"changed": changed, "printed": shortened(printed.getvalue())}
        for position, value in enumerate(args):
            if result is value and wire.is_mutable(value):
                return {"argument": position}, extra
        return wire.encode(result, self), extra

    def changed(self, value: Any, before: Any) -> Any:
        """The new encoding of an argument the call changed in place (it was `before`); None if unchanged."""
        if not wire.is_mutable(value):
            return None
        after = wire.encode(value, self)
        return after if after != before else None

    # --- references -------------------------------------------------------

    def reference(self, value: Any) -> dict:
        """A number for an object of the student's that is not data; a module also says its name,
        so that the grader can use its own copy."""
        number = self.numbers.get(id(value))
        if number is None or self.objects.get(number) is not value:
            number = len(self.objects) + 1
            self.objects[number] = value
            self.numbers[id(value)] = number
        data = {"ref": number, "type": type(value).__name__}
        if type(value).__name__ == "module":
            data["module"] = value.__name__
        return data

    def dereference(self, data: dict) -> Any:
        if "ref" in data:
            return self.objects[data["ref"]]
        if "callback" in data:
            return self.callback(data["callback"])
        raise wire.WireError(f"unexpected reference {sorted(data)}")

    def callback(self, number: int):
        """A function that, when the student's code calls it, asks the grader to run its function."""

        def grader_function(*args, **kwargs):
            reply = self.exchange({"callback": number, "args": wire.encode(args, self),
                                   "kwargs": wire.encode(kwargs, self)})
            if "error" in reply:
                raise rebuild_error(reply["error"])
            return wire.decode(reply["result"], self)

        return grader_function


def shortened(text: str) -> str:
    if len(text) <= PRINTED_CHARS:
        return text
    return text[:PRINTED_CHARS] + f"\n... ({len(text) - PRINTED_CHARS} more characters printed)\n"


def describe(error: BaseException) -> dict:
    """An exception as plain data: its type, message, and the student's part of the traceback."""
    try:
        message = str(error)[:MESSAGE_CHARS]
    except BaseException:  # noqa: BLE001 (a student's exception whose str() fails)
        message = "(the message could not be read)"
    try:
        lines = traceback.format_exception(error)[-TRACEBACK_LINES:]
    except BaseException:  # noqa: BLE001
        lines = []
    kind = type(error)
    return {"type": kind.__name__, "builtin": kind.__module__ == "builtins", "message": message,
            "traceback": "".join(lines)[-MESSAGE_CHARS * 2:]}


def rebuild_error(info: dict) -> Exception:
    """The exception the grader's function raised, raised again here (builtin types as themselves)."""
    import builtins

    kind = getattr(builtins, str(info.get("type")), None)
    message = str(info.get("message", ""))
    if info.get("builtin") and isinstance(kind, type) and issubclass(kind, Exception):
        try:
            return kind(message)
        except TypeError:
            pass
    return RuntimeError(f"{info.get('type')}: {message}")


_agent: Agent | None = None


def serve() -> None:
    """Serve the grader for one test cell (what the grader runs in the student's kernel)."""
    global _agent
    from IPython import get_ipython

    shell = get_ipython()
    if _agent is None or _agent.namespace is not shell.user_ns:
        _agent = Agent(shell.user_ns)
    _agent.serve(shell.kernel.raw_input)
