"""`make grade` on a class of honest, broken and hostile submissions of assignment 1.

Hostile here: reading the solutions or the gradebook, writing into the course, the network, endless
loops, memory hogs, output floods, killing the kernel (only that question is lost: grading goes on
with a new kernel), printing fake success, objects equal to anything, patching numpy, nnkit's checks
or Python's builtins, a function that looks for the expected answer in the test's variables,
emptying the test cells and raising their points (nbgrader restores them). And, one case or more
for each way into the grader itself (see the README's threat model): names the grader did not ask
for (the agent in the kernel patched), symbolic links left where the grader reads and writes or
handed in, forged wire values and objects that act when the grader drops them, a message too large
to read, arguments changed in place to steer the test's expected values, HTML and script in outputs
(the feedback page must stay inert), output that is slow to render, a notebook that takes longer
than its time budget.

Every hostile or broken submission is the reference answer with ONE thing done to its first
question (Problem 1(a), 1 point) or to its file, so the expected score is exact: the reference's
34 autograded points, minus that question where the thing breaks it. The run must go on for
everyone, report each case with its reason, leave the submissions as they were, give the same
grades when run again (also after being killed with kill -9), and keep manual grades.
"""

import csv
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from classgrader.sandbox import confined_processes
from classgrader.worker import FINISHED
from tests.browser import chromium_browser
from tests.test_feedback import leaked_hidden_lines
from tests.notebooks import REPO, filled_release, reference_answers

ASSIGNMENT = "a1_forward_pass"
NOTEBOOK = "forward_pass.ipynb"
FULL = 34.0  # the autograded points of assignment 1
FIRST = "p1_sizes"  # Problem 1(a), worth 1 point
REFERENCE = reference_answers(REPO / "solutions" / ASSIGNMENT / NOTEBOOK)
RELEASE = REPO / "exercises" / ASSIGNMENT / NOTEBOOK


PEEKS_AT_THE_TEST = """
def p1_predict(x):
    import inspect
    x = np.asarray(x, dtype=float)
    if x.shape == (3,):
        return np.array([1.0, 0.0, 1.0])
    for frame in inspect.stack():
        for names in (frame.frame.f_locals, frame.frame.f_globals):
            z_out = names.get("z_out")
            if isinstance(z_out, np.ndarray) and z_out.shape == x.shape:
                return (z_out >= 0).astype(float)
    return np.zeros_like(x)
"""


PRINTS_WHEN_CALLED = """
right_predict = p1_predict


def p1_predict(x):
    print("debugging: p1_predict called")
    return right_predict(x)
"""

# The agent in the kernel, patched to answer the grader's request for names with names it did not ask for.
EXTRA_NAMES = """
import classgrader.agent, classgrader.wire, json
answer_ = classgrader.agent.Agent.answer


def answer(self, request):
    if request["kind"] == "names":
        values = {name: classgrader.wire.encode(self.namespace[name], self) for name in request["names"]
                  if name in self.namespace}
        values["__builtins__"] = {"dict": []}
        values["grading"] = 1
        return json.dumps({"kind": "values", "values": values})
    return answer_(self, request)


classgrader.agent.Agent.answer = answer
N_h, N_o = 0, 0
"""

# The wire in the kernel, patched to send values the grader must never rebuild.
FORGED_VALUES = """
import classgrader.wire
encode_ = classgrader.wire.encode
FORGED = {
    "N_h": {"object": ["nnkit.network", "TwoLayerNet"], "state": {"dict": [["__class__", 1]]}},
    "N_o": {"network": {"sizes": {"list": [2, 2, 1]}, "activation": "__init__", "output": "identity",
                        "params": {"dict": []}}},
}


def encode(value, side, depth=0):
    for name, forged in FORGED.items():
        if value is globals().get(name) and type(value) is not int:
            return forged
    return encode_(value, side, depth)


classgrader.wire.encode = encode
N_h, N_o = 2.0000001, 1.0000001
"""

# An answer that acts when the grader drops it, and one whose iteration never ends.
ACTING_OBJECTS = """
import nnkit


class Net(nnkit.TwoLayerNet):
    def __del__(self):
        import os
        os.remove(SENTINEL)


class Forever:
    def __iter__(self):
        return self

    def __next__(self):
        return self


N_h, N_o = Net(2, 2, 1), Forever()
"""

