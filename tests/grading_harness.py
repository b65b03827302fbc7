"""Grading a class through the real nbgrader command line: what every assignment's test uses.

In a temporary course folder: release the assignment from solutions/, add a class of
students, hand in their notebooks, autograde them all at once, generate feedback and export
the grades. The class of an assignment:

- "reference": the released notebook with every answer cell filled with the solution;
- "untouched": the released notebook as it was handed out;
- one student per realistic mistake (tests/mistakes/<assignment>.py), each with exactly ONE
  wrong answer, which must lose exactly that question's points and get a helpful message.
"""

import importlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from tests.notebooks import REPO, filled_release, nbgrader_meta, reference_answers


@dataclass(frozen=True)
class Mistake:
    """A submission with one wrong answer: the answer cell ``grade_id`` gets ``source``."""

    student: str
    grade_id: str
    source: str
    message: str  # a fragment the failing test cell's error message must contain


def is_test_cell(meta: dict) -> bool:
    return bool(meta.get("grade")) and not meta.get("solution")


def is_manual_answer(meta: dict) -> bool:
    return bool(meta.get("grade")) and bool(meta.get("solution"))


@dataclass
class Assignment:
    """One assignment: its source notebook, its points, and the class of submissions to grade."""

    name: str
    notebook: str
    autograded_points: float  # as planned: a test checks the notebook agrees
    total_points: float
    mistakes: list[Mistake]
    metas: list[dict] = field(init=False)

    def __post_init__(self) -> None:
        self.metas = [nbgrader_meta(cell) for cell in nbformat.read(self.source, as_version=4).cells]

    @classmethod
    def load(cls, name: str) -> "Assignment":
        """The assignment of solutions/<name>/, with the wrong answers of tests/mistakes/<name>.py."""
        try:
            spec = importlib.import_module(f"tests.mistakes.{name}")
        except ModuleNotFoundError:
            raise AssertionError(f"solutions/{name} has no tests/mistakes/{name}.py listing its wrong answers") from None
        return cls(name, spec.NOTEBOOK, spec.AUTOGRADED_POINTS, spec.TOTAL_POINTS, spec.MISTAKES)

    @property
    def source(self) -> Path:
        return REPO / "solutions" / self.name / f"{self.notebook}.ipynb"

    @property
    def points(self) -> dict[str, float]:
        """Points of every autograded test cell, by grade id."""
        return {meta["grade_id"]: float(meta["points"]) for meta in self.metas if is_test_cell(meta)}

    @property
    def manual_points(self) -> dict[str, float]:
        """Points of every answer cell graded by hand, by grade id."""
        return {meta["grade_id"]: float(meta["points"]) for meta in self.metas if is_manual_answer(meta)}

    @property
    def students(self) -> list[str]:
        return ["reference", "untouched"] + [mistake.student for mistake in self.mistakes]

    def submissions(self, release: Path) -> dict[str, nbformat.NotebookNode]:
        """Every student's notebook, made from the release as the course folder generated it."""
        reference = reference_answers(self.source)
        notebooks = {"reference": filled_release(release, reference), "untouched": filled_release(release, {})}
        for mistake in self.mistakes:
            notebooks[mistake.student] = filled_release(release, {**reference, mistake.grade_id: mistake.source})
        return notebooks


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the nbgrader command line in the course folder; fail the test if it fails."""
    env = dict(os.environ)
    # nbgrader runs the `alembic` script found on PATH, so put this environment's scripts first.
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course, env=env, capture_output=True, text=True, timeout=1800,
    )
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@dataclass
class GradedCourse:
    assignment: Assignment
    course: Path
    scores: dict[str, dict[str, tuple]]  # student -> grade id -> (score, auto_score, max_score)
    seconds: dict[str, float]

    def autograded_scores(self, student: str) -> dict[str, float]:
        points = self.assignment.points
        return {name: score for name, (score, _, _) in self.scores[student].items() if name in points}

    def autograded_notebook(self, student: str) -> nbformat.NotebookNode:
        path = self.course / "autograded" / student / self.assignment.name / f"{self.assignment.notebook}.ipynb"
        return nbformat.read(path, as_version=4)


def classgrader(course: Path, assignment: str, *args: str) -> subprocess.CompletedProcess:
    """Grade the class with the course's own grading command (python -m classgrader, as make grade does)."""
    result = subprocess.run(
        [sys.executable, "-m", "classgrader", assignment, "--course", str(course), *args],
        capture_output=True, text=True, timeout=1800,
    )
    assert result.returncode == 0, f"classgrader {assignment} failed:\n{result.stdout}\n{result.stderr}"
    return result


def grade_class(course: Path, assignment: Assignment, *, db_url: str | None = None,
                grader: str = "nbgrader") -> GradedCourse:
    """Release, submit, autograde, give feedback and export, once for the whole class.

    The gradebook is gradebook.db in the course folder, or the database at ``db_url`` (any
    SQLAlchemy URL, e.g. PostgreSQL's) when given: every nbgrader command then uses it.
    ``grader`` says who grades: "nbgrader" (its command line: autograde, generate_feedback,
    export) or "classgrader" (make grade's command, which writes the export to reports/).
    """
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(REPO / "solutions" / assignment.name, course / "solutions" / assignment.name)
    seconds: dict[str, float] = {}
    database = [f"--CourseDirectory.db_url={db_url}"] if db_url else []

    start = time.perf_counter()
    nbgrader(course, "generate_assignment", assignment.name, *database)
    release = course / "exercises" / assignment.name / f"{assignment.notebook}.ipynb"
    roster = course / "students.csv"
    roster.write_text("id,first_name,last_name,email\n" + "".join(f"{s},{s},Student,\n" for s in assignment.students))
    nbgrader(course, "db", "student", "import", str(roster), *database)
    for student, notebook in assignment.submissions(release).items():
        folder = course / "submitted" / student / assignment.name
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{assignment.notebook}.ipynb")
    seconds["setup"] = time.perf_counter() - start

    if grader == "classgrader":
        start = time.perf_counter()
        classgrader(course, assignment.name, *(["--db", db_url] if db_url else []))
        shutil.copy(course / "reports" / assignment.name / "grades.csv", course / "grades.csv")
        seconds["classgrader"] = time.perf_counter() - start
    for step, args in [
        ("autograde", ["autograde", assignment.name]),
        ("generate_feedback", ["generate_feedback", assignment.name]),
        ("export", ["export", "--to", "grades.csv"]),
    ] if grader == "nbgrader" else []:
        start = time.perf_counter()
        nbgrader(course, *args, *database)
        seconds[step] = time.perf_counter() - start

    scores = {}
    with Gradebook(db_url or f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in assignment.students:
            submission = gradebook.find_submission_notebook(assignment.notebook, assignment.name, student)
            scores[student] = {grade.name: (grade.score, grade.auto_score, grade.max_score) for grade in submission.grades}
    timings = ", ".join(f"{step} {value:.1f}" for step, value in seconds.items())
    print(f"\n{assignment.name}: {grader} timings for {len(assignment.students)} students (s): {timings}")
    return GradedCourse(assignment, course, scores, seconds)
