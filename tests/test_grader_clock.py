"""The grader's own clock on a test cell (classgrader.checker.GraderClock): the kernel's clock runs only
while the grader waits for the kernel, so a check that is slow on a huge answer is stopped by this one."""

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
