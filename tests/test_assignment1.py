"""Assignment 1 through the real nbgrader command line, as an instructor would run it.

In a temporary course folder: release the assignment from solutions/, add a class of
students, hand in their notebooks, autograde them all at once, generate feedback and
export the grades. The class:

- "reference": the released notebook with every answer cell filled with the solution;
- "untouched": the released notebook as it was handed out;
- one student per realistic mistake, each with exactly ONE wrong answer (transposed or
  missing bias, softmax along the wrong axis, a flipped sign, an off-by-one count,
  hard-coding the visible example, calling nnkit's own implementation, ...).

The scores are read back from the gradebook and the exported CSV and must be exact:
a wrong answer loses its own test cell's points and nothing else.
"""

import csv
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "a1_forward_pass"
NOTEBOOK = "forward_pass"
SOURCE = REPO / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


@dataclass(frozen=True)
class Mistake:
    """A submission with one wrong answer: the answer cell ``grade_id`` gets ``source``."""

    student: str
    grade_id: str
    source: str
    message: str  # a fragment the failing test cell's error message must contain


MISTAKES = [
    Mistake("sizes_swapped", "p1_sizes", "N_h = 1\nN_o = 2", "rows of W^H"),
    Mistake(
        "p1_hardcoded",
        "p1_predict",
        "def p1_predict(x):\n    return np.array([1.0, 0.0, 1.0])  # the visible example",
        "shape of its input",
    ),
    Mistake(
        "interval_ends_flipped",
        "p1_zero_interval",
        "zero_from = 1\nzero_to = 3\nzero_includes_from = False\nzero_includes_to = True",
        "the step gives 1 at z = 0",
    ),
    Mistake(
        "threshold_past_5",
        "p2_weights",
        "Wh2 = np.array([[1.0], [1.0]])\nbh2 = np.array([-2.0, -6.0])\n"
        "Wo2 = np.array([[1.0, -2.0]])\nbo2 = np.array([-0.5])",
        "at x = 5 the answer should be 0",
    ),
    Mistake(
        "strict_step",
        "p2_intermediates",
        "def p2_intermediates(x, Wh, bh, Wo, bo):\n"
        "    z_h = Wh[:, 0] * x + bh\n"
        "    u_h = (z_h > 0).astype(float)\n"
        "    return z_h, u_h, float(Wo[0] @ u_h + bo[0])",
        "z >= 0",
    ),
    Mistake("new_point_inconsistent", "p2_new", "y_hat_35 = 0", "YOUR weights"),
    Mistake(
        "region_open",
        "p3_in_region",
        "def in_region(x1, x2):\n    return (x1 > 0) & (x2 > 0) & (x1 + x2 < 1)",
        "boundary lines",
    ),
    Mistake("pixels_per_side", "p4a_arch", 'arch_a = {"N_i": 20, "N_o": 26, "g_out": "softmax"}', "every pixel"),
    Mistake(
        "binary_softmax_one_output", "p4b_arch", 'arch_b = {"N_i": 120, "N_o": 1, "g_out": "softmax"}', "not right"
    ),
    Mistake("regression_sigmoid", "p4c_arch", 'arch_c = {"N_i": 5, "N_o": 1, "g_out": "sigmoid"}', "not right"),
    Mistake(
        "hidden_no_bias",
        "p5_hidden_layer",
        "def hidden_layer(X, Wh, bh):\n    return 1.0 / (1.0 + np.exp(-(X @ Wh.T)))",
        "bias is missing",
    ),
    Mistake(
        "hidden_aliased_nnkit",
        "p5_hidden_layer",
        "from nnkit.activations import sigmoid as squash\n\n"
        "def hidden_layer(X, Wh, bh):\n    return squash(X @ Wh.T + bh)",
        "don't call nnkit.sigmoid",
    ),
    Mistake(
        "hidden_transposed",
        "p5_hidden_layer",
        "def hidden_layer(X, Wh, bh):\n    return 1.0 / (1.0 + np.exp(-(X @ Wh + bh)))",
        "wrong way round",
    ),
    Mistake(
        "hidden_hardcoded",
        "p5_hidden_layer",
        "def hidden_layer(X, Wh, bh):\n"
        "    if X.shape == (1, 2):  # the visible example\n"
        "        return np.array([[0.7310585786300049, 0.5]])\n"
        "    return np.full((X.shape[0], Wh.shape[0]), 0.5)",
        "wrong values",
    ),
    Mistake(
        "sigmoid_via_nnkit",
        "p5_output_sigmoid",
        "def output_sigmoid(Uh, Wo, bo):\n    return nnkit.sigmoid(Uh @ Wo.T + bo)",
        "don't call nnkit.sigmoid",
    ),
    Mistake(
        "sigmoid_sign",
        "p5_output_sigmoid",
        "def output_sigmoid(Uh, Wo, bo):\n    return 1.0 / (1.0 + np.exp(Uh @ Wo.T + bo))",
        "sigmoid(-z)",
    ),
    Mistake(
        "softmax_seed_axis",
        "p5_output_softmax",
        "def output_softmax(Uh, Wo, bo):\n"
        "    Zo = Uh.dot(Wo.T) + bo[None, :]\n"
        "    expZo = np.exp(Zo)\n"
        "    return expZo / np.sum(expZo, axis=1)[None, :]",
        "wrong axis",
    ),
    Mistake(
        "shapes_transposed",
        "p6_shapes",
        "num_weight_matrices = 2\nW1_shape = (3, 2)\nW2_shape = (1, 3)",
        "one row per hidden unit",
    ),
    Mistake(
        "bias_last",
        "p6_forward",
        "def forward_003(x, W1, W2, y):\n"
        "    a = W1 @ np.append(x, 1.0)\n"
        "    z = np.maximum(a, 0.0)\n"
        "    b = float(W2[0] @ np.append(z, 1.0))\n"
        "    y_hat = 1.0 / (1.0 + np.exp(-b))\n"
        "    return a, z, b, y_hat, int(y_hat >= 0.5), (y - y_hat) ** 2",
        "bias goes FIRST",
    ),
    Mistake(
        "loss_not_squared",
        "p6_values",
        "a_003 = np.array([3.0, -2.0])\nz_003 = np.array([3.0, 0.0])\nb_003 = -5.0\n"
        "y_hat_003 = 0.0067\nclass_003 = 0\nloss_003 = 1 - 0.0067",
        "loss is squared",
    ),
    Mistake(
        "total_off_by_one",
        "p7_counts",
        "params_first_linear = 6\nparams_first_activation = 0\nparams_total = 8",
        "entries of W1 and W2",
    ),
    Mistake(
        "count_via_nnkit",
        "p7_count_params",
        "def count_params(n_in, n_hidden, n_out):\n"
        "    return nnkit.TwoLayerNet(n_in, n_hidden, n_out).num_params()",
        "don't call nnkit.TwoLayerNet",
    ),
]
STUDENTS = ["reference", "untouched"] + [mistake.student for mistake in MISTAKES]


