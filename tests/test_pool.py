"""classgrader.pool: a worker that dies costs only the task it was running, and no process outlives a run.

Real worker processes, forked as in `make grade`, run tasks that return, raise, segfault, kill their
own worker, die only on their first try, or die on every try. Every other task's result must
arrive; a task that dies on its retry too is reported once, with how its worker ended; the
initializer sets up every worker once, replacements included; and when the run ends (finished,
stopped early, or by an exception) no worker is left.

The last test runs cli.grade_in_parallel on a real course folder with a stand-in for nbgrader's
autograde inside the workers (everything else real): a submission whose worker dies twice is
recorded as finished, so that running again does not stumble on it.
"""

import ctypes
import faulthandler
import os
import signal
import subprocess
import sys
import time
import traceback
from collections import Counter
from multiprocessing import active_children
from pathlib import Path

import pytest

from classgrader import cli, worker
from classgrader.course import Course, Submission, fingerprint
from classgrader.pool import LocalPool, WorkerDied, WorkerSetupFailed

REPO = Path(__file__).resolve().parents[1]

# Set in the test process just before a run: a worker sees it only if it was forked from there.
FORKED_FROM_HERE = {}
# In a worker: the process in which the initializer ran.
SET_UP_IN = {}


# The initializers and tasks. They run in the workers, so they are module-level functions.

def set_up(log: Path | None) -> None:
    """The pool's initializer: remember in which process it ran, and note that process in `log`."""
    SET_UP_IN["pid"] = os.getpid()
    if log:
        note_pid(log)


def fail_setup() -> None:
    raise ValueError("no course here")


def segfault_in_setup() -> None:
    crash()


def crash() -> None:
    """Segfault: read memory at address 0 (without pytest's fault handler, which the fork inherited, printing)."""
    faulthandler.disable()
    ctypes.string_at(0)


def note_pid(log: Path) -> int:
    """Add this process's id to `log`, one line per call; return how many lines it has now."""
    with log.open("a") as file:
        file.write(f"{os.getpid()}\n")
    return len(log.read_text().splitlines())


def square(number: int) -> int:
    return number * number


def sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def who_am_i() -> tuple[int, int | None, str | None]:
    """This worker's process id, where its initializer ran, and what it inherited from the test process."""
    return os.getpid(), SET_UP_IN.get("pid"), FORKED_FROM_HERE.get("token")


def raise_value_error(tries: Path) -> None:
    note_pid(tries)
    raise ValueError("a task's own error")


def segfault(tries: Path) -> None:
    note_pid(tries)
    crash()


def kill_own_worker(tries: Path) -> None:
    note_pid(tries)
    os.kill(os.getpid(), signal.SIGKILL)


def die_on_first_try(tries: Path) -> str:
    """Kill the worker the first time (the `tries` file is the marker); return normally when run again."""
    if note_pid(tries) == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return "second try"


def die_leaving_a_process_with_the_pipes(forked: Path) -> None:
    """Fork a process that keeps copies of this worker's pipes open for a minute, then kill the worker.

    The worker is dead, but neither its result pipe nor its exit pipe (the sentinel) tells the pool.
    """
    child = os.fork()
    if child == 0:
        time.sleep(60)
        os._exit(0)
    note_pid_of(forked, child)
    os.kill(os.getpid(), signal.SIGKILL)


def note_pid_of(log: Path, pid: int) -> None:
    with log.open("a") as file:
        file.write(f"{pid}\n")


def note_pid_and_sleep(log: Path, seconds: float) -> None:
    note_pid(log)
    time.sleep(seconds)


# What is left after a run.

