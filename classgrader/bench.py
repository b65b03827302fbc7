"""Benchmark: plain sequential nbgrader against `make grade`, on the same class, in one run.

    python -m classgrader.bench [ASSIGNMENT] [--copies N]

Two copies of one demo class (correct, partial, wrong and untouched submissions, N of each):
the first is graded with plain nbgrader, one command after the other (autograde, then
generate_feedback, then export), the second with `make grade` (the same work, in parallel, each
kernel confined). Prints both times, the speed-up, and whether every score is identical.
This is a benchmark, not a test: it reports, it does not fail on a slow machine.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbgrader.api import Gradebook

from classgrader.demo import make_demo_class

KINDS = ["correct", "partial", "wrong", "untouched"]


def nbgrader(course: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "nbgrader", *args, "--log-level=ERROR"], cwd=course, check=True,
                   capture_output=True, text=True)


def scores(course: Path, assignment: str, students: list[str]) -> dict[tuple[str, str], float]:
    """(student, grade id) -> score, from the course's gradebook."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {(student, grade.name): grade.score
                for student in students
                for notebook in gradebook.find_submission(assignment, student).notebooks
                for grade in notebook.grades}


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def benchmark_arguments(argv: list[str] | None, prog: str, doc: str, copies_help: str) -> argparse.Namespace:
    """A benchmark's command line (an assignment, --copies N); nbgrader's alembic put first on PATH."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
    parser.add_argument("assignment", nargs="?", default="a1_forward_pass")
    parser.add_argument("--copies", type=int, default=3, help=copies_help)
    args = parser.parse_args(argv)
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # nbgrader's alembic
    return args


def main(argv: list[str] | None = None) -> int:
    args = benchmark_arguments(argv, "make bench-grade", __doc__, "submissions of each kind (4 kinds)")
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as scratch:
        plain, ours = Path(scratch) / "plain", Path(scratch) / "make-grade"
        for course in (plain, ours):
            students = make_demo_class(args.assignment, course, args.copies, KINDS)
            nbgrader(course, "generate_assignment", args.assignment)
        print(f"{len(students)} submissions of {args.assignment}, {len(os.sched_getaffinity(0))} cores")
        # The baseline is nbgrader as it ships: its own feedback exporter, not the course's (which
        # nbgrader_config.py sets, to keep the hidden tests off the pages).
        plain_seconds = timed(lambda: (nbgrader(plain, "autograde", args.assignment),
                                       nbgrader(plain, "generate_feedback", args.assignment,
                                                "--GenerateFeedback.exporter_class=nbconvert.exporters.HTMLExporter"),
                                       nbgrader(plain, "export", "--to", "grades.csv")))
        print(f"plain nbgrader, sequential, unconfined: {plain_seconds:6.1f} s")
        ours_seconds = timed(lambda: subprocess.run(
            [sys.executable, "-m", "classgrader", args.assignment, "--course", str(ours)],
            check=True, capture_output=True, text=True))
        print(f"make grade, parallel, confined:         {ours_seconds:6.1f} s")
        print(f"speed-up: {plain_seconds / ours_seconds:.2f}x (target: at least 1.8x on 2 cores)")
        same = scores(plain, args.assignment, students) == scores(ours, args.assignment, students)
        print(f"all scores identical: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