# --- reading the source notebook ----------------------------------------------------

SOURCE_CELLS = nbformat.read(SOURCE, as_version=4).cells


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def is_test_cell(meta: dict) -> bool:
    return bool(meta.get("grade")) and not meta.get("solution")


def is_manual_answer(meta: dict) -> bool:
    return bool(meta.get("grade")) and bool(meta.get("solution"))


METAS = [nbgrader_meta(cell) for cell in SOURCE_CELLS]
POINTS = {meta["grade_id"]: float(meta["points"]) for meta in METAS if is_test_cell(meta)}
MANUAL_POINTS = {meta["grade_id"]: float(meta["points"]) for meta in METAS if is_manual_answer(meta)}
TOTAL_AUTOGRADED = sum(POINTS.values())
TOTAL = TOTAL_AUTOGRADED + sum(MANUAL_POINTS.values())


def without_markers(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if line.strip() not in MARKERS)


def solutions_by_id() -> dict[str, str]:
    """The reference answer of every answer cell, solution markers removed."""
    return {
        nbgrader_meta(cell)["grade_id"]: without_markers(cell.source)
        for cell in SOURCE_CELLS
        if nbgrader_meta(cell).get("solution")
    }


# --- building the submissions ------------------------------------------------------------


def filled(release, answers: dict[str, str]):
    """A copy of the release notebook with the given answer cells replaced."""
    notebook = nbformat.reads(nbformat.writes(release), as_version=4)
    for cell in notebook.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return notebook


def submissions(release) -> dict[str, object]:
    reference = solutions_by_id()
    notebooks = {"reference": filled(release, reference), "untouched": filled(release, {})}
    for mistake in MISTAKES:
        notebooks[mistake.student] = filled(release, {**reference, mistake.grade_id: mistake.source})
    return notebooks