def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` and that have not exited, from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited while we looked
        state, parent = fields[0], int(fields[1])
        if parent == pid and state != "Z":
            children.append(int(stat.parent.name))
    return children


def running(pid: int) -> bool:
    """True if process `pid` exists and has not exited (a zombie has exited)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def assert_no_process_left() -> None:
    assert not active_children(), f"workers outlived the run: {active_children()}"
    assert not children_of(os.getpid()), f"child processes outlived the run: {children_of(os.getpid())}"


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


# The pool.

def test_a_dying_worker_costs_only_its_task_once_retried(tmp_path):
    segfaults, kills, dies_once = tmp_path / "segfault", tmp_path / "kill", tmp_path / "die once"
    tasks = [(square, (n,)) for n in range(8)]
    tasks[2] = (segfault, (segfaults,))
    tasks[5] = (kill_own_worker, (kills,))
    tasks[6] = (die_on_first_try, (dies_once,))
    results = list(LocalPool(set_up, (None,), workers=3).run(tasks))

    died = [result for result in results if isinstance(result, WorkerDied)]
    assert sorted((d.index, d.how) for d in died) == [(2, "signal SIGSEGV"), (5, "signal SIGKILL")]
    assert all(d.seconds >= 0 for d in died)
    others = [result for result in results if not isinstance(result, WorkerDied)]
    assert sorted(others, key=str) == sorted([n * n for n in (0, 1, 3, 4, 7)] + ["second try"], key=str)
    assert (len(lines(segfaults)), len(lines(kills)), len(lines(dies_once))) == (2, 2, 2)
    assert_no_process_left()


def test_every_worker_is_forked_and_set_up_once_replacements_too(tmp_path):
    setups, dies = tmp_path / "setups", tmp_path / "dies"
    FORKED_FROM_HERE["token"] = str(tmp_path)
    try:
        tasks = [(who_am_i, ()), (segfault, (dies,)), (who_am_i, ())]
        results = list(LocalPool(set_up, (setups,), workers=1).run(tasks))
    finally:
        FORKED_FROM_HERE.clear()
    # One worker at a time: the first (it dies on the second task), a replacement for the retry
    # (it dies too), and one more for the last task.
    set_up_in = lines(setups)
    assert len(set_up_in) == 3 == len(set(set_up_in))
    assert lines(dies) == set_up_in[:2]
    reports = [result for result in results if not isinstance(result, WorkerDied)]
    assert [pid for pid, _, _ in reports] == [int(set_up_in[0]), int(set_up_in[2])]
    assert all(pid == initialized and token == str(tmp_path) for pid, initialized, token in reports)
    assert_no_process_left()


def test_a_task_that_raises_raises_in_the_caller_and_is_not_retried(tmp_path):
    tries = tmp_path / "tries"
    tasks = [(sleep, (0.1,)), (raise_value_error, (tries,)), (sleep, (60,))]
    start = time.perf_counter()
    with pytest.raises(ValueError, match="a task's own error") as raised:
        list(LocalPool(set_up, (None,), workers=3).run(tasks))
    assert time.perf_counter() - start < 20, "the run waited for the other tasks after the exception"
    assert "in raise_value_error" in "".join(traceback.format_exception(raised.value)), "where it was raised"
    assert len(lines(tries)) == 1
    assert_no_process_left()


def test_stopping_early_leaves_no_process():
    tasks = [(square, (3,))] + [(sleep, (60,))] * 3
    start = time.perf_counter()
    for result in LocalPool(set_up, (None,), workers=4).run(tasks):
        assert result == 9
        break
    assert time.perf_counter() - start < 20
    assert_no_process_left()


def test_a_worker_that_died_is_noticed_even_if_its_pipes_stay_open(tmp_path):
    forked = tmp_path / "forked"
    start = time.perf_counter()
    try:
        results = list(LocalPool(set_up, (None,), workers=2).run(
            [(die_leaving_a_process_with_the_pipes, (forked,)), (square, (4,))]))
    finally:
        for pid in lines(forked):
            os.kill(int(pid), signal.SIGKILL)
    assert time.perf_counter() - start < 20, "the pool waited for the pipes instead of the worker"
    assert results[0] == 16 and results[1] == WorkerDied(0, "signal SIGKILL", results[1].seconds)
    assert_no_process_left()


@pytest.mark.parametrize("initializer, reason", [(fail_setup, "ValueError: no course here"),
                                                 (segfault_in_setup, "signal SIGSEGV")])
def test_a_worker_that_cannot_be_set_up_stops_the_run(initializer, reason):
    with pytest.raises(WorkerSetupFailed, match=reason):
        list(LocalPool(initializer, (), workers=2).run([(square, (n,)) for n in range(5)]))
    assert_no_process_left()


def test_no_tasks_start_no_workers(tmp_path):
    assert list(LocalPool(set_up, (tmp_path / "setups",)).run([])) == []
    assert not (tmp_path / "setups").exists()


def test_the_default_is_two_workers_more_than_cores():
    assert LocalPool(set_up, (None,)).workers == len(os.sched_getaffinity(0)) + 2


def test_a_worker_dies_with_the_command(tmp_path):
    """worker.die_with_parent in the initializer still works: the workers are the command's own children."""
    started = tmp_path / "started"
    command = ("import sys; from pathlib import Path; from classgrader.pool import LocalPool; "
               "from classgrader.worker import die_with_parent; from tests.test_pool import note_pid_and_sleep; "
               "list(LocalPool(die_with_parent, (), workers=1).run([(note_pid_and_sleep, (Path(sys.argv[1]), 60))]))")
    run = subprocess.Popen([sys.executable, "-c", command, str(started)], cwd=REPO)
    try:
        deadline = time.time() + 120
        while not lines(started) and time.time() < deadline and run.poll() is None:
            time.sleep(0.1)
        assert lines(started), "the worker never started its task"
    finally:
        run.kill()
        run.wait()
    pid = int(lines(started)[0])
    deadline = time.time() + 10
    while running(pid) and time.time() < deadline:
        time.sleep(0.1)
    assert not running(pid), "the worker outlived the killed command"


# cli.grade_in_parallel with the pool, nbgrader's autograde replaced inside the workers.

STAND_IN = {}


def stand_in_grader(root: str) -> None:
    """Initializer: grade with `stand_in_autograde` instead of nbgrader, in this worker only."""
    STAND_IN["root"] = Path(root)
    worker.autograde = stand_in_autograde


def stand_in_autograde(assignment: str, student: str, notebooks: list[str], start: float) -> worker.Outcome:
    """Write a graded copy and the finished record, as nbgrader's autograde does, or crash half-way.

    "crashes" makes its worker segfault on every try, "crashes_once" on its first try only. A copy
    already there when a try starts (left by a dead try) is reported as a problem.
    """
    root = STAND_IN["root"]
    folder = root / "autograded" / student / assignment
    tries = note_pid(root / f"{student}.tries")
    left_over = folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{notebooks[0]}.ipynb").write_text("graded as far as it got")
    if student == "crashes" or (student == "crashes_once" and tries == 1):
        crash()
    outcome = worker.Outcome(student, True, 0.0, ["a dead try's copy was still there"] if left_over else [])
    worker.record_finished(folder, outcome, fingerprint(root / "submitted" / student / assignment))
    return outcome


def hand_in(root: Path, student: str, text: str) -> Submission:
    folder = root / "submitted" / student / "a1"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nb.ipynb").write_text(text)
    return Submission(student, folder)


def test_grade_in_parallel_records_a_submission_whose_worker_died_twice(tmp_path):
    course = Course(tmp_path, f"sqlite:///{tmp_path / 'gradebook.db'}")
    submissions = [hand_in(tmp_path, student, "{}") for student in ("ada", "crashes", "crashes_once", "grace")]

    def grade() -> dict[str, worker.Outcome]:
        pool = LocalPool(stand_in_grader, (str(tmp_path),), workers=2)
        return cli.grade_in_parallel(pool, course, "a1", submissions, ["nb"])

    def tries() -> Counter:
        return Counter({s.student: len(lines(tmp_path / f"{s.student}.tries")) for s in submissions})

    outcomes = grade()
    assert tries() == {"ada": 1, "crashes": 2, "crashes_once": 2, "grace": 1}
    assert [(o.student, o.graded, o.problems) for o in outcomes.values() if o.student != "crashes"] == [
        ("ada", True, []), ("crashes_once", True, []), ("grace", True, [])]
    crashed = outcomes["crashes"]
    assert not crashed.graded and len(crashed.problems) == 1
    assert "died twice" in crashed.problems[0] and "SIGSEGV" in crashed.problems[0]
    graded_copy = tmp_path / "autograded" / "crashes" / "a1" / "nb.ipynb"
    assert graded_copy.read_text() == "graded as far as it got"
    assert_no_process_left()

    assert grade() == outcomes and tries() == {"ada": 1, "crashes": 2, "crashes_once": 2, "grace": 1}
    hand_in(tmp_path, "crashes", '{"cells": []}')  # handed in again, changed
    assert grade()["crashes"].problems == crashed.problems
    assert tries() == {"ada": 1, "crashes": 4, "crashes_once": 2, "grace": 1}