# A first answer of 200 MB: too large a message to read.
HUGE_MESSAGE = """
import classgrader.agent, json
answer_ = classgrader.agent.Agent.answer


def answer(self, request):
    classgrader.agent.Agent.answer = answer_  # once only
    return json.dumps({"kind": "values", "values": {"N_h": "x" * 200_000_000, "N_o": 1}})


classgrader.agent.Agent.answer = answer
N_h, N_o = 2, 1
"""

# Links left in the kernel's working folder, named as the files the grader writes there or reads.
PLANTS_LINKS = """
import os
for target, name in TARGETS:
    try:
        os.symlink(target, name)
    except OSError as error:
        print(error)
"""

# A naive softmax (it overflows for large logits) that zeroes the test's weights so that the test's
# expected value, computed after the call, is the uniform answer it returns.
ZEROES_THE_TESTS_WEIGHTS = """
def output_softmax(Uh, Wo, bo):
    Zo = Uh @ Wo.T + bo
    E = np.exp(Zo)
    if np.all(np.isfinite(E)):
        return E / E.sum(axis=1, keepdims=True)
    Wo[...] = 0.0
    bo[...] = 0.0
    return np.full(Zo.shape, 1.0 / Zo.shape[1])
"""

# Output that the grader shows on the feedback page: a script, and a banner over the whole page.
LIVE_HTML = """
from IPython.display import HTML, Javascript, display
display(HTML("<script>document.title = 'pwned'</script><img src=x onerror=\\"document.title='pwned'\\">"
             "<div id=fake style='position:fixed;top:0;left:0;width:100%;height:100%;z-index:9999;"
             "background:white;font-size:40px'>Score: 34 / 34</div>"))
display(Javascript("document.title = 'pwned'"))
"""

# Found by the red team. A function that, while the test calls it, floods the grader with input
# requests that are not the agent's, so that the grader never looked at its deadline.
FLOODS_STDIN = """
def count_params(n_in, n_hidden, n_out):
    import time
    from IPython import get_ipython
    kernel = get_ipython().kernel
    while True:
        kernel.session.send(kernel.stdin_socket, "input_request", {"prompt": "", "password": False},
                            parent=None, ident=kernel._parent_ident["shell"])
        time.sleep(0.2)
"""

# Processes until fork() fails, held for half a minute: the limit on processes is the kernel's own,
# not one shared with every other student's kernel.
FORKS_UNTIL_FULL = """
import os, time
children = 0
while True:
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(120)
        os._exit(0)
    children += 1
print("forked", children)
"""

# Files in the folder of the kernel's sockets, which is on the grader's disk.
WRITES_SOCKET_FOLDER = """
import os
from ipykernel import get_connection_file
written = 0
for number in range(3):
    try:
        with open(os.path.join(os.path.dirname(get_connection_file()), f"fill{number}"), "wb") as handle:
            handle.write(bytes(50 * 2**20))
        written += 50
    except OSError:
        pass
print("written to the socket folder:", written)
"""

# A reply of 30 MB of empty lists: cheap to send, costly to read as JSON.
HUGE_JSON = """
import classgrader.agent
answer_ = classgrader.agent.Agent.answer


def answer(self, request):
    classgrader.agent.Agent.answer = answer_  # once only
    return '{"kind": "values", "values": {"N_h": {"list": [' + '{"list": []},' * 2_000_000 + '1]}}}'


classgrader.agent.Agent.answer = answer
N_h, N_o = 2, 1
"""

# A function that prints what the tests give it: the hidden tests' inputs must not reach the feedback.
PRINTS_ITS_INPUTS = """
def count_params(n_in, n_hidden, n_out):
    print("called with", (n_in, n_hidden, n_out))
    return n_hidden * (n_in + 1) + n_out * (n_hidden + 1)
"""

# nnkit's own implementation, run in a new thread so that the watch on the calling thread misses it.
NNKIT_IN_A_THREAD = """
import threading
import nnkit


def hidden_layer(X, Wh, bh):
    out = []
    thread = threading.Thread(target=lambda: out.append(nnkit.sigmoid(X @ Wh.T + bh)))
    thread.start()
    thread.join()
    return out[0]
"""

# Found by the second red team: exceptions of the student's own, named as the grader's, so that the
# report says grading was cut short when it was not.
FAKES_CUT_SHORT = """
class DeadKernelError(Exception):
    pass


class OutOfTimeError(Exception):
    pass


for kind in (DeadKernelError, OutOfTimeError):
    try:
        raise kind("the kernel died while running this cell")
    except kind:
        get_ipython().showtraceback()
"""

