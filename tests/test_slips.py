"""classgrader.slips without grading: which file is which notebook, and how a notebook is mended.

The whole pipeline (each slip on every assignment, through make grade) is in test_grade_slips.py.
"""

import copy
import functools
import json
import os
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from classgrader import slips
from classgrader.course import check_files, read_submission, stage
from tests.notebooks import REPO, filled_release, reference_answers

SOURCE_PATH = REPO / "solutions" / "a1_forward_pass" / "forward_pass.ipynb"
SOURCE = json.loads(SOURCE_PATH.read_text())
SOURCES = {"forward_pass": SOURCE}
RELEASE = REPO / "exercises" / "a1_forward_pass" / "forward_pass.ipynb"


@functools.cache
def reference_text() -> str:
    return json.dumps(filled_release(RELEASE, reference_answers(SOURCE_PATH)))


def reference() -> dict:
    """The released notebook with every answer filled in, a new copy each time."""
    return json.loads(reference_text())


def index_of(notebook: dict, identifier: str) -> int:
    return next(i for i, cell in enumerate(notebook["cells"]) if slips.grade_id(cell) == identifier)


def hand_in(folder: Path, name: str, notebook: dict | str, age: float = 0.0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(notebook if isinstance(notebook, str) else json.dumps(notebook))
    if age:
        moment = time.time() - age
        os.utime(path, (moment, moment))
    return path


def test_a_renamed_notebook_is_graded_under_its_name(tmp_path):
    hand_in(tmp_path, "forward_pass (1).ipynb", reference())
    problems = check_files(tmp_path, SOURCES)
    assert problems == ["forward_pass (1).ipynb was graded as forward_pass.ipynb (its cells are this "
                        "assignment's): a renamed file"]
    staged = tmp_path / "staged"
    stage(tmp_path, staged, SOURCES)
    assert [path.name for path in staged.iterdir()] == ["forward_pass.ipynb"]
    assert (staged / "forward_pass.ipynb").read_bytes() == (tmp_path / "forward_pass (1).ipynb").read_bytes()


def test_of_two_candidates_the_newest_is_graded_and_both_are_named(tmp_path):
    hand_in(tmp_path, "forward_pass.ipynb", reference(), age=3600)
    newer = reference()
    newer["cells"][index_of(newer, "p1_sizes")]["source"] = "N_h = 2\nN_o = 1  # the newer one"
    hand_in(tmp_path, "forward_pass-1.ipynb", newer)
    [reading], _ = read_submission(tmp_path, SOURCES)
    assert reading.path.name == "forward_pass-1.ipynb"
    assert reading.notes == ["2 notebooks carry forward_pass.ipynb's cells: graded the newest, "
                             "forward_pass-1.ipynb; not graded: forward_pass.ipynb"]


def test_with_equal_times_the_higher_resubmission_number_is_newest(tmp_path):
    for name in ["forward_pass.ipynb", "forward_pass-2.ipynb", "forward_pass-1.ipynb"]:
        hand_in(tmp_path, name, reference(), age=60)
    [reading], _ = read_submission(tmp_path, SOURCES)
    assert reading.path.name == "forward_pass-2.ipynb"


def test_a_notebook_without_the_assignments_cells_is_not_taken_for_it(tmp_path):
    hand_in(tmp_path, "scratch.ipynb", {"cells": [{"cell_type": "code", "source": "1", "metadata": {}}]})
    problems = check_files(tmp_path, SOURCES)
    assert problems == ["forward_pass.ipynb is missing (found scratch.ipynb, which carry none of its cells); "
                        "it scores zero"]


def test_a_broken_file_under_the_name_gives_way_to_a_readable_copy(tmp_path):
    hand_in(tmp_path, "forward_pass.ipynb", '{"cells": [ not json')
    hand_in(tmp_path, "forward_pass-1.ipynb", reference())
    problems = check_files(tmp_path, SOURCES)
    assert problems[0].startswith("forward_pass.ipynb is not valid JSON (")
    assert problems[0].endswith("): graded forward_pass-1.ipynb instead")


def test_a_linked_notebook_is_never_read_even_under_another_name(tmp_path):
    other = hand_in(tmp_path / "elsewhere", "forward_pass.ipynb", reference())
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "forward_pass-1.ipynb").symlink_to(other)
    [reading], _ = read_submission(tmp_path / "mine", SOURCES)
    assert reading.notebook is None