# --- running nbgrader ------------------------------------------------------------------


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
    course: Path
    scores: dict[str, dict[str, tuple]]  # student -> grade id -> (score, auto_score, max_score)
    seconds: dict[str, float]


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> GradedCourse:
    """Release, submit, autograde, give feedback and export, once for the whole class."""
    course = tmp_path_factory.mktemp("course")
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(REPO / "solutions", course / "solutions")
    seconds: dict[str, float] = {}

    start = time.perf_counter()
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    release = nbformat.read(course / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    roster = course / "students.csv"
    roster.write_text("id,first_name,last_name,email\n" + "".join(f"{name},{name},Student,\n" for name in STUDENTS))
    nbgrader(course, "db", "student", "import", str(roster))
    for student, notebook in submissions(release).items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{NOTEBOOK}.ipynb")
    seconds["setup"] = time.perf_counter() - start

    for step, args in [
        ("autograde", ["autograde", ASSIGNMENT]),
        ("generate_feedback", ["generate_feedback", ASSIGNMENT]),
        ("export", ["export", "--to", "grades.csv"]),
    ]:
        start = time.perf_counter()
        nbgrader(course, *args)
        seconds[step] = time.perf_counter() - start

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in STUDENTS:
            submission = gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
            scores[student] = {
                grade.name: (grade.score, grade.auto_score, grade.max_score) for grade in submission.grades
            }
    timings = ", ".join(f"{step} {value:.1f}" for step, value in seconds.items())
    print(f"\nnbgrader timings for {len(STUDENTS)} students (s): {timings}")
    return GradedCourse(course, scores, seconds)


def autograded_scores(graded: GradedCourse, student: str) -> dict[str, float]:
    return {name: score for name, (score, _, _) in graded.scores[student].items() if name in POINTS}


# --- the tests ------------------------------------------------------------------------


def test_the_assignment_has_the_planned_points():
    assert TOTAL_AUTOGRADED == 34 and TOTAL == 40
    assert {m.grade_id for m in MISTAKES} == {name.removeprefix("test_") for name in POINTS}, (
        "every autograded question needs at least one wrong-answer submission"
    )


def test_every_answer_cell_is_followed_by_exactly_one_test_cell():
    for index, meta in enumerate(METAS):
        if meta.get("solution") and not meta.get("grade"):
            assert METAS[index + 1].get("grade_id") == f"test_{meta['grade_id']}", meta["grade_id"]
            after = METAS[index + 2] if index + 2 < len(METAS) else {}
            assert not is_test_cell(after), f"two test cells after {meta['grade_id']}"


def test_reference_gets_every_autograded_point(graded):
    assert autograded_scores(graded, "reference") == POINTS


def test_reference_written_answers_wait_for_the_grader(graded):
    for name in MANUAL_POINTS:
        score, auto_score, _ = graded.scores["reference"][name]
        assert auto_score is None, name


def test_untouched_release_scores_zero(graded):
    assert all(score == 0 for score, _, _ in graded.scores["untouched"].values())
    assert set(graded.scores["untouched"]) == set(POINTS) | set(MANUAL_POINTS)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.student)
def test_one_wrong_answer_loses_exactly_its_points(graded, mistake):
    expected = {**POINTS, f"test_{mistake.grade_id}": 0.0}
    assert autograded_scores(graded, mistake.student) == expected


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.student)
def test_wrong_answer_gets_a_helpful_message(graded, mistake):
    path = graded.course / "autograded" / mistake.student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    (cell,) = [c for c in notebook.cells if nbgrader_meta(c).get("grade_id") == f"test_{mistake.grade_id}"]
    errors = [output for output in cell.outputs if output.output_type == "error"]
    assert errors, f"test_{mistake.grade_id} raised no error"
    assert mistake.message in errors[0].evalue, errors[0].evalue


def test_hidden_tests_are_restored_when_grading(graded):
    release = (graded.course / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text()
    autograded = (graded.course / "autograded" / "reference" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" not in release
    assert autograded.count("### BEGIN HIDDEN TESTS") == len(POINTS)


def test_feedback_exists_for_every_student(graded):
    for student in STUDENTS:
        html = graded.course / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
        assert html.is_file() and html.stat().st_size > 0, student


def test_export_has_the_right_scores(graded):
    with open(graded.course / "grades.csv", newline="") as file:
        rows = {row["student_id"]: row for row in csv.DictReader(file)}
    expected = {"reference": TOTAL_AUTOGRADED, "untouched": 0.0}
    for mistake in MISTAKES:
        expected[mistake.student] = TOTAL_AUTOGRADED - POINTS[f"test_{mistake.grade_id}"]
    assert {student: float(row["raw_score"]) for student, row in rows.items()} == expected
    assert all(float(row["max_score"]) == TOTAL for row in rows.values())
