"""Where submissions are graded: a pool of worker processes on this machine.

The grading command only needs `run(tasks)`: it hands over (function, arguments) pairs and gets
the results back as they finish, in any order. A pool for a class bigger than one machine (a
batch system, a cluster) can replace `LocalPool` by offering the same method.

A worker process can die in the middle of a task: a crash in compiled code, kill -9, the
out-of-memory killer. That costs only its task, never the run: the task is run once more in a new
worker, and if that worker dies too the task is given up (a `WorkerDied` comes back in place of its
result) and the others go on.
"""

import multiprocessing
import os
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Protocol

Task = tuple[Callable[..., Any], tuple]

# A task is run at most this many times: once, and once more if its worker died.
TRIES = 2
# Besides watching the pipes, ask this often (seconds) whether each worker is still alive: a worker's
# pipes stay open after it died if it forked a process that lives on with copies of them.
LIVENESS_SECONDS = 1.0
# How long a worker between tasks is given to stop when told to, before it is killed.
STOP_SECONDS = 5.0


@dataclass(frozen=True)
class WorkerDied:
    """Yielded in place of a task's result: the worker running it died on every try.

    `index` is the task's place in the list given to `run`; `how` is how the last worker ended,
    e.g. "signal SIGSEGV" or "exit code 1"; `seconds` is the time all tries took together.
    """

    index: int
    how: str
    seconds: float


class WorkerSetupFailed(Exception):
    """A worker could not be set up (its initializer raised, or it died first): no task can run."""


class Pool(Protocol):
    def run(self, tasks: list[Task], before_retry: Callable[[int], None] | None = None) -> Iterator[Any]:
        """Run every task; yield each result as soon as it is ready, in any order.

        A task whose worker dies is run once more, after `before_retry(index)` (its place in
        `tasks`) has cleared away what the dead try left; if it dies again, a `WorkerDied` is
        yielded for it instead. An exception raised by a task is raised here. When the iteration
        ends, finished or not, no worker is left.
        """


class LocalPool:
    """Worker processes on this machine, each set up once by `initializer`.

    By default two more workers than cores: a worker waits while its kernel starts and runs, and
    the extra ones keep the cores busy meanwhile (measured with make bench-grade on 2 cores).
    Workers are forked from the grading command, which has imported nbgrader already, so a worker
    is ready at once instead of spending 1.3 s of a core on imports (the command holds no open
    gradebook connection or thread at that moment, nor later while it hands out work). A worker
    that takes the place of a dead one is forked and set up the same way.
    """

    def __init__(self, initializer: Callable[..., None], initargs: tuple, workers: int | None = None) -> None:
        self.workers = workers or len(os.sched_getaffinity(0)) + 2
        self.initializer, self.initargs = initializer, initargs

    def run(self, tasks: list[Task], before_retry: Callable[[int], None] | None = None) -> Iterator[Any]:
        """See `Pool.run`. The workers are stopped however the iteration ends (finished, stopped, raised)."""
        run = _Run(self, tasks, before_retry or (lambda index: None))
        try:
            while run.unfinished():
                yield from run.step()
        finally:
            run.stop_workers()


@dataclass
class _Worker:
    """One worker process, our end of the pipe to it, and the task it is running (its index), if any."""

    process: BaseProcess
    connection: Connection
    ready: bool = False  # set up, and has said so
    task: int | None = None
    started: float = 0.0
    pipe_open: bool = True  # False once the worker's end of the pipe has closed