def test_only_so_many_files_are_read(tmp_path):
    for number in range(30):
        hand_in(tmp_path, f"copy{number}.ipynb", {"cells": []})
    files = __import__("classgrader.course", fromlist=["notebook_files"]).notebook_files(tmp_path, SOURCES)
    assert len(files) == 5


def test_a_copied_answer_is_graded_once_and_the_copy_stays_an_ordinary_cell():
    notebook = reference()
    at = index_of(notebook, "p1_sizes")
    notebook["cells"].insert(at + 1, copy.deepcopy(notebook["cells"][at]))
    reading = slips.mend(slips.Reading("forward_pass", notebook=notebook), SOURCE)
    assert reading.mended and slips.grade_ids(notebook).count("p1_sizes") == 1
    assert "nbgrader" not in notebook["cells"][at]["metadata"]  # removed, not left empty
    assert slips.grade_id(notebook["cells"][at + 1]) == "p1_sizes"  # the last copy, as nbgrader keeps
    assert reading.notes == ["cell p1_sizes is there 2 times (a copied cell): graded once, at copy 2 of 2; "
                             "the other copies ran as ordinary cells"]


def test_of_a_copied_written_answer_the_one_written_in_is_graded():
    notebook = reference()
    written = [cell for cell in SOURCE["cells"]
               if slips.nbgrader_meta(cell).get("solution") and cell["cell_type"] == "markdown"][0]
    at = index_of(notebook, slips.grade_id(written))
    handed_out = copy.deepcopy(json.loads(RELEASE.read_text())["cells"][at])
    notebook["cells"][at] = copy.deepcopy(handed_out)
    answer = copy.deepcopy(handed_out)
    answer["source"] = "My own answer, written in the copy."
    notebook["cells"].insert(at, answer)  # the copy written in comes first
    slips.mend(slips.Reading("forward_pass", notebook=notebook), SOURCE)
    assert slips.grade_id(notebook["cells"][at]) == slips.grade_id(written)
    assert slips.grade_id(notebook["cells"][at + 1]) is None


def test_a_deleted_test_cell_is_put_back_after_its_answer():
    notebook = reference()
    del notebook["cells"][index_of(notebook, "test_p1_sizes")]
    reading = slips.mend(slips.Reading("forward_pass", notebook=notebook), SOURCE)
    at = index_of(notebook, "test_p1_sizes")
    assert slips.grade_id(notebook["cells"][at - 1]) == "p1_sizes"
    assert notebook["cells"][at]["metadata"]["nbgrader"]["grade"] is True
    assert "checksum" not in notebook["cells"][at]["metadata"]["nbgrader"]
    assert reading.notes == ["test cell test_p1_sizes was deleted: put back from the gradebook"]


def test_deleted_cells_keep_their_order_and_a_notebook_without_any_gets_them_at_the_end():
    notebook = reference()
    for cell in notebook["cells"]:
        cell["metadata"].pop("nbgrader", None)  # an editor that drops nbgrader's metadata
    slips.mend(slips.Reading("forward_pass", notebook=notebook), SOURCE)
    tests = [slips.grade_id(cell) for cell in SOURCE["cells"] if slips.nbgrader_meta(cell).get("grade")]
    restored = [slips.grade_id(cell) for cell in notebook["cells"] if slips.grade_id(cell)]
    assert restored == tests
    first = index_of(notebook, tests[0])
    assert all(slips.grade_id(cell) for cell in notebook["cells"][first:])  # after every answer


