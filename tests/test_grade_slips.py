"""The slips that LMSs and Jupyter make, on every assignment, through the real grading command.

For every assignment, each slip is applied to the reference answers (each must get every
autograded point and its line in the report), and all the slips at once to a submission with one
wrong answer (it must lose exactly that question's points). Assignment 1 also comes as a
Canvas-style zip with a resubmission. What each slip is and what grading does about it:
classgrader/slips.py; each step alone: tests/test_slips.py.
"""

import copy
import html
import json
import os
import re
import shutil
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from classgrader import slips
from tests.grading_harness import Assignment, classgrader
from tests.notebooks import REPO, filled_release, reference_answers

ASSIGNMENTS = sorted(path.name for path in (REPO / "solutions").iterdir() if path.is_dir())


def cell_at(notebook: dict, identifier: str) -> int:
    return next(i for i, cell in enumerate(notebook["cells"]) if slips.grade_id(cell) == identifier)


def first_of(notebook: dict, kind: str) -> str:
    """The grade id of the first code answer ("answer"), test ("test") or written answer ("written")."""
    for cell in notebook["cells"]:
        meta = slips.nbgrader_meta(cell)
        if kind == "answer" and meta.get("solution") and not meta.get("grade") and cell["cell_type"] == "code" \
                or kind == "test" and meta.get("grade") and not meta.get("solution") \
                or kind == "written" and meta.get("grade") and meta.get("solution"):
            return meta["grade_id"]
    raise AssertionError(f"the notebook has no {kind} cell")


def copy_cell(notebook: dict, identifier: str, write: str | None = None) -> None:
    """A student copies a cell (JupyterLab gives the copy a new id), maybe writing in the copy."""
    at = cell_at(notebook, identifier)
    duplicate = copy.deepcopy(notebook["cells"][at])
    duplicate["id"] = uuid.uuid4().hex[:12]
    if write is not None:
        duplicate["source"] = write
    notebook["cells"].insert(at + 1, duplicate)


def delete_cell(notebook: dict, identifier: str) -> None:
    del notebook["cells"][cell_at(notebook, identifier)]


def move_out_of_order(notebook: dict, identifier: str) -> None:
    """A written answer dragged to the top, or to the end where it is the first graded cell already (as
    in a4): graded cells out of the order handed out, nothing broken."""
    first_graded = slips.grade_ids(notebook)[0] == identifier
    cell = notebook["cells"].pop(cell_at(notebook, identifier))
    notebook["cells"].insert(len(notebook["cells"]) if first_graded else 0, cell)


def without_cell_ids(notebook: dict, minor: int = 4) -> None:
    notebook["nbformat_minor"] = minor
    for cell in notebook["cells"]:
        cell.pop("id", None)


def saved_by_colab(notebook: dict) -> None:
    """What Colab writes: nbformat 4.0, ids in the cells' metadata, its own notebook metadata."""
    without_cell_ids(notebook, minor=0)
    notebook["metadata"] = {"colab": {"provenance": [], "name": "forward_pass.ipynb"},
                            "kernelspec": {"name": "python3", "display_name": "Python 3"},
                            "language_info": {"name": "python"}}
    for cell in notebook["cells"]:
        cell["metadata"]["id"] = uuid.uuid4().hex[:12]
        if cell["cell_type"] == "code":
            cell["metadata"]["colab"] = {"base_uri": "https://localhost/"}
            cell["metadata"]["outputId"] = str(uuid.uuid4())


def saved_by_vscode(notebook: dict) -> None:
    notebook["metadata"]["kernelspec"] = {"display_name": ".venv", "language": "python", "name": "python3"}
    notebook["metadata"]["language_info"] = {"name": "python", "version": "3.11.7", "mimetype": "text/x-python",
                                             "file_extension": ".py", "nbconvert_exporter": "python"}
    notebook["metadata"]["vscode"] = {"interpreter": {"hash": "9" * 64}}


def saved_by_jupyterlab(notebook: dict, version: int) -> None:
    """JupyterLab 3 and 4 and Notebook 7 keep nbformat 4.5; they add metadata of their own."""
    notebook["metadata"]["language_info"] = {
        "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py", "mimetype": "text/x-python",
        "name": "python", "nbconvert_exporter": "python", "pygments_lexer": "ipython3", "version": "3.11.7"}
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and version >= 4:
            cell["metadata"]["execution"] = {"iopub.execute_input": "2026-11-30T21:00:00.000Z",
                                             "shell.execute_reply": "2026-11-30T21:00:00.100Z"}
        if cell["cell_type"] == "markdown" and version == 3:
            cell["metadata"]["jp-MarkdownHeadingCollapsed"] = True
        if version == 7:
            cell["metadata"]["tags"] = []
    if version == 7:
        notebook["metadata"]["toc-autonumbering"] = False


