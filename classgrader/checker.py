"""Test cells run in the grader, where the student's code cannot reach the checks.

In plain nbgrader a test cell runs in the student's kernel, next to the student's code: a
submission can patch numpy, nnkit's checks or Python's builtins there, or return an object that
equals anything, and pass every test. Here a test cell (only one that the gradebook holds, with
the gradebook's source) runs in the grading worker instead, in a namespace of its own with the
grader's own numpy, nnkit and builtins. The names it uses from the student's notebook come over
from the student's kernel:

- data (numbers, arrays, lists, dicts, nnkit networks) as copies made of the grader's own types;
- the student's functions as `StudentFunction`s: calling one asks the student's kernel (its
  `agent`) to call the real function there, confined, and the result comes back as data again;
- anything else as a `Refused`, which says why wherever the test uses it.

Only the names the cell reads that the assignment itself binds outside its test cells (its answers
and the code it hands out: `assignment_names`) are asked for; never a builtin, a dunder or a
test's own helper, which the student's code could otherwise replace. What the messages and values may be is `wire`'s table; `KernelLink` is the grader's
end of the conversation, with the cell's time limit and the checks for a kernel that died.
"""

import ast
import builtins
import ctypes
import io
import itertools
import re
import sys
import threading
import time
import traceback
import warnings
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from typing import Any

import zmq
from jupyter_client import BlockingKernelClient
from jupyter_core.utils import run_sync
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode

from classgrader import wire
from nnkit import grading

# What the grader runs in the student's kernel to start the conversation for one test cell.
SERVE = "__import__('classgrader.agent', fromlist=['serve']).serve()"
# What the student's code prints during a test goes between these lines of the test cell's output, so that
# the feedback page can leave it out after hidden tests (classgrader.feedback.students_output).
STUDENT_OUTPUT = ("### BEGIN WHAT YOUR CODE PRINTED", "### END WHAT YOUR CODE PRINTED")
# The last line of a test cell's traceback when the student's code raised the error (feedback: its message
# is not shown where it could carry hidden inputs). Only the checker adds it; a message cannot remove it.
STUDENT_ERROR = "[raised by the student's code]"
# How long an interrupted kernel has to stop the student's code before it counts as dead.
INTERRUPT_GRACE_SECONDS = 10.0
POLL_SECONDS = 0.5


class CellTimeoutError(BaseException):
    """The student's code ran out of time in a test cell (a BaseException, so that a test's own
    `except Exception` does not swallow it and go on calling the stuck code)."""


class GraderOutOfTime(CellTimeoutError):
    """The test's own work here, on what the student's code returned, ran out of the cell's time."""

    def __str__(self) -> str:
        return "the test's checks of what the student's code returned ran out of time in the grader"