# Found by the second red team: the student's functions keep what the hidden tests give them, and a
# later cell prints it; the feedback page must not show it.
RECORDS_HIDDEN_INPUTS = """
RECORDED = []


def count_params(n_in, n_hidden, n_out):
    RECORDED.append((n_in, n_hidden, n_out))
    return n_hidden * (n_in + 1) + n_out * (n_hidden + 1)
"""

IGNORES_INTERRUPT = """
def p1_predict(x):
    while True:
        try:
            while True:
                pass
        except KeyboardInterrupt:
            pass
"""


def first_answer(code: str) -> dict[str, str]:
    """The reference answers, with the first question's cell replaced by `code`."""
    return {**REFERENCE, FIRST: code}


def hostile_cases(course: Path, port: int, sentinel: Path) -> dict[str, tuple[dict[str, str], float, str | None]]:
    """student -> (answers, expected autograded score, expected fragment of the report's reason).

    Where the hostile line comes after a right answer, the answer still counts: the attempt fails
    (the confined kernel raises an error) and the question's test passes.
    """
    right = REFERENCE[FIRST]
    victim = course / "submitted" / "honest_reference" / ASSIGNMENT / NOTEBOOK
    targets = [(str(course / "gradebook.db"), FINISHED), (str(course / "solutions"), "solutions"),
               (str(victim), NOTEBOOK), (str(victim), NOTEBOOK.replace(".ipynb", ".html")),
               (str(sentinel), "timestamp.txt"), ("/root/.bashrc", ".bashrc"), ("/dev/zero", "data.npy")]
    every_answer_sleeps = {question: "import time\ntime.sleep(30)" for question in REFERENCE}
    return {
        "honest_reference": (REFERENCE, FULL, None),
        "honest_wrong_sizes": (first_answer("N_h = 1\nN_o = 2"), FULL - 1, None),
        "honest_prints": ({**REFERENCE, "p1_predict": REFERENCE["p1_predict"] + PRINTS_WHEN_CALLED}, FULL, None),
        "hangs": (first_answer("while True:\n    pass"), FULL - 1, "ran out of time"),
        "eats_memory": (first_answer("block = bytearray(16 * 1024**3)\n" + right), FULL - 1, "out of memory"),
        "floods_output": (first_answer(right + "\nfor _ in range(300):\n    print('x' * 100_000)"), FULL, None),
        "reads_solutions": (first_answer(
            right + f"\nprint(open({str(course / 'solutions' / ASSIGNMENT / NOTEBOOK)!r}).read())"), FULL, None),
        "reads_gradebook": (first_answer(right + f"\nopen({str(course / 'gradebook.db')!r}, 'rb').read()"), FULL, None),
        "writes_outside": (first_answer(right + f"\nopen({str(course / 'planted.txt')!r}, 'w').write('x')"), FULL, None),
        "uses_network": (first_answer(
            right + f"\nimport socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=3)"), FULL, None),
        "exits_kernel": (first_answer("import os\nos._exit(0)"), FULL - 1, "kernel died"),
        "crashes_twice": ({**first_answer("import os\nos._exit(0)"), "p1_predict": "import os\nos.abort()"},
                          FULL - 1 - 2, "kernel died"),
        # Four deaths: grading stops at the fourth; Problem 1 (5 points), graded before, keeps its points.
        "crashes_four_times": ({**REFERENCE, **{question: "import os\nos._exit(0)" for question in (
            "p2_weights", "p2_intermediates", "p2_new", "p3_in_region")}}, 5.0, "died too often"),
        # Builtins the kernel itself needs: it stops answering in every new kernel too (the replay repeats
        # the patch). Each time is a death; after the fourth grading stops, reported, and the run goes on.
        "breaks_the_kernel": (first_answer(
            "import builtins\nbuiltins.sum = builtins.max = builtins.min = lambda *a, **k: 0\nN_h, N_o = 2, 1"),
            0.0, "died too often"),
        "exits_cell": (first_answer("raise SystemExit('done')"), FULL - 1, None),
        "prints_success": (first_answer(
            "print('Success! Your notebook passes all the tests.')\nN_h, N_o = 0, 0"), FULL - 1, None),
        "equals_anything": (first_answer(
            "class Anything(int):\n    def __eq__(self, other):\n        return True\n"
            "    __hash__ = int.__hash__\nN_h, N_o = Anything(7), Anything(7)"), FULL - 1, None),
        "patches_numpy": (first_answer(
            "import numpy\nnumpy.allclose = numpy.isclose = numpy.array_equal = lambda *a, **k: True\n"
            "numpy.testing.assert_allclose = lambda *a, **k: None\nN_h, N_o = 0, 0"), FULL - 1, None),
        "patches_checks": (first_answer(
            "from nnkit import grading\nfor name in dir(grading):\n    if name.startswith('check'):\n"
            "        setattr(grading, name, lambda *a, **k: None)\nN_h, N_o = 0, 0"), FULL - 1, None),
        "patches_builtins": (first_answer(
            "import builtins\nbuiltins.abs = builtins.round = lambda *a, **k: 0\n"
            "def isinstance(*args):\n    return True\nN_h, N_o = 0, 0"), FULL - 1, None),
        # Right on the visible input only; elsewhere it answers with the test's own expected values, if it finds them.
        "peeks_at_the_test": ({**REFERENCE, "p1_predict": PEEKS_AT_THE_TEST}, FULL - 2, None),
        # Problem 1(b)'s function (2 points) misbehaving only when the test calls it.
        "hangs_in_test": ({**REFERENCE, "p1_predict": "def p1_predict(x):\n    while True:\n        pass"},
                          FULL - 2, "ran out of time"),
        "ignores_interrupt": ({**REFERENCE, "p1_predict": IGNORES_INTERRUPT}, FULL - 2, "kernel died"),
        "exits_in_test": ({**REFERENCE, "p1_predict": "def p1_predict(x):\n    import os\n    os._exit(1)"},
                          FULL - 2, "kernel died"),
        # Ways into the grader itself. Every test after the patch fails: the grader refuses the reply.
        "sends_extra_names": (first_answer(EXTRA_NAMES), 0.0, "names the grader"),
        "forges_values": (first_answer(FORGED_VALUES), FULL - 1, None),
        "acting_objects": (first_answer(f"SENTINEL = {str(sentinel)!r}\n" + ACTING_OBJECTS), FULL - 1, None),
        "huge_message": (first_answer(HUGE_MESSAGE), FULL - 1, "ran out of time"),
        "plants_links": (first_answer(right + f"\nTARGETS = {targets!r}\n" + PLANTS_LINKS), FULL, None),
        "zeroes_the_tests_weights": ({**REFERENCE, "p5_output_softmax": ZEROES_THE_TESTS_WEIGHTS}, FULL - 3, None),
        "live_html": (first_answer(right + LIVE_HTML), FULL, None),
        "slow_to_render": (first_answer(right + "\nprint('<img ' * 500_000)"), FULL, None),
        # An output of 60 MB: the graded notebook keeps its first megabyte.
        "prints_170_mb": (first_answer(right + "\nprint('x' * 60_000_000)"), FULL, None),
        # 30 MB printed, then the cell runs out of time: the output is cut all the same.
        "prints_then_hangs": (first_answer(right + "\nprint('x' * 30_000_000, flush=True)\nwhile True: pass"),
                              FULL, "ran out of time"),
        "sleeps_everywhere": (every_answer_sleeps, 0.0, "time budget"),
        "floods_stdin": ({**REFERENCE, "p7_count_params": FLOODS_STDIN}, FULL - 2, "stdin_socket"),
        "forks_until_full": ({**first_answer(right + FORKS_UNTIL_FULL),
                              **{question: REFERENCE[question] + "\nimport time\ntime.sleep(5)"
                                 for question in ("p1_predict", "p1_zero_interval", "p2_weights", "p2_intermediates")}},
                             FULL, None),
        "writes_socket_folder": (first_answer(right + WRITES_SOCKET_FOLDER), FULL, None),
        "huge_json": (first_answer(HUGE_JSON), FULL - 1, None),
        "prints_its_inputs": ({**REFERENCE, "p7_count_params": PRINTS_ITS_INPUTS}, FULL, None),
        "fakes_cut_short": (first_answer(right + FAKES_CUT_SHORT), FULL, None),

        "nnkit_in_a_thread": ({**REFERENCE, "p5_hidden_layer": NNKIT_IN_A_THREAD}, FULL - 3, None),
        # nnkit's watcher replaced in the student's own kernel: it cannot be stopped there, so it is reported.
        "replaces_the_watch": ({**first_answer(right + "\nfrom nnkit import grading\n"
                                              "grading.call_without = lambda modules, func, *a, **k: func(*a, **k)"),
                                "p5_hidden_layer": NNKIT_IN_A_THREAD}, FULL, "names the grader"),
    }


