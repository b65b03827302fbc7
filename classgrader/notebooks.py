"""nbgrader notebooks as data: what a cell is to nbgrader, the reference answers, and filled-in copies.

``nbgrader_meta`` and ``is_test_cell`` read any cell, however a submission shaped it (grading uses
them on what students hand in). The rest makes submissions (the demo class, and the tests'
classes) from an assignment's source notebook (solutions/) and its release (exercises/).
"""

from pathlib import Path

import nbformat

MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def nbgrader_meta(cell: object) -> dict:
    """A cell's nbgrader metadata: {} for a cell nbgrader does not grade or lock, or one not shaped as a dict."""
    if not isinstance(cell, dict) or not isinstance(cell.get("metadata"), dict):
        return {}
    meta = cell["metadata"].get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def is_test_cell(cell: object) -> bool:
    """An nbgrader test cell: a graded code cell that is not the student's answer."""
    meta = nbgrader_meta(cell)
    return isinstance(cell, dict) and cell.get("cell_type") == "code" and bool(meta.get("grade")) \
        and not meta.get("solution")


def without_markers(text: str) -> str:
    """A source cell's text without its solution markers."""
    return "\n".join(line for line in text.splitlines() if line.strip() not in MARKERS)


def reference_answers(source: Path) -> dict[str, str]:
    """The reference answer of every answer cell (code and written) of a source notebook, by grade id."""
    notebook = nbformat.read(source, as_version=4)
    return {
        nbgrader_meta(cell)["grade_id"]: without_markers(cell.source)
        for cell in notebook.cells
        if nbgrader_meta(cell).get("solution")
    }


def filled_release(release: Path, answers: dict[str, str]):
    """The released notebook with the given answer cells replaced, as a student would hand it in.

    Args:
        release: the released notebook (exercises/...).
        answers: grade id -> the new source of that answer cell; the others stay as released.

    Returns:
        the notebook (nbformat.NotebookNode).
    """
    notebook = nbformat.read(release, as_version=4)
    for cell in notebook.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return notebook
