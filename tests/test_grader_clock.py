"""The grader's own clock on a test cell (classgrader.checker.GraderClock): the kernel's clock runs only
while the grader waits for the kernel, so a check that is slow on a huge answer is stopped by this one."""

import subprocess
import sys
import time

import pytest

from classgrader.checker import CellTimeoutError, GraderClock, GraderOutOfTime


def test_a_check_that_runs_over_is_stopped_soon_after_its_time():
    answer = ["v" * 800 + str(i) for i in range(20_000)]
    start = time.monotonic()
    with pytest.raises(GraderOutOfTime) as stopped:
        with GraderClock(0.5):
            _ = {name for name in answer if answer.count(name) > 1}   # about 40 s of work
    assert time.monotonic() - start < 3
    assert isinstance(stopped.value, CellTimeoutError) and "ran out of time in the grader" in str(stopped.value)


def test_a_check_that_ends_in_time_is_not_disturbed_afterwards():
    with GraderClock(0.2):
        total = sum(range(1000))
    deadline = time.monotonic() + 0.6
    while time.monotonic() < deadline:      # past the clock's time: nothing may be raised here
        total += 1
    assert total > 0


def test_after_a_stop_a_watched_call_still_runs():
    """A stop once taken back with SetAsyncExc(thread, NULL) left the interpreter signalled: the next
    call under call_without's profile hook hung for good (the whole CI run stalled there)."""
    script = (
        "from classgrader.checker import GraderClock, GraderOutOfTime\n"
        "from nnkit import grading\n"
        "answer = ['v' * 800 + str(i) for i in range(20_000)]\n"
        "try:\n"
        "    with GraderClock(0.3):\n"
        "        _ = {name for name in answer if answer.count(name) > 1}\n"
        "except GraderOutOfTime:\n"
        "    pass\n"
        "print(grading.call_without_nnkit(lambda: 41 + 1))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "42", result.stderr[-2000:]


def test_a_stop_that_rings_as_the_block_ends_is_raised_there():
    clock = GraderClock(60)
    with pytest.raises(GraderOutOfTime):
        with clock:
            clock.armed = True
            clock._ring()          # rings now: raised at the next instruction, or at the latest as the block ends
            for _ in range(10_000_000):
                pass
    for _ in range(100_000):       # nothing is left pending after the block
        pass
