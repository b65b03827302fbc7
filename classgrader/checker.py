"""Test cells run in the grader, where the student's code cannot reach the checks.

In plain nbgrader a test cell runs in the student's kernel, next to the student's code: a
submission can patch numpy, nnkit's checks or Python's builtins there, or return an object that
equals anything, and pass every test. Here a test cell (only one that the gradebook holds, with
the gradebook's source) runs in the grading worker instead, in a namespace of its own with the
grader's own numpy, nnkit and builtins. The names it uses from the student's notebook come over
from the student's kernel:

- data (numbers, arrays, lists, dicts, nnkit networks) as copies made of the grader's own types;
- the student's functions and other objects as `StudentObject`s: calling one asks the student's
  kernel (its `agent`) to call the real function there, confined, and the result comes back as
  data again (see `wire`). Arguments the function changes are changed here too.

The conversation goes through the kernel's input channel (see `agent`); `KernelLink` is the
grader's end of it, with the cell's time limit and the checks for a kernel that died.
"""

import ast
import builtins
import io
import json
import sys
import time
import traceback
import warnings
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

import zmq
from jupyter_client import BlockingKernelClient
from jupyter_core.utils import run_sync
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode

from classgrader import wire

# What the grader runs in the student's kernel to start the conversation for one test cell.
SERVE = "__import__('classgrader.agent', fromlist=['serve']).serve()"
# Packages whose modules, when a name in the student's notebook refers to one, are the grader's own here.
TRUSTED_PACKAGES = frozenset({"numpy", "nnkit", "sklearn", "scipy", "math"})
# How long an interrupted kernel has to stop the student's code before it counts as dead.
INTERRUPT_GRACE_SECONDS = 10.0
POLL_SECONDS = 0.5


class CellTimeoutError(BaseException):
    """The student's code ran out of time in a test cell (a BaseException, so that a test's own
    `except Exception` does not swallow it and go on calling the stuck code)."""


class KernelDied(BaseException):
    """The student's kernel died during a test (a BaseException, so that a test's own `except
    Exception` does not swallow it: the kernel must be replaced before grading goes on)."""


class StudentCodeError(Exception):
    """The student's code raised an exception that is not one of Python's own."""