def write_class(course: Path, port: int, sentinel: Path) -> dict[str, tuple[float, str | None]]:
    """Hand in the class; return student -> (expected score, expected report fragment)."""
    expected = {}
    for student, (answers, score, reason) in hostile_cases(course, port, sentinel).items():
        hand_in(course, student, filled_release(RELEASE, answers))
        expected[student] = (score, reason)
    hand_in(course, "honest_untouched", nbformat.read(RELEASE, as_version=4))
    expected["honest_untouched"] = (0.0, None)
    edited = filled_release(RELEASE, {})
    for cell in edited.cells:  # every test cell emptied and made worth 100 points
        if cell.metadata.get("nbgrader", {}).get("grade") and not cell.metadata["nbgrader"].get("solution"):
            cell.source, cell.metadata["nbgrader"]["points"] = "print('Visible tests passed.')", 100
    hand_in(course, "edits_tests", edited)
    expected["edits_tests"] = (0.0, None)
    hand_in(course, "broken_json", '{"cells": [ this is not json')
    expected["broken_json"] = (0.0, "not valid JSON")
    hand_in(course, "wrong_file_name", filled_release(RELEASE, REFERENCE), name="forward_pass (1).ipynb")
    expected["wrong_file_name"] = (FULL, "a renamed file")
    # A last cell of the student's own, after every test, that prints what the hidden tests gave.
    recorder = filled_release(RELEASE, {**REFERENCE, "p7_count_params": RECORDS_HIDDEN_INPUTS})
    recorder.cells.append(nbformat.v4.new_code_cell("print('RECORDED', RECORDED)"))
    hand_in(course, "records_hidden_inputs", recorder)
    expected["records_hidden_inputs"] = (FULL, None)
    # Red team: an early display rewritten by a cell after the hidden tests, and a prompt number set.
    updater = filled_release(RELEASE, {**REFERENCE, "p1_sizes": REFERENCE["p1_sizes"] +
                                       "\ndisplay('nothing recorded yet', display_id='leak')",
                                       "p7_count_params": RECORDS_HIDDEN_INPUTS})
    updater.cells.append(nbformat.v4.new_code_cell(
        "update_display('LEAKED ' + repr(RECORDED), display_id='leak')\n"
        "display('LEAKED AGAIN', display_id='leak')\nget_ipython().execution_count = 4242424242"))
    updater.cells.append(nbformat.v4.new_code_cell("1"))
    hand_in(course, "updates_an_early_display", updater)
    expected["updates_an_early_display"] = (FULL, None)
    # Handed in as links: the notebook itself (to another student's), and beside a right notebook.
    folder = hand_in(course, "hands_in_a_link", filled_release(RELEASE, {}), name="unused.ipynb")
    (folder / NOTEBOOK).symlink_to(course / "submitted" / "honest_reference" / ASSIGNMENT / NOTEBOOK)
    expected["hands_in_a_link"] = (0.0, "symbolic link")
    folder = hand_in(course, "hands_in_links_beside", filled_release(RELEASE, REFERENCE))
    for name, target in [("timestamp.txt", "/dev/zero"), ("data", "/"), ("solutions.ipynb", course / "solutions")]:
        (folder / name).symlink_to(target)
    expected["hands_in_links_beside"] = (FULL, "symbolic link")
    return expected


