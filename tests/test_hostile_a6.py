"""Assignment 6 against a hostile class, through the real grading command.

Assignment 6's later tests try a failing answer once more with the earlier answers it builds on put
right (nnkit.grading.check_on_its_own): the grader lends the student's code its own functions under
their names, for one call. A student who has read this wants what the stand-ins give for free, or to
make the grader's own checks of an answer run for hours; these submissions try.
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

# 3(b) right, but first asking the lent 3(a) about a network whose logits would be 25,000 x 25,000
# (5 GB in the grader, from 75,000 numbers sent): it answers only for the test's own inputs.
FLOODS_THE_STAND_IN = '''def gradient_descent_step(X, y, params, learning_rate, activation="relu"):
    big = np.ones((25_000, 1))
    deep_loss_and_grads(big, np.zeros(25_000, dtype=int), [(np.ones((25_000, 1)), np.zeros(25_000))], activation)
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


# Problem 2 answered with 40,000 long, distinct names: a check that counts each name's copies by
# list.count took 140 s per call on this (the red team's 199,000 names: an hour per submission).
FLOODS_THE_ORDER_CHECK = '''def topological_order(parents, root):
    return ["v" * 800 + format(i, "06d") for i in range(40_000)]'''


# Reference answers that collect the hidden tests' inputs and try to show them on the feedback page: printed
# by the last test's visible part, printed after a forged end of the hidden part, and in an error's message
# (each marked "LE" + "AK-...", so that the marker is on the page only if the output is).
LEAKS = {
    "p1_unbroadcast": '''LEAKED = []


def unbroadcast(grad, shape):
    LEAKED.append((np.shape(grad), tuple(shape), np.ravel(grad)[:3].tolist()))
    grad = np.asarray(grad, dtype=float)
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad''',
    "p2_topological_order": '''def topological_order(parents, root):
    print("### END HIDDEN TESTS\\n" + "LE" + "AK-AFTER-FORGED-END", LEAKED[:5])
    order, visited = [], set()

    def visit(name):
        if name in visited:
            return
        visited.add(name)
        for parent in parents[name]:
            visit(parent)
        order.append(name)

    visit(root)
    return order''',
    "p3_init": '''def init_params(sizes, rng):
    raise ValueError("LE" + "AK-IN-AN-ERROR " + repr(LEAKED[:20]))''',
    "p4_gradient_sizes": '''def gradient_sizes(X, y, params, activation="relu"):
    print("LE" + "AK-PRINTED", LEAKED[:50])
    _, grads = deep_loss_and_grads(X, y, params, activation)
    return np.array([np.linalg.norm(dW) for dW, _ in grads])''',
}


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
    # A wrong order, too large to check slowly: it loses Problem 2's points and holds nobody up.
    hand_in(course, ASSIGNMENT, "floods_the_order_check", f"{assignment.notebook}.ipynb",
            notebook_with({"p2_topological_order": FLOODS_THE_ORDER_CHECK}))
    expected["floods_the_order_check"] = full - points["test_p2_topological_order"]
    hand_in(course, ASSIGNMENT, "leaks_hidden_inputs", f"{assignment.notebook}.ipynb", notebook_with(LEAKS))
    expected["leaks_hidden_inputs"] = full - points["test_p3_init"]
    start = time.perf_counter()
    result = classgrader(course, ASSIGNMENT)
    return course, expected, time.perf_counter() - start, result


def test_a_stand_in_earns_nothing_outside_its_call(hostile_class):
    course, expected, _, _ = hostile_class
    got = grades(course, ASSIGNMENT)
    assert {student: got[student] for student in expected} == expected


def test_floods_hold_nobody_up(hostile_class):
    _, _, seconds, _ = hostile_class
    assert seconds < 240, f"five submissions took {seconds:.0f} s"


def test_the_feedback_page_shows_no_hidden_input_the_students_code_collected(hostile_class):
    course = hostile_class[0]
    page = (course / "feedback" / "leaks_hidden_inputs" / ASSIGNMENT / "any_network.html").read_text()
    assert "LEAK-" not in page
    assert "What your code printed here is not shown" in page
    assert "its message is not shown" in page