class _Run:
    """One `LocalPool.run`: the tasks not started yet, the workers, and how often each task was tried."""

    def __init__(self, pool: LocalPool, tasks: list[Task], before_retry: Callable[[int], None]) -> None:
        self.pool, self.tasks, self.before_retry = pool, tasks, before_retry
        self.waiting = deque(range(len(tasks)))
        self.tries = [0] * len(tasks)
        self.seconds = [0.0] * len(tasks)
        self.workers: list[_Worker] = []

    def unfinished(self) -> bool:
        return bool(self.waiting) or any(worker.task is not None for worker in self.workers)

    def step(self) -> list[Any]:
        """Keep the workers busy, wait until something happens, and return the results it brought."""
        self.start_workers()
        self.hand_out()
        watched = [w.connection for w in self.workers if w.pipe_open] + [w.process.sentinel for w in self.workers]
        ready = wait(watched, timeout=LIVENESS_SECONDS)
        results = []
        for worker in list(self.workers):
            if worker.connection in ready:
                results += self.read(worker)
            if not worker.process.is_alive():
                results += self.read(worker)  # what it sent just before it ended
                results += self.bury(worker)
        return results

    def start_workers(self) -> None:
        """Start workers until there is one for every unfinished task, up to the pool's size."""
        busy = sum(worker.task is not None for worker in self.workers)
        while len(self.workers) < min(self.pool.workers, len(self.waiting) + busy):
            ours, theirs = multiprocessing.get_context("fork").Pipe()
            process = multiprocessing.get_context("fork").Process(
                target=serve, args=(theirs, self.pool.initializer, self.pool.initargs), name="grading worker")
            process.start()
            theirs.close()  # the worker holds its end: when the worker dies, ours reads end-of-file
            self.workers.append(_Worker(process, ours))

    def hand_out(self) -> None:
        """Give each set-up worker without a task the next waiting one (a retry comes first)."""
        for worker in self.workers:
            if not (self.waiting and worker.ready and worker.task is None and worker.pipe_open):
                continue
            index = self.waiting.popleft()
            try:
                worker.connection.send(self.tasks[index])
            except OSError:  # it died between tasks: the task goes to another worker, untried
                self.waiting.appendleft(index)
                worker.pipe_open = False
                continue
            worker.task, worker.started = index, time.perf_counter()
            self.tries[index] += 1

    def read(self, worker: _Worker) -> list[Any]:
        """The results waiting in a worker's pipe; raise a task's exception or a failed setup."""
        results = []
        while worker.pipe_open and worker.connection.poll():
            try:
                kind, *content = worker.connection.recv()
            except (EOFError, OSError):
                worker.pipe_open = False
                break
            if kind == "ready":
                worker.ready = True
            elif kind == "result":
                worker.task = None
                results.append(content[0])
            elif kind == "raised":
                error, where = content
                error.add_note(f"Raised in a worker process:\n{where}")
                raise error
            else:
                raise WorkerSetupFailed(content[0].strip().splitlines()[-1]) from _WorkerTraceback(content[0])
        return results

    def bury(self, worker: _Worker) -> list[WorkerDied]:
        """Take a dead worker away; its task is run again, or given up if this was its last try."""
        how = ended_by(worker.process.exitcode)
        self.workers.remove(worker)
        worker.connection.close()
        worker.process.close()
        if not worker.ready:
            raise WorkerSetupFailed(f"a worker died while being set up ({how})")
        index = worker.task
        if index is None:
            return []  # it died between tasks: nothing was lost, a new worker starts if needed
        self.seconds[index] += time.perf_counter() - worker.started
        if self.tries[index] >= TRIES:
            return [WorkerDied(index, how, self.seconds[index])]
        self.before_retry(index)
        self.waiting.appendleft(index)
        return []

    def stop_workers(self) -> None:
        """End every worker: one between tasks is told to stop, one still busy or setting up is killed."""
        for worker in self.workers:
            if worker.ready and worker.task is None and worker.pipe_open:
                with suppress(OSError):
                    worker.connection.send(None)
            else:
                worker.process.kill()
        for worker in self.workers:
            worker.process.join(STOP_SECONDS)
            if worker.process.exitcode is None:
                worker.process.kill()
                worker.process.join()
            worker.connection.close()
            worker.process.close()
        self.workers.clear()


class _WorkerTraceback(Exception):
    """A traceback from a worker process, shown as the cause of the error it led to."""


def ended_by(exitcode: int) -> str:
    """How a process ended, in words: "signal SIGSEGV" or "exit code 1"."""
    if exitcode >= 0:
        return f"exit code {exitcode}"
    try:
        return f"signal {signal.Signals(-exitcode).name}"
    except ValueError:
        return f"signal {-exitcode}"


def serve(connection: Connection, initializer: Callable[..., None], initargs: tuple) -> None:
    """A worker's life: set up once, then run the tasks that come through the pipe until told to stop.

    A task's exception is sent back to be raised in the caller; a task that ends the worker
    (a crash, a signal, sys.exit, os._exit) is noticed by the pool from the worker's exit.
    """
    try:
        initializer(*initargs)
    except Exception:  # noqa: BLE001 (reported to the pool, which stops the run)
        connection.send(("setup failed", traceback.format_exc()))
        return
    connection.send(("ready",))
    while (task := connection.recv()) is not None:
        function, arguments = task
        try:
            reply = ("result", function(*arguments))
        except Exception as error:  # noqa: BLE001 (raised again in the caller)
            reply = ("raised", error, traceback.format_exc())
        send_back(connection, reply)


def send_back(connection: Connection, reply: tuple) -> None:
    """Send a task's result or exception to the pool; one that cannot be pickled becomes an error saying so."""
    try:
        connection.send(reply)
    except OSError:
        raise  # the pool is gone
    except Exception as error:  # noqa: BLE001 (pickling can fail with any exception)
        connection.send(("raised", TypeError(f"the task's {reply[0]} could not be sent back: {error}"), ""))