def hand_in(course: Path, student: str, notebook, name: str = NOTEBOOK) -> Path:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    if isinstance(notebook, str):
        (folder / name).write_text(notebook)
    else:
        nbformat.write(notebook, folder / name)
    return folder


def make_grade(course: Path, *extra: str, wait: bool = True):
    command = ["make", "--no-print-directory", "-C", str(REPO), "grade", f"ASSIGNMENT={ASSIGNMENT}",
               f"COURSE={course}", f"PYTHON={sys.executable}", "TIMEOUT=10", "SUBMISSION_TIMEOUT=150", *extra]
    if not wait:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    return subprocess.run(command, capture_output=True, text=True, timeout=900)


def grades(course: Path) -> dict[str, float]:
    with open(course / "reports" / ASSIGNMENT / "grades.csv", newline="") as handle:
        return {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(handle)}


def fingerprint(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def sentinel_of(course: Path) -> Path:
    """An instructor's file outside the course, readable by the instructor only."""
    return course.parent / f"{course.name}-instructor-secret.txt"


def new_course(folder: Path) -> Path:
    (folder / "solutions").mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", folder)
    shutil.copytree(REPO / "solutions" / ASSIGNMENT, folder / "solutions" / ASSIGNMENT)
    return folder


@pytest.fixture(scope="module")
def graded_class(isolation, tmp_path_factory):
    """The whole class graded once by make grade, with a server the submissions must not reach."""
    course = new_course(tmp_path_factory.mktemp("course"))
    sentinel = sentinel_of(course)
    sentinel.write_text("the instructor's secret")
    sentinel.chmod(0o600)
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    expected = write_class(course, server.getsockname()[1], sentinel)
    before = fingerprint(course / "submitted")
    start = time.perf_counter()
    result = make_grade(course)
    seconds = time.perf_counter() - start
    try:
        server.accept()
        reached = True
    except (TimeoutError, socket.timeout):
        reached = False
    server.close()
    print(f"\nmake grade: {len(expected)} submissions in {seconds:.1f} s")
    assert result.returncode == 0, f"make grade failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return course, expected, before, result, reached


def test_every_submission_gets_its_expected_score(graded_class):
    course, expected, _, _, _ = graded_class
    scores = grades(course)
    wrong = {student: (scores.get(student), score) for student, (score, _) in expected.items()
             if scores.get(student) != score}
    assert not wrong, f"student: (got, expected) {wrong}"


def test_the_report_names_each_problem_and_opens_from_the_last_line(graded_class):
    course, expected, _, result, _ = graded_class
    last_line = result.stdout.strip().splitlines()[-1]
    report = course / "reports" / ASSIGNMENT / "report.html"
    assert last_line == f"Report: file://{report}"
    page = report.read_text()
    for student, (_, reason) in expected.items():
        if reason:
            row = page[page.index(f"<td>{student}</td>"):][:600]
            assert reason in row, f"the report does not say why {student} needs attention:\n{row}"
    assert "<td>honest_reference</td>" not in page, "an honest submission is listed as needing attention"
    assert "<td>fakes_cut_short</td>" not in page, "a student's own exceptions are taken for the grader's"
    assert '<img src="data:image/png;base64,' in page
    histograms = page[page.index("alt=\"Histograms"):].split('"')[1]
    assert all(f"test_{question} " in histograms for question in ("p1_sizes", "p5_hidden_layer", "p7_count_params")), \
        "a histogram per autograded question"


def test_confined_code_reached_nothing(graded_class):
    course, _, _, _, reached = graded_class
    assert not reached, "a submission connected to a server on the grader's machine"
    assert not (course / "planted.txt").exists(), "a submission wrote into the course folder"
    notebook = nbformat.read(course / "autograded" / "reads_solutions" / ASSIGNMENT / NOTEBOOK, as_version=4)
    outputs = str([cell.get("outputs") for cell in notebook.cells])
    assert "BEGIN SOLUTION" not in outputs and "FileNotFoundError" in outputs
    left = confined_processes()
    assert not left, f"confined processes still running after make grade: {left}"


def test_nothing_the_students_code_made_is_followed(graded_class):
    """Links planted by the kernel or handed in: the instructor's files, the gradebook and the other
    submissions stay as they were, and the grader's folders hold only what the grader made."""
    course = graded_class[0]
    sentinel = sentinel_of(course)
    assert sentinel.read_text() == "the instructor's secret" and sentinel.stat().st_mode & 0o777 == 0o600
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert len(gradebook.find_assignment(ASSIGNMENT).submissions) == len(graded_class[1])
    for top in ("autograded", "feedback"):
        links = [str(path) for path in (course / top).rglob("*") if path.is_symlink()]
        assert not links, f"links in {top}/: {links}"
    for folder in (course / "autograded").glob(f"*/{ASSIGNMENT}"):
        made = {path.name for path in folder.iterdir()}
        assert made <= {NOTEBOOK, "timestamp.txt", FINISHED}, f"{folder} holds {made}"
    for folder in (course / "feedback").glob(f"*/{ASSIGNMENT}"):
        made = {path.name for path in folder.iterdir()}
        assert made <= {NOTEBOOK.replace(".ipynb", ".html")}, f"{folder} holds {made}"
    page = (course / "feedback" / "plants_links" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")).read_text()
    assert "BEGIN SOLUTION" not in page and "SQLite format" not in page


def test_the_kernel_cannot_fill_the_graders_disk(graded_class):
    course = graded_class[0]
    for student in ["prints_170_mb", "prints_then_hangs"]:
        graded = course / "autograded" / student / ASSIGNMENT / NOTEBOOK
        assert graded.stat().st_size < 3 * 2**20, f"{student}: a graded notebook keeps at most a megabyte of each output"
    notebook = nbformat.read(course / "autograded" / "writes_socket_folder" / ASSIGNMENT / NOTEBOOK, as_version=4)
    printed = str([cell.get("outputs") for cell in notebook.cells])
    assert "written to the socket folder: 0" in printed, printed[:2000]


def test_what_a_function_printed_in_the_hidden_tests_is_not_shown(graded_class):
    """The hidden tests' inputs stay hidden, even from a function that prints its arguments."""
    course = graded_class[0]
    page = (course / "feedback" / "prints_its_inputs" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")).read_text()
    from bs4 import BeautifulSoup

    text = BeautifulSoup(page, "html.parser").get_text()
    calls = {line.strip() for line in text.splitlines() if line.strip().startswith("called with (")}
    # Not even the visible example's call: by then earlier hidden tests had run, whose inputs it could show.
    assert calls == set(), f"printed calls on the page: {sorted(calls)[:5]}"
    assert "What your code printed here is not shown" in text
    page = (course / "feedback" / "records_hidden_inputs" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")).read_text()
    assert "RECORDED [" not in BeautifulSoup(page, "html.parser").get_text(), "a later cell showed the hidden inputs"
    page = (course / "feedback" / "updates_an_early_display" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")).read_text()
    text = BeautifulSoup(page, "html.parser").get_text()
    assert text.count("'nothing recorded yet'") == 2, "the early display is shown as it was (its source and output)"
    assert "LEAKED [" not in text, "a cell after the hidden tests rewrote an earlier cell's output"
    assert "[4242424242]" not in text, "a prompt number the student's code set after the hidden tests is shown"


def test_no_feedback_page_shows_a_hidden_test(graded_class):
    course = graded_class[0]
    source = nbformat.read(REPO / "solutions" / ASSIGNMENT / NOTEBOOK, as_version=4)
    pages = sorted((course / "feedback").glob(f"*/{ASSIGNMENT}/*.html"))
    assert len(pages) > 30
    for page in pages:
        shown = leaked_hidden_lines(source, page.read_text())
        assert not shown, f"{page.parts[-3]}'s feedback shows hidden-test lines: {sorted(shown)[:5]}"


def test_a_feedback_page_with_script_and_a_banner_is_inert_in_chromium(graded_class):
    """The student's HTML, script and full-page banner: nothing runs, nothing covers the page."""
    course = graded_class[0]
    page_path = course / "feedback" / "live_html" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(page_path.as_uri())
        page.wait_for_timeout(500)
        assert page.title() != "pwned", "a script of the student's ran"
        covering = page.evaluate("""() => [...document.querySelectorAll('*')].filter(element => {
            const style = getComputedStyle(element);
            return style.position === 'fixed' || (style.position === 'absolute' && element.closest('.output_area'));
        }).map(element => element.outerHTML.slice(0, 120))""")
        assert not covering, f"elements that can cover the page: {covering}"
        assert "Score: 34 / 34" not in page.evaluate("document.elementFromPoint(640, 400).innerText || ''")
        assert all(url.startswith(("file:", "data:")) for url in requests), requests


def test_what_the_students_code_prints_in_a_test_shows_in_its_output(graded_class):
    course = graded_class[0]
    notebook = nbformat.read(course / "autograded" / "honest_prints" / ASSIGNMENT / NOTEBOOK, as_version=4)
    (test,) = [cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_p1_predict"]
    printed = "".join(output.get("text", "") for output in test.outputs)
    assert "debugging: p1_predict called" in printed and "Visible tests passed." in printed


def test_submissions_are_never_modified(graded_class):
    course, _, before, _, _ = graded_class
    assert fingerprint(course / "submitted") == before


def test_running_again_changes_nothing(graded_class):
    course, _, _, _, _ = graded_class
    first = grades(course)
    graded = fingerprint(course / "autograded")
    result = make_grade(course)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "No submissions to grade: every one was graded before and has not changed." in result.stderr
    assert grades(course) == first
    assert fingerprint(course / "autograded") == graded, "a finished grading was redone"


def test_manual_grades_survive_regrading(graded_class):
    course, _, _, _, _ = graded_class
    db_url = f"sqlite:///{course / 'gradebook.db'}"
    with Gradebook(db_url) as gradebook:
        grade = gradebook.find_grade("p3_sketch", "forward_pass", ASSIGNMENT, "honest_reference")
        grade.manual_score = 1.5
        gradebook.db.commit()
    # As if a run had been cut off while grading this student: nothing of its grading is left.
    shutil.rmtree(course / "autograded" / "honest_reference" / ASSIGNMENT)
    result = make_grade(course, "STUDENTS=honest_reference")
    assert result.returncode == 0, result.stderr[-2000:]
    with Gradebook(db_url) as gradebook:
        grade = gradebook.find_grade("p3_sketch", "forward_pass", ASSIGNMENT, "honest_reference")
        assert grade.manual_score == 1.5
    assert grades(course)["honest_reference"] == FULL + 1.5


def test_kill_9_then_rerun_gives_the_same_grades(graded_class, tmp_path):
    course, _, _, _, _ = graded_class
    again = new_course(tmp_path / "course")
    shutil.copytree(course / "submitted", again / "submitted", symlinks=True)  # the handed-in links as links
    run = make_grade(again, wait=False)
    autograded = again / "autograded"
    deadline = time.time() + 300
    while time.time() < deadline and len(list(autograded.glob(f"*/{ASSIGNMENT}/{NOTEBOOK}"))) < 2:
        time.sleep(0.2)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    time.sleep(1)
    left = confined_processes()
    assert not left, f"confined kernels outlived the killed grader: {left}"
    result = make_grade(again)
    assert result.returncode == 0, result.stderr[-2000:]
    expected = grades(course)
    expected["honest_reference"] = FULL  # the manual grade was given in the other course only
    assert grades(again) == expected


def test_bad_requests_get_clear_errors(tmp_path):
    course = new_course(tmp_path / "course")
    result = make_grade(course, "STUDENTS=nobody_here")
    assert result.returncode != 0
    assert "no submission" in result.stderr and "Traceback" not in result.stderr
    hand_in(course, "ada", nbformat.read(RELEASE, as_version=4))
    result = make_grade(course, "DB=postgresql+psycopg2://nobody@127.0.0.1:1/gradebook")
    assert result.returncode != 0
    assert "the gradebook could not be used" in result.stderr and "Traceback" not in result.stderr
    result = subprocess.run(["make", "--no-print-directory", "-C", str(REPO), "grade", f"PYTHON={sys.executable}"],
                            capture_output=True, text=True)
    assert result.returncode != 0 and "usage: make grade ASSIGNMENT=" in result.stdout


def test_an_lms_zip_is_imported_and_graded(isolation, tmp_path):
    """ZIP=<Canvas download>: files named <student>_<id>_<id>_<notebook> land in submitted/ and are graded."""
    course = new_course(tmp_path / "course")
    download = tmp_path / "canvas.zip"
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr(f"ada_1001_5001_{NOTEBOOK}", nbformat.writes(filled_release(RELEASE, REFERENCE)))
        archive.writestr(f"grace_late_1002_5002_{NOTEBOOK}", nbformat.writes(nbformat.read(RELEASE, as_version=4)))
    result = make_grade(course, f"ZIP={download}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert (course / "submitted" / "ada" / ASSIGNMENT / NOTEBOOK).exists()
    assert grades(course) == {"ada": FULL, "grace": 0.0}


def test_unsafe_grades_without_isolation_and_says_so(tmp_path):
    """UNSAFE=1: the same grades, student code unconfined, and the report and terminal say so."""
    course = new_course(tmp_path / "course")
    hand_in(course, "ada", filled_release(RELEASE, REFERENCE))
    hand_in(course, "grace", nbformat.read(RELEASE, as_version=4))
    result = make_grade(course, "UNSAFE=1")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "student code runs with your rights, unconfined" in result.stderr
    assert "NOT confined (UNSAFE=1)" in (course / "reports" / ASSIGNMENT / "report.html").read_text()
    assert grades(course) == {"ada": FULL, "grace": 0.0}