class GraderClock:
    """Stops the grader's own work on one test cell after `seconds`: the kernel's clock (KernelLink)
    only runs while the grader waits for the kernel, and a check on a huge answer can take hours.

    The thread that entered gets GraderOutOfTime at its next Python instruction. A stop that rang
    just as the block ended is raised when it ends (never later, outside the block).
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.lock = threading.Lock()
        self.armed = False
        self.rang = False

    def __enter__(self) -> "GraderClock":
        self.thread = threading.get_ident()
        self.armed = True
        self.timer = threading.Timer(self.seconds, self._ring)
        self.timer.daemon = True
        self.timer.start()
        return self

    def _ring(self) -> None:
        with self.lock:
            if self.armed:
                self.rang = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.thread), ctypes.py_object(GraderOutOfTime))

    def __exit__(self, exc_type: type | None, *exc_info: object) -> None:
        with self.lock:
            self.armed = False
            self.timer.cancel()
        if self.rang and not (exc_type and issubclass(exc_type, GraderOutOfTime)):
            # Rung, not raised yet: let it arrive here. (Clearing it with SetAsyncExc(thread, NULL)
            # instead leaves CPython 3.11's eval loop signalled for good: the next profiled call hangs.)
            try:
                for _ in range(100_000):
                    pass
            except GraderOutOfTime:
                pass
            if exc_type is None:
                raise GraderOutOfTime


class KernelDied(BaseException):
    """The student's kernel died during a test (a BaseException, so that a test's own `except
    Exception` does not swallow it: the kernel must be replaced before grading goes on)."""


class StudentCodeError(Exception):
    """The student's code raised an exception that is not one of Python's own."""

    from_student_code = True


class KernelLink:
    """The grader's end of the conversation with the agent in the student's kernel."""

    def __init__(self, km: Any) -> None:
        self.km = km
        # A message larger than the wire's limit is dropped by zmq before it is read into memory.
        self.context = zmq.Context()
        self.context.setsockopt(zmq.MAXMSGSIZE, wire.MAX_MESSAGE_CHARS + 2**20)
        self.client = BlockingKernelClient(context=self.context)
        self.client.load_connection_info(km.get_connection_info())
        self.client.start_channels(shell=True, iopub=False, stdin=True, hb=False, control=False)
        self.poller = zmq.Poller()
        self.poller.register(self.client.stdin_channel.socket, zmq.POLLIN)
        self.poller.register(self.client.shell_channel.socket, zmq.POLLIN)
        self.serving: str | None = None  # the msg_id of the agent's serve() while it runs
        self.deadline = 0.0

    def start(self, seconds: float) -> None:
        """Start serving for one test cell, which may take `seconds` in all (as a kernel's cell)."""
        self.deadline = time.monotonic() + seconds
        if self.serving is None:
            self.serving = self.client.execute(SERVE, silent=True, store_history=False, allow_stdin=True)
            self._check_ready(self.wait())

    def turn(self, message: str) -> str:
        """Send `message` (a reply to the agent's prompt); return the agent's next message."""
        if self.serving is None:
            self.start(self.deadline - time.monotonic())
        self.client.input(message)
        return self.wait()

    def stop(self) -> None:
        """End serve() in the kernel, and wait for it to finish."""
        if self.serving is None:
            return
        self.client.input(wire.write("stop"))
        try:
            self._shell_reply(timeout=INTERRUPT_GRACE_SECONDS)
        finally:
            self.serving = None

    def close(self) -> None:
        self.client.stop_channels()
        self.context.destroy(linger=0)

    def wait(self) -> str:
        """The agent's next message, within the time left; interrupts student code that runs over it."""
        interrupted_at = None
        while True:
            ready = dict(self.poller.poll(int(POLL_SECONDS * 1000)))
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
            # The clock is looked at on every turn: messages that are not the agent's (a flood of them)
            # must not keep the grader waiting past the deadline.
            if not ready and not run_sync(self.km.is_alive)():
                self.serving = None
                raise KernelDied("the kernel died while a test was running the student's code")
            if time.monotonic() > self.deadline and interrupted_at is None:
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
            ready = wire.parse(prompt, "agent")["kind"] == "ready"
        except wire.WireError:
            ready = False
        if not ready:
            raise StudentCodeError("the grader's agent in the kernel did not start (input() was replaced?)")


class StudentFunction:
    """A function of the student's: it stays in the student's kernel, and calling it here calls it
    there, with the arguments as plain data; what comes back is plain data too."""

    __slots__ = ("_checker", "_number", "_name")

    def __init__(self, checker: "Checker", number: int, name: str) -> None:
        self._checker, self._number, self._name = checker, number, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._checker.call(self, args, kwargs)

    @property
    def __name__(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"<function {self._name} of the student's code>"


class Refused:
    """A name of the student's notebook whose value is not plain data: using it says why."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"<not plain data: {self.reason}>"

    def __getattr__(self, name: str) -> Any:
        raise StudentCodeError(self.reason)

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise StudentCodeError(self.reason)

    __call__ = __getitem__ = __iter__ = __len__ = __bool__ = __float__ = __int__ = __index__ = _refuse
    __array__ = __add__ = __sub__ = __mul__ = __truediv__ = __matmul__ = __neg__ = _refuse


class Checker(wire.Side):
    """Runs a notebook's test cells here, with the student's names brought over from the kernel."""

    def __init__(self, answer_names: set[str]) -> None:
        self.namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
        self.answer_names = answer_names  # the only names ever taken from the student's notebook
        self.link: KernelLink | None = None
        self.callbacks: dict[int, Any] = {}
        self.callback_numbers = itertools.count(1)  # never reused, even after a stand-in's is dropped

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
        name = f"<test cell {cell_name(cell)}>"
        visible, hidden = split_at_hidden_tests(cell.source)
        printed = Printed()
        try:
            self.link.start(seconds)
            # Past the kernel's own limit and its grace to stop: the kernel's clock comes first.
            with GraderClock(seconds + 2 * INTERRUPT_GRACE_SECONDS):
                self.namespace.update(self.student_names(cell.source))
                with printed.into("visible"), warnings.catch_warnings():
                    warnings.simplefilter("default")
                    result = run_source(visible, self.namespace, name)
                if hidden is not None:
                    with printed.into("hidden"), warnings.catch_warnings():
                        warnings.simplefilter("default")
                        result = run_source(hidden, self.namespace, name)
            self.link.stop()
        except KernelDied as error:
            cell.outputs = printed.outputs()
            raise DeadKernelError(str(error)) from None
        except (Exception, CellTimeoutError) as error:  # a failing test: the cell shows the error, grading goes on
            cell.outputs = printed.outputs() + [error_output(error)]
            self._end_after_error()
            if isinstance(error, CellTimeoutError):  # the link may be broken (a message too large was dropped)
                self.connect(self.link.km)
            return
        cell.outputs = printed.outputs()
        if result is not None:
            cell.outputs.append(NotebookNode(output_type="execute_result", execution_count=execution_count,
                                             data={"text/plain": wire.shortened(repr(result))}, metadata={}))

    def _end_after_error(self) -> None:
        try:
            self.link.stop()
        except (CellTimeoutError, StudentCodeError, zmq.ZMQError):
            self.link.serving = None

    def student_names(self, source: str) -> dict[str, Any]:
        """The values of the names the cell reads that are the assignment's (answers, handed-out code).

        Never Python's builtins or a dunder (a student's `float`, `len` or `__builtins__` would
        decide the test), nor a test's own helper or data. A value that is not plain data becomes
        a `Refused`, which says why wherever the test uses it.
        """
        wanted = sorted(name for name in used_names(source) & self.answer_names - set(dir(builtins))
                        if not name.startswith("__"))
        if not wanted:
            return {}
        reply = self.exchange(wire.write("names", names=wanted))
        if reply["kind"] == "raised":
            raise student_error(reply)
        if reply["kind"] != "values" or not set(reply["values"]) <= set(wanted):
            raise StudentCodeError("the student's kernel answered with names the grader did not ask for")
        values = {}
        for name, data in reply["values"].items():
            try:
                values[name] = wire.read(data, self)
            except wire.WireError as error:
                values[name] = Refused(f"{name} is not plain data: {error}")
        return values

    # --- calls -----------------------------------------------------------

    def call(self, function: StudentFunction, args: tuple, kwargs: dict) -> Any:
        """Call the student's function in the kernel, under the rules of the test's call (nnkit.grading).

        Only the arguments the test says the call may change (`keep_changes`) are changed here too:
        a test's own arrays never take numbers the student's code wrote into them.
        """
        rules = grading.current_call_rules()
        send_back = [str(position) for position, value in enumerate(args) if _among(value, rules.keep_changes)]
        send_back += [key for key, value in kwargs.items() if _among(value, rules.keep_changes)]
        with unwatched():
            stand_ins = {name: self.encode(stand_in) for name, stand_in in rules.stand_ins}
            request = wire.write("call", function=function._number, args=[self.encode(value) for value in args],
                                 kwargs={key: self.encode(value) for key, value in kwargs.items()},
                                 forbidden=list(rules.forbidden), send_back=send_back, stand_ins=stand_ins)
            try:
                reply = self.exchange(request)
            finally:  # a stand-in answers only during its call: the student's code may keep it for later
                for reference in stand_ins.values():
                    self.callbacks.pop(reference["function"][0], None)
            if reply["kind"] == "raised":
                raise student_error(reply)
            if reply["kind"] != "result":
                raise StudentCodeError("the student's kernel answered out of turn")
            print(student_output(reply["printed"]), end="")  # into the test cell's output, as in the kernel
            for key in send_back:
                if key in reply["changed"]:
                    original = args[int(key)] if key.isdigit() else kwargs[key]
                    self.checked(wire.update_in_place, original, self.decode(reply["changed"][key]))
            return self.decode(reply["value"])

    def encode(self, value: Any) -> Any:
        return self.checked(wire.encode, value, self)

    def decode(self, data: Any) -> Any:
        return self.checked(wire.read, data, self)

    @staticmethod
    def checked(step: Any, *args: Any) -> Any:
        """A wire step whose WireError is the student's code's fault: said as such in the test's output."""
        try:
            return step(*args)
        except wire.WireError as error:
            raise StudentCodeError(f"the student's code sent back something that is not plain data: {error}") from None

    def exchange(self, text: str) -> dict:
        """Send a message; run the grader's functions the student's code calls meanwhile; return the reply."""
        reply = self.link.turn(text)
        while True:
            message = self.checked(wire.parse, reply, "agent")
            if message["kind"] != "callback":
                return message
            reply = self.link.turn(self.run_callback(message))

    def run_callback(self, request: dict) -> str:
        """Run the grader's function that the student's code called, on plain data; the reply as JSON."""
        try:
            function = self.callbacks.get(request["function"])
            if function is None:
                raise LookupError("that function of the test's is gone: a stand-in answers only during its call")
            args = [self.decode(item) for item in request["args"]]
            kwargs = {key: self.decode(item) for key, item in request["kwargs"].items()}
            return wire.write("returned", value=self.encode(function(*args, **kwargs)))
        except Exception as error:  # noqa: BLE001 (the test's function failed on the student's input: tell the student's code)
            return wire.write("raised", type=type(error).__name__, message=wire.shortened(str(error), 2000),
                              traceback="")

    # --- functions (wire.Side) -------------------------------------------

    def function_reference(self, value: Any) -> dict | None:
        """The student's own functions go back as theirs; the test's functions go as callbacks."""
        if isinstance(value, StudentFunction):
            return {"yours": value._number}
        if callable(value) and not isinstance(value, type):
            number = next(self.callback_numbers)
            self.callbacks[number] = value
            return {"function": [number, str(getattr(value, "__name__", "function"))[:100]]}
        return None

    def their_function(self, number: int, name: str) -> StudentFunction:
        return StudentFunction(self, number, name)


def _among(value: Any, values: tuple) -> bool:
    """Whether `value` is one of `values` (by identity)."""
    return any(value is other for other in values)


@contextmanager
def unwatched():
    """The grader's own work during a call, not watched by the test's call_without (which watches
    this process: the student's code runs in the kernel, and is watched there)."""
    watcher = sys.getprofile()
    sys.setprofile(None)
    try:
        yield
    finally:
        sys.setprofile(watcher)


def student_error(info: dict) -> Exception:
    """The exception the student's code raised (a "raised" message), raised again here: Python's
    own types as themselves."""
    name, message = info["type"][:100], info["message"][:2000]
    if name == "StopIteration":
        return StopIteration()
    where = info["traceback"].strip()
    if where and name != "AssertionError":
        message += "\n\nWhere it happened in your code (last lines of the traceback):\n" + where[-1500:]
    if name not in wire.EXCEPTIONS:
        return StudentCodeError(f"{name}: {message}")
    error = wire.EXCEPTIONS[name](message)
    error.from_student_code = True
    return error


def assignment_names(cells: list[NotebookNode], is_test: Any) -> set[str]:
    """The names the source notebook's cells other than its tests bind: what a test may take from
    the student's notebook (the answers, and what the handed-out code defines)."""
    names: set[str] = set()
    for cell in cells:
        if cell.cell_type == "code" and not is_test(cell):
            names |= bound_names(cell.source)
    return names


def bound_names(source: str) -> set[str]:
    """The names the code binds at module level (assignments, definitions, imports): not the
    local names of its functions, lambdas and comprehensions."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    scope = _ModuleScope()
    scope.visit(tree)
    return scope.names


class _ModuleScope(ast.NodeVisitor):
    """Collects the names bound at module level, without entering inner scopes."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Store):
            self.names.add(node.id)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.names.add(node.name)  # its body is another scope

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        self.names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}

    visit_ImportFrom = visit_Import

    def visit_Lambda(self, node: ast.AST) -> None:
        pass  # another scope

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_Lambda


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