def test_a_deleted_code_answer_is_only_noted():
    notebook = reference()
    del notebook["cells"][index_of(notebook, "p1_sizes")]
    reading = slips.mend(slips.Reading("forward_pass", notebook=notebook), SOURCE)
    assert not reading.mended
    assert reading.notes == ["answer cell p1_sizes was deleted: its question is graded without it"]


def test_order_kernel_and_editor_are_noted_not_changed():
    notebook = reference()
    at = index_of(notebook, "p1_sizes")
    notebook["cells"].append(notebook["cells"].pop(at))
    notebook["metadata"]["kernelspec"] = {"name": "venv-abc", "display_name": ".venv"}
    notebook["metadata"]["vscode"] = {"interpreter": {"hash": "0" * 64}}
    notebook["nbformat_minor"] = 2
    before = json.dumps(notebook)
    reading = slips.mend(slips.Reading("forward_pass", notebook=notebook), SOURCE)
    assert not reading.mended and json.dumps(notebook) == before
    assert reading.notes == [
        "cells are not in the order handed out (test_p7_count_params comes before p1_sizes): graded in the "
        "order saved",
        "saved with kernel 'venv-abc'; graded with the assignment's kernel python3",
        "saved nbformat 4.2, by VS Code: graded as saved",
    ]


def test_the_reference_as_handed_out_needs_no_note(tmp_path):
    hand_in(tmp_path, "forward_pass.ipynb", reference())
    assert check_files(tmp_path, SOURCES) == []


def test_a_copied_test_cell_is_not_taken_for_code_naming_the_grader(tmp_path):
    notebook = reference()
    at = index_of(notebook, "test_p1_sizes")
    notebook["cells"].insert(at, copy.deepcopy(notebook["cells"][at]))
    hand_in(tmp_path, "forward_pass.ipynb", notebook)
    assert [line for line in check_files(tmp_path, SOURCES) if "machinery" in line] == []
    own = reference()
    own["cells"].insert(at, copy.deepcopy(own["cells"][at]))
    own["cells"][at]["source"] += "\nimport importlib"
    hand_in(tmp_path / "other", "forward_pass.ipynb", own)
    assert any("machinery" in line and "importlib" in line for line in check_files(tmp_path / "other", SOURCES))


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20)
CELL_KEYS = st.sampled_from(["metadata", "nbgrader", "grade_id", "grade", "solution", "locked", "source",
                             "cell_type", "p1_sizes", "test_p1_sizes", "kernelspec", "name"])
SHAPED = st.recursive(JSON, lambda inner: st.dictionaries(CELL_KEYS, inner, max_size=5), max_leaves=30)


@settings(max_examples=300)
@given(cells=st.lists(SHAPED, max_size=8), metadata=SHAPED)
def test_any_json_a_student_saves_is_read_as_data_and_never_breaks_mending(cells, metadata):
    notebook = {"cells": cells + copy.deepcopy(reference()["cells"][:6]), "metadata": metadata}
    reading = slips.mend(slips.Reading("forward_pass", notebook=notebook), SOURCE)
    json.dumps(reading.notebook)
    assert all(isinstance(note, str) for note in reading.notes)


def seconds_to_mend(copies: int) -> float:
    """The best of two times to mend the reference with every cell copied ``copies`` times."""
    times = []
    for _ in range(2):
        notebook = reference()
        notebook["cells"] = json.loads(json.dumps(notebook["cells"] * copies))
        start = time.perf_counter()
        slips.mend(slips.Reading("forward_pass", notebook=notebook), SOURCE)
        times.append(time.perf_counter() - start)
    return min(times)


def test_mending_grows_with_the_cells_not_their_square():
    """Red team: a notebook of every cell copied thousands of times must not stall the class. Ten times
    the cells may take about ten times as long (up to 40 here); a quadratic mend would take 100."""
    small, large = seconds_to_mend(300), seconds_to_mend(3000)
    assert large < 40 * small, f"3,000 copies took {large:.2f} s, 300 copies {small:.3f} s"