class KernelLink:
    """The grader's end of the conversation with the agent in the student's kernel."""

    def __init__(self, km: Any) -> None:
        self.km = km
        self.client = BlockingKernelClient()
        self.client.load_connection_info(km.get_connection_info())
        self.client.start_channels(shell=True, iopub=False, stdin=True, hb=False, control=False)
        self.poller = zmq.Poller()
        self.poller.register(self.client.stdin_channel.socket, zmq.POLLIN)
        self.poller.register(self.client.shell_channel.socket, zmq.POLLIN)
        self.serving: str | None = None  # the msg_id of the agent's serve() while it runs
        self.seconds_left = 0.0

    def start(self, seconds: float) -> None:
        """Start serving for one test cell, whose student code may take `seconds` in all."""
        self.seconds_left = seconds
        if self.serving is None:
            self.serving = self.client.execute(SERVE, silent=True, store_history=False, allow_stdin=True)
            self._check_ready(self.wait())

    def turn(self, message: str) -> str:
        """Send `message` (a reply to the agent's prompt); return the agent's next message."""
        if self.serving is None:
            self.start(self.seconds_left)
        self.client.input(message)
        return self.wait()

    def stop(self) -> None:
        """End serve() in the kernel, and wait for it to finish."""
        if self.serving is None:
            return
        self.client.input(json.dumps({"stop": None}))
        try:
            self._shell_reply(timeout=INTERRUPT_GRACE_SECONDS)
        finally:
            self.serving = None

    def close(self) -> None:
        self.client.stop_channels()

    def wait(self) -> str:
        """The agent's next message, within the time left; interrupts student code that runs over it."""
        interrupted_at = None
        while True:
            start = time.monotonic()
            ready = dict(self.poller.poll(int(POLL_SECONDS * 1000)))
            self.seconds_left -= time.monotonic() - start
            if self.client.stdin_channel.socket in ready:
                prompt = self._prompt()
                if prompt is not None:
                    if interrupted_at is not None:
                        raise CellTimeoutError("the student's code ran out of time and was interrupted")
                    return prompt
            if self.client.shell_channel.socket in ready and self._serve_ended():
                if interrupted_at is not None:
                    raise CellTimeoutError("the student's code ran out of time and was interrupted")
                raise StudentCodeError("the student's code stopped the grader's agent in the kernel "
                                       "(it changed or removed what the tests need)")
            if ready:
                continue
            if not run_sync(self.km.is_alive)():
                self.serving = None
                raise KernelDied("the kernel died while a test was running the student's code")
            if self.seconds_left <= 0 and interrupted_at is None:
                interrupted_at = time.monotonic()
                run_sync(self.km.interrupt_kernel)()
            elif interrupted_at is not None and time.monotonic() - interrupted_at > INTERRUPT_GRACE_SECONDS:
                run_sync(self.km.shutdown_kernel)(now=True)
                self.serving = None
                raise KernelDied("the student's code ran out of time and did not stop when interrupted")

    def _prompt(self) -> str | None:
        message = self.client.stdin_channel.get_msg(timeout=0)
        if message["msg_type"] != "input_request" or message["parent_header"].get("msg_id") != self.serving:
            return None
        return message["content"]["prompt"]

    def _serve_ended(self) -> bool:
        message = self.client.shell_channel.get_msg(timeout=0)
        if message["parent_header"].get("msg_id") != self.serving:
            return False
        self.serving = None
        return True

    def _shell_reply(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.serving is not None and time.monotonic() < deadline:
            if self.client.shell_channel.msg_ready() or self.client.shell_channel.socket.poll(100):
                self._serve_ended()

    def _check_ready(self, prompt: str) -> None:
        try:
            ready = json.loads(prompt)
        except ValueError:
            ready = None
        if not isinstance(ready, dict) or "ready" not in ready:
            raise StudentCodeError("the grader's agent in the kernel did not start (input() was replaced?)")


class StudentObject:
    """Something of the student's that is not data (a function, an object): it stays in the
    student's kernel, and using it here asks the kernel."""

    __slots__ = ("_checker", "_number", "_type")

    def __init__(self, checker: "Checker", number: int, type_name: str) -> None:
        self._checker, self._number, self._type = checker, number, type_name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._checker.call(self, args, kwargs)

    def call_without(self, modules: Sequence[str], args: tuple, kwargs: dict) -> Any:
        """Call it in the kernel under nnkit.grading.call_without (see there)."""
        return self._checker.call(self, args, kwargs, without=modules)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._checker.request("getattr", self, name=name)

    def __getitem__(self, key: Any) -> Any:
        return self._checker.request("getitem", self, key=wire.encode(key, self._checker))

    def __len__(self) -> int:
        length = self._checker.request("len", self)
        if type(length) is not int:
            raise TypeError("len() of the student's object is not an int")
        return length

    def __bool__(self) -> bool:
        return self._checker.request("bool", self) is True

    def __iter__(self):
        iterator = self._checker.request("iter", self)
        while True:
            try:
                yield self._checker.request("next", iterator)
            except StopIteration:
                return

    def __repr__(self) -> str:
        return f"<{self._type} object of the student's code>"


class Checker(wire.Side):
    """Runs a notebook's test cells here, with the student's names brought over from the kernel."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
        self.link: KernelLink | None = None
        self.callbacks: dict[int, Any] = {}

    def connect(self, km: Any) -> None:
        """Talk to this (new) kernel from now on."""
        self.disconnect()
        self.link = KernelLink(km)

    def disconnect(self) -> None:
        if self.link is not None:
            self.link.close()
            self.link = None

    # --- running a test cell ---------------------------------------------

    def run_cell(self, cell: NotebookNode, seconds: float, execution_count: int) -> None:
        """Run a test cell here; its outputs are what a kernel would have shown."""
        cell.outputs = []
        cell.execution_count = execution_count
        stdout, stderr = io.StringIO(), io.StringIO()
        try:
            self.link.start(seconds)
            self.namespace.update(self.student_names(cell.source))
            with redirect_stdout(stdout), redirect_stderr(stderr), warnings.catch_warnings():
                warnings.simplefilter("default")
                result = run_source(cell.source, self.namespace, f"<test cell {cell_name(cell)}>")
            self.link.stop()
        except KernelDied as error:
            cell.outputs = stream_outputs(stdout, stderr)
            raise DeadKernelError(str(error)) from None
        except (Exception, CellTimeoutError) as error:  # a failing test: the cell shows the error, grading goes on
            cell.outputs = stream_outputs(stdout, stderr) + [error_output(error)]
            self._end_after_error()
            return
        cell.outputs = stream_outputs(stdout, stderr)
        if result is not None:
            cell.outputs.append(NotebookNode(output_type="execute_result", execution_count=execution_count,
                                             data={"text/plain": repr(result)}, metadata={}))

    def _end_after_error(self) -> None:
        try:
            self.link.stop()
        except (CellTimeoutError, StudentCodeError, zmq.ZMQError):
            self.link.serving = None

    def student_names(self, source: str) -> dict[str, Any]:
        """The values of the names the cell uses that the student's notebook defines.

        Python's builtins are never taken from the student (a student's `float` or `len` would
        decide the test), nor modules other than the ones the grader trusts.
        """
        wanted = sorted(used_names(source) - set(dir(builtins)))
        values = self.request_names(wanted)
        return {name: value for name, value in values.items()
                if not (isinstance(value, StudentObject) and value._type == "module")}

    # --- requests to the agent -------------------------------------------

    def request_names(self, names: list[str]) -> dict[str, Any]:
        reply = self.exchange({"op": "names", "names": names})
        return self.result(reply)

    def request(self, op: str, target: StudentObject, **fields: Any) -> Any:
        return self.result(self.exchange({"op": op, "ref": target._number, **fields}))

    def call(self, target: StudentObject, args: tuple, kwargs: dict, without: Sequence[str] = ()) -> Any:
        """Call the student's function in the kernel; arguments it changed there change here too."""
        reply = self.exchange({"op": "call", "ref": target._number, "args": wire.encode(tuple(args), self),
                               "kwargs": wire.encode(dict(kwargs), self), "without": list(without)})
        if "error" in reply:
            raise student_error(reply["error"])
        if type(reply.get("printed")) is str:
            print(reply["printed"], end="")  # into the test cell's output, as in the student's kernel
        for key, value in reply.get("changed", {}).items():
            new = self.decode(value)
            if key.isdigit() and int(key) < len(args):
                wire.update_in_place(args[int(key)], new)
            elif key in kwargs:
                wire.update_in_place(kwargs[key], new)
        result = reply.get("result")
        if isinstance(result, dict) and set(result) == {"argument"} and type(result["argument"]) is int:
            return args[result["argument"]]
        return self.decode(result)

    def result(self, reply: dict) -> Any:
        if "error" in reply:
            raise student_error(reply["error"])
        return self.decode(reply.get("result"))

    def decode(self, data: Any) -> Any:
        try:
            return wire.read(data, self)
        except wire.WireError as error:
            raise StudentCodeError(f"the student's code sent back something that is not plain data: {error}") from None

    def exchange(self, message: dict) -> dict:
        """Send a request; run the grader's functions the student's code calls meanwhile; return the reply."""
        text = self.link.turn(json.dumps(message, allow_nan=False))
        while True:
            try:
                incoming = json.loads(text)
            except (ValueError, RecursionError):
                incoming = None
            if not isinstance(incoming, dict):
                raise StudentCodeError("the student's kernel answered with something that is not plain data")
            if "callback" not in incoming:
                return incoming
            text = self.link.turn(self.run_callback(incoming))

    def run_callback(self, request: dict) -> str:
        """Run the grader's function that the student's code called, on plain data; the reply as JSON."""
        try:
            function = self.callbacks[request["callback"]]
            args, kwargs = self.decode(request["args"]), self.decode(request["kwargs"])
            if type(args) is not tuple or type(kwargs) is not dict:
                raise StudentCodeError("a call needs a tuple of arguments and a dict of keywords")
            return json.dumps({"result": wire.encode(function(*args, **kwargs), self)}, allow_nan=False)
        except Exception as error:  # noqa: BLE001 (the test's function failed on the student's input: tell the student's code)
            return json.dumps({"error": {"type": type(error).__name__, "builtin": type(error).__module__ == "builtins",
                                         "message": str(error)[:2000]}})

    # --- references (wire.Side) ------------------------------------------

    def reference(self, value: Any) -> dict:
        """The grader's functions go to the student's code as callbacks; nothing else of the grader's goes."""
        if isinstance(value, StudentObject):
            return {"ref": value._number}
        if callable(value):
            number = len(self.callbacks) + 1
            self.callbacks[number] = value
            return {"callback": number}
        raise wire.WireError(f"a {type(value).__name__} cannot be passed to the student's code")

    def dereference(self, data: dict) -> Any:
        """A student's object: the grader's own module when it is one, else a StudentObject."""
        if type(data.get("ref")) is not int:
            raise wire.WireError(f"unexpected reference {sorted(data)}")
        trusted = trusted_module(data)
        if trusted is not None:
            return trusted
        return StudentObject(self, data["ref"], str(data.get("type", "object"))[:100])