def new_cell_ids(notebook: dict) -> None:
    for cell in notebook["cells"]:
        cell["id"] = uuid.uuid4().hex[:8]


# Each slip: what it does to a notebook, the file name it hands in as, and what the report says.
# A note of None: the notebook is graded as it is, and nothing needs saying.
def slip_cases(notebook_name: str, source: dict) -> dict:
    answer, test, written = (first_of(source, kind) for kind in ("answer", "test", "written"))
    plain = f"{notebook_name}.ipynb"
    return {
        "renamed_by_canvas": (lambda nb: None, f"{notebook_name}-1.ipynb", "a renamed file"),
        "renamed_by_a_download": (lambda nb: None, f"{notebook_name} (1).ipynb", "a renamed file"),
        "copied_answer": (lambda nb: copy_cell(nb, answer), plain, f"cell {answer} is there 2 times"),
        "copied_test": (lambda nb: copy_cell(nb, test), plain, f"cell {test} is there 2 times"),
        "copied_written_answer": (lambda nb: copy_cell(nb, written, write="Written in the copy."), plain,
                                  f"cell {written} is there 2 times"),
        "deleted_test": (lambda nb: delete_cell(nb, test), plain, f"test cell {test} was deleted: put back"),
        "deleted_written_answer": (lambda nb: delete_cell(nb, written), plain, f"written answer {written} was deleted"),
        "reordered": (lambda nb: move_out_of_order(nb, written), plain, "not in the order handed out"),
        "other_kernel_name": (lambda nb: nb["metadata"].update(kernelspec={"name": "venv-course",
                              "display_name": "Python (course)", "language": "python"}), plain,
                              "saved with kernel 'venv-course'"),
        "nbformat_4_4": (without_cell_ids, plain, "saved nbformat 4.4"),
        "new_cell_ids": (new_cell_ids, plain, None),
        "jupyterlab_3": (lambda nb: saved_by_jupyterlab(nb, 3), plain, None),
        "jupyterlab_4": (lambda nb: saved_by_jupyterlab(nb, 4), plain, None),
        "notebook_7": (lambda nb: saved_by_jupyterlab(nb, 7), plain, None),
        "vscode": (saved_by_vscode, plain, "saved by VS Code"),
        "colab": (saved_by_colab, plain, "saved nbformat 4.0, by Google Colab"),
    }


def hand_in(course: Path, assignment: str, student: str, name: str, notebook: dict, age: float = 0) -> None:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    if age:
        os.utime(path, (time.time() - age, time.time() - age))


def report_lines(course: Path, assignment: str) -> dict[str, str]:
    """student -> the report's attention text for them (unescaped)."""
    page = (course / "reports" / assignment / "report.html").read_text()
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", page, flags=re.S)
    return {html.unescape(student): html.unescape(re.sub(r"<[^>]+>", " ", why)) for student, why in rows}