def deeply_nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"x": value}
    return value


def test_a_copy_with_metadata_nested_too_deep_does_not_stop_the_class(tmp_path):
    """Red team: a copied written answer whose metadata nests 500 deep made nbformat raise RecursionError."""
    notebook = reference()
    written = next(slips.grade_id(cell) for cell in SOURCE["cells"]
                   if slips.nbgrader_meta(cell).get("solution") and cell["cell_type"] == "markdown")
    at = index_of(notebook, written)
    duplicate = copy.deepcopy(notebook["cells"][at])
    duplicate["metadata"]["deep"] = deeply_nested(500)
    notebook["cells"].insert(at, duplicate)
    hand_in(tmp_path, "forward_pass.ipynb", notebook)
    assert any(f"cell {written} is there 2 times" in line for line in check_files(tmp_path, SOURCES))
    stage(tmp_path, tmp_path / "staged", SOURCES)
    assert (tmp_path / "staged" / "forward_pass.ipynb").is_file()


def test_a_step_that_fails_leaves_the_notebook_graded_as_handed_in(tmp_path, monkeypatch):
    def broken(notebook, source):
        raise RecursionError("a shape no step foresaw")

    monkeypatch.setattr(slips, "MENDING_STEPS", (broken,))
    hand_in(tmp_path, "forward_pass.ipynb", reference())
    [reading], _ = read_submission(tmp_path, SOURCES)
    assert reading.notebook == reference() and not reading.mended
    assert reading.notes == ["its slips could not be looked at (RecursionError): graded as handed in"]


def test_a_notebook_of_too_many_cells_is_refused_before_grading(tmp_path):
    """Red team: 400,000 empty cells held a grading worker 384 s past the notebook's time budget."""
    notebook = reference()
    notebook["cells"] += [{"cell_type": "raw", "metadata": {}, "source": ""}] * 2001
    hand_in(tmp_path, "forward_pass.ipynb", notebook)
    problems = check_files(tmp_path, SOURCES)
    assert problems == [f"forward_pass.ipynb has {len(notebook['cells'])} cells, more than a notebook of this "
                        f"course can have (2000); it scores zero"]


def test_a_file_name_that_is_not_utf8_reaches_the_report(tmp_path):
    """Red team: a renamed file's name that is not UTF-8 stopped the report from being written."""
    from classgrader.report import Scores, write_report

    name = os.fsdecode(b"forward_pass\xff.ipynb")
    hand_in(tmp_path / "sub", name, reference())
    problems = check_files(tmp_path / "sub", SOURCES)
    assert "a renamed file" in problems[0]
    report = write_report(tmp_path / "report.html", "a1_forward_pass", Scores([("p1", 1.0)], {"ada": {"p1": 1.0}}),
                          {"ada": problems}, 1.0, 1, True)
    assert "forward_pass\\udcff.ipynb" in report.read_text()


def peak_bytes_reading(folder: Path) -> int:
    """The most memory ``read_submission`` holds at once while it reads this folder."""
    import tracemalloc

    tracemalloc.start()
    try:
        read_submission(folder, SOURCES)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_only_one_handed_in_notebook_is_held_in_memory_at_a_time(tmp_path):
    """Red team: five large candidates read at once held five parsed notebooks; of the others only
    their grade ids are kept, so five cost about what one does."""
    large = reference()
    large["metadata"]["history"] = [{"step": step} for step in range(200_000)]   # 3 MB of JSON, small objects
    one, five = tmp_path / "one", tmp_path / "five"
    hand_in(one, "forward_pass.ipynb", large)
    for copy_number in range(5):
        hand_in(five, f"forward_pass-{copy_number}.ipynb", large)
    single, several = peak_bytes_reading(one), peak_bytes_reading(five)
    assert several < 2 * single, f"five candidates held {several / 2**20:.0f} MB at once, one {single / 2**20:.0f} MB"