def split_at_hidden_tests(source: str) -> tuple[str, str | None]:
    """A test cell's visible part and its hidden tests (None if it has none or they cannot be run
    apart), the hidden part padded with blank lines so that its line numbers are the cell's."""
    lines = source.split("\n")
    start = next((number for number, line in enumerate(lines) if "BEGIN HIDDEN TESTS" in line), None)
    if start is None or lines[start] != lines[start].lstrip():
        return source, None
    visible, hidden = "\n".join(lines[:start]), "\n" * start + "\n".join(lines[start:])
    try:
        ast.parse(visible), ast.parse(hidden)
    except SyntaxError:
        return source, None
    return visible, hidden


class Printed:
    """What a test cell prints, its hidden tests' part between hidden-test markers: the feedback
    page leaves out everything between them, as it leaves out the hidden tests' source (what a
    student's function prints would otherwise show the hidden inputs)."""

    def __init__(self) -> None:
        self.streams = {part: {"stdout": io.StringIO(), "stderr": io.StringIO()} for part in ("visible", "hidden")}

    @contextmanager
    def into(self, part: str):
        """Print into the "visible" or the "hidden" part while the block runs."""
        with redirect_stdout(self.streams[part]["stdout"]), redirect_stderr(self.streams[part]["stderr"]):
            yield

    def outputs(self) -> list[NotebookNode]:
        outputs = []
        for name in ("stdout", "stderr"):
            visible, hidden = (self.streams[part][name].getvalue() for part in ("visible", "hidden"))
            if hidden:
                visible += (f"### BEGIN HIDDEN TESTS (what they printed)\n{hidden.rstrip()}\n### END HIDDEN TESTS\n")
            if visible:
                outputs.append(NotebookNode(output_type="stream", name=name, text=visible))
        return outputs


def student_output(printed: str) -> str:
    """What the student's code printed, between the STUDENT_OUTPUT lines; its own lines that look like a
    marker (of these, or of hidden tests) are changed, so that they cannot end or start a hidden part."""
    if not printed:
        return ""
    lines = [re.sub(r"(?i)hidden tests", "hidden-tests", line.replace("###", "# # #"))
             for line in printed.rstrip("\n").split("\n")]
    return "\n".join([STUDENT_OUTPUT[0], *lines, STUDENT_OUTPUT[1]]) + "\n"


def error_output(error: BaseException) -> NotebookNode:
    """An error output as a kernel writes it, with the test's frames (not the grader's)."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename.startswith("<test cell")]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(error), error)
    lines = ["Traceback (most recent call last):", *(line.rstrip("\n") for line in lines)]
    if getattr(error, "from_student_code", False):
        lines.append(STUDENT_ERROR)
    return NotebookNode(output_type="error", ename=type(error).__name__, evalue=str(error), traceback=lines)


def cell_name(cell: NotebookNode) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")