def trusted_module(data: dict) -> Any:
    """The grader's own copy of a module the student's name refers to (numpy, nnkit, ...), if it has one.

    Only modules the grader has imported already, of packages it trusts: a student's name never
    makes the grader import anything, nor run any function but the student's own (in the kernel).
    """
    name = data.get("module")
    if type(name) is not str or name.split(".")[0] not in TRUSTED_PACKAGES:
        return None
    return sys.modules.get(name)


def student_error(info: Any) -> Exception:
    """The exception the student's code raised, raised again here: Python's own types as themselves."""
    info = info if isinstance(info, dict) else {}
    name, message = str(info.get("type", "Exception"))[:100], str(info.get("message", ""))[:2000]
    if name == "StopIteration":
        return StopIteration()
    kind = getattr(builtins, name, None)
    where = str(info.get("traceback", "")).strip()
    if where and name != "AssertionError":
        message += "\n\nWhere it happened in your code (last lines of the traceback):\n" + where[-1500:]
    if info.get("builtin") is True and isinstance(kind, type) and issubclass(kind, Exception):
        try:
            return kind(message)
        except TypeError:
            pass
    return StudentCodeError(f"{name}: {message}")


def used_names(source: str) -> set[str]:
    """Every name the code reads (as a variable), anywhere in it."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def run_source(source: str, namespace: dict, filename: str) -> Any:
    """Run a cell's code as a kernel does: the value of a last bare expression is returned."""
    tree = ast.parse(source, filename)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, filename, "exec"), namespace)  # noqa: S102 (the gradebook's own test code)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), filename, "eval"), namespace)  # noqa: S307


def stream_outputs(stdout: io.StringIO, stderr: io.StringIO) -> list[NotebookNode]:
    return [NotebookNode(output_type="stream", name=name, text=buffer.getvalue())
            for name, buffer in (("stdout", stdout), ("stderr", stderr)) if buffer.getvalue()]


def error_output(error: BaseException) -> NotebookNode:
    """An error output as a kernel writes it, with the test's frames (not the grader's)."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename.startswith("<test cell")]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(error), error)
    return NotebookNode(output_type="error", ename=type(error).__name__, evalue=str(error),
                        traceback=["Traceback (most recent call last):", *(line.rstrip("\n") for line in lines)])


def cell_name(cell: NotebookNode) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")
