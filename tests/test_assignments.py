"""Every assignment graded as an instructor would: with nbgrader's command line, and with make grade.

For each assignment in solutions/: the reference scores every autograded point, the untouched
release scores zero, each one-mistake submission loses exactly its question's points and gets
a helpful message, hidden tests are restored at grading, feedback and the grade export are
right. Each class is graded twice: by plain nbgrader (the test cells run in the student's kernel,
as in JupyterLab's Validate) and by classgrader (make grade: the test cells run in the grader and
call the student's code in a confined kernel); both must give exactly the same. See
tests/grading_harness.py for how the class is made and graded.
"""

import ast
import csv

import nbformat
import pytest
from bs4 import BeautifulSoup

from tests.grading_harness import Assignment, grade_class, is_test_cell
from tests.notebooks import REPO, nbgrader_meta
from tests.test_feedback import leaked_hidden_lines

NAMES = sorted(path.name for path in (REPO / "solutions").iterdir() if path.is_dir())


GRADERS = ["nbgrader", "classgrader"]


@pytest.fixture(scope="module", params=[(name, grader) for name in NAMES for grader in GRADERS],
                ids=lambda param: "-".join(param))
def graded(request, tmp_path_factory):
    """One assignment, graded once for its whole class by one grader."""
    name, grader = request.param
    if grader == "classgrader":
        request.getfixturevalue("isolation")
    return grade_class(tmp_path_factory.mktemp(name), Assignment.load(name), grader=grader)


@pytest.mark.parametrize("name", NAMES)
def test_the_assignment_is_built_as_planned(name):
    assignment = Assignment.load(name)
    notebooks = sorted((REPO / "solutions" / name).glob("*.ipynb"))
    assert notebooks == [assignment.source], f"solutions/{name} must hold exactly one notebook"
    assert sum(assignment.points.values()) == assignment.autograded_points
    assert sum(assignment.points.values()) + sum(assignment.manual_points.values()) == assignment.total_points
    questions = {name.removeprefix("test_") for name in assignment.points}
    assert {m.grade_id for m in assignment.mistakes} == questions, (
        "every autograded question needs at least one wrong-answer submission"
    )
    assert len({m.student for m in assignment.mistakes}) == len(assignment.mistakes), "student names repeat"


def imported_names(tree: ast.AST) -> set[str]:
    return {(alias.asname or alias.name).split(".")[0] for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom) for alias in node.names}


@pytest.mark.parametrize("name", NAMES)
def test_every_test_cell_imports_the_modules_it_uses(name):
    """make grade runs test cells in the grader with the student's names brought over; a module the
    test uses must be the grader's own import, never whatever the student bound to that name."""
    imported_before, missing = set(), []
    for cell in nbformat.read(Assignment.load(name).source, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        if is_test_cell(nbgrader_meta(cell)):
            used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
            missing += [f"{nbgrader_meta(cell)['grade_id']}: {module}"
                        for module in sorted((used & imported_before) - imported_names(tree))]
        else:
            imported_before |= imported_names(tree)
    assert not missing, f"test cells that use a module without importing it: {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_every_answer_cell_is_followed_by_exactly_one_test_cell(name):
    metas = Assignment.load(name).metas
    for index, meta in enumerate(metas):
        if meta.get("solution") and not meta.get("grade"):
            assert metas[index + 1].get("grade_id") == f"test_{meta['grade_id']}", meta["grade_id"]
            after = metas[index + 2] if index + 2 < len(metas) else {}
            assert not is_test_cell(after), f"two test cells after {meta['grade_id']}"


def test_reference_gets_every_autograded_point(graded):
    assert graded.autograded_scores("reference") == graded.assignment.points


def test_reference_written_answers_wait_for_the_grader(graded):
    for name in graded.assignment.manual_points:
        _, auto_score, _ = graded.scores["reference"][name]
        assert auto_score is None, name


def test_untouched_release_scores_zero(graded):
    assignment = graded.assignment
    assert all(score == 0 for score, _, _ in graded.scores["untouched"].values())
    assert set(graded.scores["untouched"]) == set(assignment.points) | set(assignment.manual_points)


def test_each_wrong_answer_loses_exactly_its_points(graded):
    wrong = []
    for mistake in graded.assignment.mistakes:
        expected = {**graded.assignment.points, f"test_{mistake.grade_id}": 0.0}
        scores = graded.autograded_scores(mistake.student)
        if scores != expected:
            diff = {k: (scores.get(k), v) for k, v in expected.items() if scores.get(k) != v}
            wrong.append(f"{mistake.student}: (got, expected) {diff}")
    assert not wrong, "\n".join(wrong)


def test_no_feedback_page_shows_a_hidden_test(graded):
    """Every student's feedback page, by either grader: no hidden-test line, no test traceback."""
    assignment = graded.assignment
    source = nbformat.read(assignment.source, as_version=4)
    for student in assignment.students:
        page = (graded.course / "feedback" / student / assignment.name / f"{assignment.notebook}.html").read_text()
        assert not leaked_hidden_lines(source, page), student
        assert "<test cell " not in BeautifulSoup(page, "html.parser").get_text(), student


def test_each_wrong_answer_gets_a_helpful_message(graded):
    unhelpful = []
    for mistake in graded.assignment.mistakes:
        notebook = graded.autograded_notebook(mistake.student)
        test_id = f"test_{mistake.grade_id}"
        (cell,) = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == test_id]
        errors = [output for output in cell.outputs if output.output_type == "error"]
        if not errors:
            unhelpful.append(f"{mistake.student}: {test_id} raised no error")
        elif mistake.message not in errors[0].evalue:
            unhelpful.append(f"{mistake.student}: {mistake.message!r} not in {errors[0].evalue!r}")
    assert not unhelpful, "\n".join(unhelpful)


def test_hidden_tests_are_restored_when_grading(graded):
    assignment = graded.assignment
    release = (graded.course / "exercises" / assignment.name / f"{assignment.notebook}.ipynb").read_text()
    source = assignment.source.read_text()
    autograded = (graded.course / "autograded" / "reference" / assignment.name / f"{assignment.notebook}.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" not in release
    assert source.count("### BEGIN HIDDEN TESTS") >= len(assignment.points), "a test cell has no hidden tests"
    assert autograded.count("### BEGIN HIDDEN TESTS") == source.count("### BEGIN HIDDEN TESTS")


def test_feedback_exists_for_every_student(graded):
    assignment = graded.assignment
    for student in assignment.students:
        html = graded.course / "feedback" / student / assignment.name / f"{assignment.notebook}.html"
        assert html.is_file() and html.stat().st_size > 0, student


def test_export_has_the_right_scores(graded):
    assignment = graded.assignment
    with open(graded.course / "grades.csv", newline="") as file:
        rows = {row["student_id"]: row for row in csv.DictReader(file)}
    autograded = sum(assignment.points.values())
    expected = {"reference": autograded, "untouched": 0.0}
    for mistake in assignment.mistakes:
        expected[mistake.student] = autograded - assignment.points[f"test_{mistake.grade_id}"]
    assert {student: float(row["raw_score"]) for student, row in rows.items()} == expected
    assert all(float(row["max_score"]) == assignment.total_points for row in rows.values())
