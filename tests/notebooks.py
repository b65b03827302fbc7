"""Making student notebooks for the tests: the released notebook with answers filled in."""

from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def without_markers(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if line.strip() not in MARKERS)


def reference_answers(source: Path) -> dict[str, str]:
    """The reference answer of every autograded answer cell of a source notebook, by grade id."""
    notebook = nbformat.read(source, as_version=4)
    return {
        nbgrader_meta(cell)["grade_id"]: without_markers(cell.source)
        for cell in notebook.cells
        if nbgrader_meta(cell).get("solution") and cell.cell_type == "code"
    }


def filled_release(release: Path, answers: dict[str, str], written_answer: str | None = None):
    """The released notebook with the given answer cells replaced, as a student would hand it in.

    Args:
        release: the released notebook (exercises/...).
        answers: grade id -> code for the code answer cells to fill; the others stay as released.
        written_answer: text for every manually graded markdown answer cell, or None to leave them.

    Returns:
        the notebook (nbformat.NotebookNode).
    """
    notebook = nbformat.read(release, as_version=4)
    for cell in notebook.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if cell.cell_type == "code" and grade_id in answers:
            cell.source = answers[grade_id]
        elif cell.cell_type == "markdown" and nbgrader_meta(cell).get("solution") and written_answer is not None:
            cell.source = written_answer
    return notebook
