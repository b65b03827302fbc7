"""The grader's agent in the student's kernel: it runs the student's code when a test asks.

When classgrader grades a submission, the test cells do not run in the student's kernel but in
the grader (see `checker`), where the student's code cannot reach the checks. When a test calls
the student's function, the grader asks this agent, which calls it here, in the confined kernel,
and sends back the result as plain data. The messages and the values are `wire`'s.

The two talk through the kernel's own input channel, the one `input()` uses: the grader starts
`serve()` as a (silent) cell, and from then on every message from the agent is an `input()`
prompt and every message from the grader is the reply to it. So exactly one side runs at a time,
and a call can go back and forth (a test passes a function of its own, the student's code calls
it, the grader runs it and answers) as deep as it needs.

Nothing in this module is trusted. The student's code runs in the same process and may change
it as it likes; all that gets it is sending the grader other data, which the grader checks.
"""

import contextlib
import io
import traceback
from pathlib import Path
from typing import Any

from classgrader import wire

# The most of a traceback sent back for one exception.
TRACEBACK_LINES = 12


class Stop(BaseException):
    """The grader said stop: unwind whatever is running back to serve()."""


class Agent(wire.Side):
    """Serves the grader's requests on the student's notebook, in the student's kernel."""

    def __init__(self, namespace: dict) -> None:
        self.namespace = namespace
        self.functions: dict[int, Any] = {}  # the functions handed to the grader, by number
        self.numbers: dict[int, int] = {}  # id(function) -> its number, so a function keeps its number
        self.ask = input

    def serve(self, ask) -> None:
        """Answer the grader's requests until it says stop. `ask` is the kernel's input()."""
        self.ask = ask
        try:
            self.exchange(wire.write("ready"))
        except Stop:
            return
        raise RuntimeError("the grader answered out of turn")

    def exchange(self, text: str) -> dict:
        """Send a message; serve the requests that come back until the reply to it, or stop."""
        reply = wire.parse(self.ask(text), "grader")
        while reply["kind"] in ("names", "call"):
            reply = wire.parse(self.ask(self.answer(reply)), "grader")
        if reply["kind"] == "stop":
            raise Stop
        return reply

    def answer(self, request: dict) -> str:
        """The reply to one request: its result, or the exception it raised."""
        try:
            if request["kind"] == "names":
                return wire.write("values", values={name: wire.encode(self.namespace[name], self)
                                                    for name in request["names"] if name in self.namespace})
            return self.call(request)
        except Stop:
            raise
        except BaseException as error:  # noqa: BLE001 (the student's code may raise anything; the grader decides)
            return wire.write("raised", **describe(error))

    def call(self, request: dict) -> str:
        """Call the student's function; the result, the arguments asked for, and what it printed."""
        from nnkit import grading

        function = self.my_function(request["function"])
        args = [wire.read(item, self) for item in request["args"]]
        kwargs = {key: wire.read(item, self) for key, item in request["kwargs"].items()}
        stand_ins = {name: wire.read(item, self) for name, item in request["stand_ins"].items()}
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), grading.names_standing_in(self.namespace, stand_ins):
            if request["forbidden"]:
                result = grading.call_without(tuple(request["forbidden"]), function, *args, **kwargs)
            else:
                result = function(*args, **kwargs)
        changed = {key: wire.encode(args[int(key)] if key.isdigit() else kwargs[key], self)
                   for key in request["send_back"] if (key.isdigit() and int(key) < len(args)) or key in kwargs}
        return wire.write("result", value=wire.encode(result, self), changed=changed,
                          printed=wire.shortened(printed.getvalue()))

    # --- functions (wire.Side) --------------------------------------------

    def function_reference(self, value: Any) -> dict | None:
        """A number for a function of the student's (or anything callable), which stays here."""
        if not callable(value) or isinstance(value, type):
            return None
        number = self.numbers.get(id(value))
        if number is None or self.functions.get(number) is not value:
            number = len(self.functions) + 1
            self.functions[number] = value
            self.numbers[id(value)] = number
        return {"function": [number, str(getattr(value, "__name__", "function"))[:100]]}

    def my_function(self, number: int) -> Any:
        return self.functions[number]

    def their_function(self, number: int, name: str):
        """A function that, when the student's code calls it, asks the grader to run its function."""

        def grader_function(*args, **kwargs):
            reply = self.exchange(wire.write("callback", function=number, args=[wire.encode(a, self) for a in args],
                                             kwargs={key: wire.encode(v, self) for key, v in kwargs.items()}))
            if reply["kind"] == "raised":
                raise rebuild_error(reply)
            if reply["kind"] != "returned":
                raise RuntimeError("the grader answered out of turn")
            return wire.read(reply["value"], self)

        grader_function.__name__ = name
        return grader_function


def describe(error: BaseException) -> dict:
    """An exception as the fields of a "raised" message: its type, message, and traceback."""
    try:
        message = str(error)
    except BaseException:  # noqa: BLE001 (a student's exception whose str() fails)
        message = "(the message could not be read)"
    try:
        frames = [frame for frame in traceback.extract_tb(error.__traceback__) if not is_graders(frame.filename)]
        lines = (traceback.format_list(frames) + traceback.format_exception_only(type(error), error))[-TRACEBACK_LINES:]
    except BaseException:  # noqa: BLE001
        lines = []
    return {"type": type(error).__name__, "message": wire.shortened(message, 2000),
            "traceback": wire.shortened("".join(lines), 4000)}


def is_graders(filename: str) -> bool:
    """A frame of the grader's own code (this agent, nnkit's call watcher), not the student's."""
    path = Path(filename)
    return path.parent == Path(__file__).parent or path.name == "grading.py" and path.parent.name == "nnkit"


def rebuild_error(info: dict) -> Exception:
    """The exception the grader's function raised, raised again here (Python's usual ones as themselves)."""
    if info["type"] in wire.EXCEPTIONS:
        return wire.EXCEPTIONS[info["type"]](info["message"])
    return RuntimeError(f"{info['type']}: {info['message']}")


_agent: Agent | None = None


def serve() -> None:
    """Serve the grader for one test cell (what the grader runs in the student's kernel)."""
    global _agent
    from IPython import get_ipython

    shell = get_ipython()
    if _agent is None or _agent.namespace is not shell.user_ns:
        _agent = Agent(shell.user_ns)
    _agent.serve(shell.kernel.raw_input)
