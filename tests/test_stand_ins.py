"""Stand-ins (nnkit.grading.check_on_its_own) through the real grading command, against a hostile class.

Assignment 6's later tests try a failing answer once more with the earlier answers it builds on put
right: the grader lends the student's code its own functions under their names, for one call. A
student who has read this wants what the stand-ins give for free; these submissions try to get it.
"""

import json
import shutil
import time

import pytest

from tests.grading_harness import Assignment, classgrader
from tests.notebooks import REPO, filled_release, reference_answers
from tests.test_grade_slips import cell_at, grades, hand_in

ASSIGNMENT = "a6_any_network"

# 3(a) right, and keeping whatever matmul_backward means while it runs: the stand-in, in the second try.
KEEPS_THE_STAND_IN = '''def deep_loss_and_grads(X, y, params, activation="relu"):
    global kept
    kept = matmul_backward
    g = relu if activation == "relu" else sigmoid
    U = Tensor(X)
    tensors = [(Tensor(W), Tensor(b)) for W, b in params]
    for l, (W, b) in enumerate(tensors, start=1):
        Z = add(matmul(U, transpose(W)), b)
        U = g(Z) if l < len(tensors) else Z
    loss = cross_entropy(U, y)
    backward(loss)
    return float(loss.value), [(W.grad, b.grad) for W, b in tensors]'''

# 3(b) right, but first sending the stand-in of 3(a) more numbers than a stand-in takes.
FLOODS_THE_STAND_IN = '''def gradient_descent_step(X, y, params, learning_rate, activation="relu"):
    big = np.zeros((1000, 1000))
    deep_loss_and_grads(big, np.zeros(1000, dtype=int), [(np.zeros((10, 1000)), np.zeros(10))], activation)
    loss, grads = deep_loss_and_grads(X, y, params, activation)
    return [(W - learning_rate * dW, b - learning_rate * db) for (W, b), (dW, db) in zip(params, grads)], loss'''

# 3(a) that raises, so that 3(b)'s second try lends deep_loss_and_grads; 3(b) keeps it for later.
KEEPS_3A_STAND_IN = '''def gradient_descent_step(X, y, params, learning_rate, activation="relu"):
    global kept_3a
    if deep_loss_and_grads.__module__ != "__main__":   # not the notebook's own: the grader's, lent
        kept_3a = deep_loss_and_grads
    loss, grads = deep_loss_and_grads(X, y, params, activation)
    return [(W - learning_rate * dW, b - learning_rate * db) for (W, b), (dW, db) in zip(params, grads)], loss'''
LATER_USES_3A_STAND_IN = '''def gradient_sizes(X, y, params, activation="relu"):
    _, grads = kept_3a(X, y, params, activation)
    return np.array([np.linalg.norm(dW) for dW, _ in grads])'''


def move_after(notebook: dict, identifiers: list[str], anchor: str) -> None:
    """Drag the cells of ``identifiers`` (in that order) to just after the cell ``anchor``."""
    cells = [notebook["cells"].pop(cell_at(notebook, identifier)) for identifier in identifiers]
    at = cell_at(notebook, anchor) + 1
    notebook["cells"][at:at] = cells


@pytest.fixture(scope="module")
def hostile_class(isolation, tmp_path_factory):
    assignment = Assignment.load(ASSIGNMENT)
    course = tmp_path_factory.mktemp("stand-ins")
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(REPO / "solutions" / ASSIGNMENT, course / "solutions" / ASSIGNMENT)
    release = REPO / "exercises" / ASSIGNMENT / f"{assignment.notebook}.ipynb"
    reference = reference_answers(assignment.source)
    full, points = assignment.autograded_points, assignment.points

    def notebook_with(answers: dict) -> dict:
        return json.loads(json.dumps(filled_release(release, {**reference, **answers})))

    expected = {}
    # Problem 1(c) answered after 3(a) has run, with the stand-in 3(a)'s second try lent: it must be dead by then.
    keeper = notebook_with({"p3_deep_grads": KEEPS_THE_STAND_IN, "p1_matmul": "matmul_backward = kept"})
    move_after(keeper, ["p1_matmul", "test_p1_matmul"], "test_p3_deep_grads")
    hand_in(course, ASSIGNMENT, "keeps_the_stand_in", f"{assignment.notebook}.ipynb", keeper)
    expected["keeps_the_stand_in"] = full - points["test_p1_matmul"]
    # A stand-in takes only small inputs: the flood is refused, and the grader is not held up by it.
    flood = notebook_with({"p3_step": FLOODS_THE_STAND_IN,
                           "p3_deep_grads": "def deep_loss_and_grads(X, y, params, activation='relu'):\n"
                                            "    raise ValueError('not done')"})
    hand_in(course, ASSIGNMENT, "floods_the_stand_in", f"{assignment.notebook}.ipynb", flood)
    expected["floods_the_stand_in"] = full - points["test_p3_deep_grads"] - points["test_p3_step"]
    # 3(a)'s stand-in kept by 3(b) and used by 4(a): 4(a) gets nothing from it.
    later = notebook_with({"p3_deep_grads": "def deep_loss_and_grads(X, y, params, activation='relu'):\n"
                                            "    raise ValueError('not done')",
                           "p3_step": KEEPS_3A_STAND_IN, "p4_gradient_sizes": LATER_USES_3A_STAND_IN})
    hand_in(course, ASSIGNMENT, "keeps_3a_stand_in", f"{assignment.notebook}.ipynb", later)
    expected["keeps_3a_stand_in"] = full - points["test_p3_deep_grads"] - points["test_p4_gradient_sizes"]
    start = time.perf_counter()
    result = classgrader(course, ASSIGNMENT)
    return course, expected, time.perf_counter() - start, result


def test_a_stand_in_earns_nothing_outside_its_call(hostile_class):
    course, expected, _, _ = hostile_class
    got = grades(course, ASSIGNMENT)
    assert {student: got[student] for student in expected} == expected


def test_a_flooded_stand_in_holds_nobody_up(hostile_class):
    _, _, seconds, _ = hostile_class
    assert seconds < 240, f"three submissions took {seconds:.0f} s"