def grades(course: Path, assignment: str) -> dict[str, float]:
    import csv
    with open(course / "reports" / assignment / "grades.csv", newline="") as handle:
        return {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(handle)}


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def slipped_class(request, isolation, tmp_path_factory):
    """One assignment's class of slips, graded once by the course's grading command."""
    assignment = Assignment.load(request.param)
    course = tmp_path_factory.mktemp(f"slips-{assignment.name}")
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(REPO / "solutions" / assignment.name, course / "solutions" / assignment.name)
    source = json.loads(assignment.source.read_text())
    release = REPO / "exercises" / assignment.name / f"{assignment.notebook}.ipynb"
    reference = reference_answers(assignment.source)

    def filled(answers: dict) -> dict:
        return json.loads(json.dumps(filled_release(release, answers)))

    expected, notes = {}, {}
    for student, (slip, name, note) in slip_cases(assignment.notebook, source).items():
        notebook = filled(reference)
        slip(notebook)
        hand_in(course, assignment.name, student, name, notebook)
        expected[student], notes[student] = assignment.autograded_points, note
    # Two candidates: the untouched handout, and a newer copy with the answers.
    hand_in(course, assignment.name, "two_candidates", f"{assignment.notebook}.ipynb", filled({}), age=3600)
    hand_in(course, assignment.name, "two_candidates", f"{assignment.notebook}-1.ipynb", filled(reference))
    expected["two_candidates"] = assignment.autograded_points
    notes["two_candidates"] = f"graded the newest, {assignment.notebook}-1.ipynb"
    # Every slip at once, on a submission with one wrong answer.
    mistake = assignment.mistakes[0]
    notebook = filled({**reference, mistake.grade_id: mistake.source})
    test = f"test_{mistake.grade_id}"
    copy_cell(notebook, mistake.grade_id)
    delete_cell(notebook, test)
    move_out_of_order(notebook, first_of(source, "written"))
    without_cell_ids(notebook)
    saved_by_vscode(notebook)
    hand_in(course, assignment.name, "all_slips_one_wrong", f"{assignment.notebook} (1).ipynb", notebook)
    expected["all_slips_one_wrong"] = assignment.autograded_points - assignment.points[test]
    notes["all_slips_one_wrong"] = [
        "a renamed file", f"cell {mistake.grade_id} is there 2 times", f"test cell {test} was deleted: put back",
        "not in the order handed out", "saved nbformat 4.4, by VS Code"]
    start = time.perf_counter()
    result = classgrader(course, assignment.name)
    print(f"\n{assignment.name}: {len(expected)} slipped submissions graded in {time.perf_counter() - start:.1f} s")
    return assignment, course, expected, notes, result


def test_each_slip_gets_what_its_answers_earn(slipped_class):
    assignment, course, expected, _, _ = slipped_class
    assert grades(course, assignment.name) == pytest.approx(expected)


def test_each_slip_has_its_line_in_the_report(slipped_class):
    assignment, course, _, notes, _ = slipped_class
    lines = report_lines(course, assignment.name)
    for student, note in notes.items():
        if note is None:
            assert student not in lines, f"{student}: nothing to say, but the report says: {lines.get(student)}"
            continue
        for fragment in [note] if isinstance(note, str) else note:
            assert fragment in lines.get(student, ""), f"{student}: {fragment!r} not in the report's line: " \
                                                       f"{lines.get(student)}"


def test_what_was_handed_in_is_left_as_it_was_and_graded_under_its_name(slipped_class):
    assignment, course, _, _, _ = slipped_class
    renamed = course / "submitted" / "renamed_by_a_download" / assignment.name
    assert [path.name for path in renamed.iterdir()] == [f"{assignment.notebook} (1).ipynb"]
    graded = course / "autograded" / "renamed_by_a_download" / assignment.name / f"{assignment.notebook}.ipynb"
    feedback = course / "feedback" / "renamed_by_a_download" / assignment.name / f"{assignment.notebook}.html"
    assert graded.is_file() and feedback.is_file()


def test_a_put_back_test_runs_the_gradebooks_hidden_tests(slipped_class):
    assignment, course, _, _, _ = slipped_class
    source = json.loads(assignment.source.read_text())
    test = first_of(source, "test")
    graded = json.loads((course / "autograded" / "deleted_test" / assignment.name /
                         f"{assignment.notebook}.ipynb").read_text())
    text = slips.text_of(graded["cells"][cell_at(graded, test)])
    assert text == slips.text_of(source["cells"][cell_at(source, test)])


def test_a_canvas_zip_with_a_resubmission_and_a_renamed_file(isolation, tmp_path):
    """Canvas names a resubmitted file <notebook>-1; a student's own download adds ' (1)'."""
    assignment = Assignment.load("a1_forward_pass")
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(REPO / "solutions" / assignment.name, course / "solutions" / assignment.name)
    release = REPO / "exercises" / assignment.name / f"{assignment.notebook}.ipynb"
    reference = json.dumps(filled_release(release, reference_answers(assignment.source)))
    download = tmp_path / "submissions.zip"
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr(f"ada_1001_5001_{assignment.notebook}-1.ipynb", reference)
        archive.writestr(f"grace_late_1002_5002_{assignment.notebook}-2.ipynb", reference)
        archive.writestr(f"alan_1003_5003_{assignment.notebook} (1).ipynb", reference)
    classgrader(course, assignment.name, "--zip", str(download))
    full = assignment.autograded_points
    assert grades(course, assignment.name) == {"ada": full, "grace": full, "alan": full}
    assert "a renamed file" in report_lines(course, assignment.name)["alan"]
