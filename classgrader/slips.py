"""What a submission evidently is: the slips that LMSs and Jupyter make, found and mended.

Most broken submissions are honest notebooks that an LMS renamed or that an editor saved a
little differently. Each slip is graded as what it evidently is, and reported for a person to
confirm (`Reading.notes`):

- a renamed file (Canvas's ``forward_pass-1.ipynb``, a download folder's ``forward_pass (1).ipynb``):
  a notebook whose cells carry the assignment notebook's grade ids is that notebook, whatever its
  name; with two candidates, the newest is graded and both are named;
- a copied cell (two cells with one grade id): the question is graded once, at the copy nbgrader
  would keep (the last, or the one the student edited for a written answer); the other copies run
  as ordinary cells. (nbgrader's own DeduplicateIds leaves an empty nbgrader metadata dict on the
  copies, which its metadata check then refuses: the whole notebook scored zero.)
- a deleted test cell or written answer: put back, empty, after the cell that came before it in
  the handed-out notebook; nbgrader's OverwriteCells then fills a test cell from the gradebook, so
  it costs nothing; a deleted code answer costs its question;
- cells in another order, another kernel name, another nbformat version or an editor's metadata
  (VS Code, Colab): graded as saved, and noted.

None of this opens a door: the notebook graded is still only the student's own cells (plus empty
cells named after the gradebook's), test cells and points still come from the gradebook, and
nothing here runs or follows anything. The student's JSON is only read as data, with every value's
type checked before it is used; anything odd is left for nbgrader to grade or refuse as before.
"""

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.utils import compute_checksum

from classgrader.notebooks import nbgrader_meta

# How an LMS or a browser renames a file handed in again: "name-1", "name (1)", "name_1".
RENAMED = re.compile(r"^(?P<stem>.*?)(?:-(?P<dash>\d+)| \((?P<paren>\d+)\)|_(?P<under>\d+))$")
# Editors whose own notebook metadata is recognised in a note, by the key they write.
EDITORS = {"vscode": "VS Code", "colab": "Google Colab", "kaggle": "Kaggle", "jetbrains": "a JetBrains IDE"}
# The most cells a graded notebook may have (the course's have under 100; nbgrader takes minutes
# over a few hundred thousand, outside any cell's time limit).
MAX_CELLS = 2000
# What a cell put back says, so that a person reading the graded notebook sees what happened.
PUT_BACK = "This cell was missing from the submission; the grader put it back."


@dataclass
class Reading:
    """What one expected notebook of a submission evidently is.

    Attributes:
        name: the expected notebook name, without .ipynb.
        path: the handed-in file graded as it (None: none found).
        notebook: the notebook to grade (the handed-in JSON, mended), or None.
        mended: True if `notebook` differs from the file as handed in.
        notes: the slips found and what was done about them, for the report.
    """

    name: str
    path: Path | None = None
    notebook: dict | None = None
    mended: bool = False
    notes: list[str] = field(default_factory=list)


def grade_id(cell: object) -> str | None:
    """The grade id of an nbgrader cell (answer, test or read-only), or None."""
    meta = nbgrader_meta(cell)
    identifier = meta.get("grade_id")
    marked = meta.get("grade") or meta.get("solution") or meta.get("locked")
    return identifier if isinstance(identifier, str) and marked else None


def grade_ids(notebook: dict) -> list[str]:
    """The grade ids of a notebook's nbgrader cells, in order (repeats kept)."""
    return [identifier for identifier in map(grade_id, notebook.get("cells", [])) if identifier]


def is_notebook(value: object) -> bool:
    """JSON shaped like a notebook: a dict with a list of cells."""
    return isinstance(value, dict) and isinstance(value.get("cells"), list)


def resubmission_number(stem: str) -> int:
    """The number an LMS or browser adds to a file handed in again (0 if none)."""
    match = RENAMED.match(stem)
    return int(match["dash"] or match["paren"] or match["under"]) if match else 0


# ---- which file is which notebook ----

def choose(name: str, source_ids: set[str], handed_in: dict[Path, set[str] | None]) -> Reading:
    """The file to grade as notebook `name`: the one so named, or one carrying its grade ids.

    Args:
        source_ids: the grade ids of the source notebook `name`.
        handed_in: every .ipynb file of the submission read, with the grade ids its cells carry
            (None: not a readable notebook).

    Returns:
        A reading with `path` set (`notebook` is for the caller to read).
    """
    candidates = [path for path, ids in handed_in.items()
                  if ids is not None and (path.stem == name or source_ids & ids)]
    reading = Reading(name)
    if not candidates:
        return reading
    newest = max(candidates, key=lambda path: (int(os.lstat(path).st_mtime), resubmission_number(path.stem),
                                               path.stem == name, path.name))
    reading.path = newest
    if len(candidates) > 1:
        others = ", ".join(sorted(path.name for path in candidates if path != newest))
        reading.notes.append(f"{len(candidates)} notebooks carry {name}.ipynb's cells: graded the newest, "
                             f"{newest.name}; not graded: {others}")
    elif newest.stem != name:
        reading.notes.append(f"{newest.name} was graded as {name}.ipynb (its cells are this assignment's): "
                             f"a renamed file")
    return reading


# ---- mending a notebook: each step one slip; they run in this order ----

def drop_duplicate_ids(notebook: dict, source: dict) -> list[str]:
    """Keep one cell per grade id; the other copies become ordinary cells (their nbgrader
    metadata removed, not emptied: nbgrader refuses an empty one). The kept copy is the one the
    student edited if the cell is a written answer, else the last, as nbgrader keeps."""
    cells = notebook["cells"]
    copies: dict[str, list[int]] = {}
    for index, cell in enumerate(cells):
        identifier = grade_id(cell)
        if identifier:
            copies.setdefault(identifier, []).append(index)
    notes = []
    for identifier, indices in copies.items():
        if len(indices) < 2:
            continue
        keep = kept_copy([cells[i] for i in indices], source_cell(source, identifier))
        for position, index in enumerate(indices):
            if position != keep:
                del cells[index]["metadata"]["nbgrader"]
        notes.append(f"cell {identifier} is there {len(indices)} times (a copied cell): graded once, at copy "
                     f"{keep + 1} of {len(indices)}; the other copies ran as ordinary cells")
    return notes


def kept_copy(copies: list[dict], source: dict | None) -> int:
    """Which of a grade id's copies nbgrader grades: for a written answer the last one changed
    from the handed-out text, else the last."""
    if source is not None and nbgrader_meta(source).get("solution") and source.get("cell_type") == "markdown":
        changed = [i for i, cell in enumerate(copies) if not untouched(cell)]
        if changed:
            return changed[-1]
    return len(copies) - 1


def untouched(cell: dict) -> bool:
    """True if a cell is as handed out: its text matches the checksum nbgrader gave it at release."""
    try:
        return compute_checksum(nbformat.from_dict({**cell, "source": text_of(cell)})) == nbgrader_meta(cell).get("checksum")
    except Exception:  # noqa: BLE001 (any shape a student saved, nested too deep included: not untouched)
        return False


def restore_deleted_cells(notebook: dict, source: dict) -> list[str]:
    """Put back, empty, every test cell, written answer and read-only cell of the source that the
    submission lacks, after the nearest cell before it (in the source) that the submission has.

    nbgrader's OverwriteCells fills a put-back test or read-only cell from the gradebook; a written
    answer stays empty but for a line saying it was put back, for the grader to see.
    """
    present = {identifier: index for index, identifier in
               ((i, grade_id(cell)) for i, cell in enumerate(notebook["cells"])) if identifier}
    notes, insertions, anchor = [], [], None
    for cell in source["cells"]:
        identifier = grade_id(cell)
        if not identifier:
            continue
        if identifier in present:
            anchor = identifier
            continue
        meta = nbgrader_meta(cell)
        if not (meta.get("grade") or meta.get("locked")):
            continue  # a code answer: `note_deleted_answers`
        insertions.append((anchor, put_back(cell)))
        what = "written answer" if meta.get("solution") else "test cell" if meta.get("grade") else "read-only cell"
        notes.append(f"{what} {identifier} was deleted: put back" +
                     (" from the gradebook" if meta.get("locked") else " empty, for the grader to see"))
    insert_after(notebook["cells"], insertions)
    return notes


def put_back(cell: dict) -> dict:
    """An empty copy of a source cell with its nbgrader metadata (nbgrader fills in the rest)."""
    meta = {key: value for key, value in nbgrader_meta(cell).items() if key != "checksum"}
    restored = {"cell_type": cell["cell_type"], "metadata": {"nbgrader": meta}, "source": ""}
    if cell["cell_type"] == "code":
        restored.update(execution_count=None, outputs=[], source=f"# {PUT_BACK}")
    elif meta.get("solution"):
        restored["source"] = f"*{PUT_BACK}*"
    return restored


def insert_after(cells: list, insertions: list[tuple[str | None, dict]]) -> None:
    """Insert each cell after the cell with grade id `anchor`, keeping the insertions' order; with
    no anchor (nothing before it was handed in), before the first nbgrader cell, or at the end if
    there is none (every answer has run by then)."""
    last_of = {grade_id(cell): i for i, cell in enumerate(cells) if grade_id(cell)}
    first = min(last_of.values(), default=len(cells))
    targets = [(last_of[anchor] + 1 if anchor in last_of else first, order, cell)
               for order, (anchor, cell) in enumerate(insertions)]
    # From the back, so that each target index still means what it meant in the list as it was.
    for where, _, cell in sorted(targets, key=lambda target: (target[0], target[1]), reverse=True):
        cells.insert(where, cell)


def note_deleted_answers(notebook: dict, source: dict) -> list[str]:
    """Say which code answers were deleted (not put back: their questions are graded without them)."""
    present = set(grade_ids(notebook))
    return [f"answer cell {identifier} was deleted: its question is graded without it"
            for identifier in map(grade_id, source["cells"]) if identifier and identifier not in present]


def note_order(notebook: dict, source: dict) -> list[str]:
    """Say so if the graded cells are not in the order they were handed out in (graded as saved)."""
    rank = {identifier: i for i, identifier in enumerate(grade_ids(source))}
    order = [rank[identifier] for identifier in grade_ids(notebook) if identifier in rank]
    if order == sorted(order):
        return []
    first = next(i for i in range(1, len(order)) if order[i] < order[i - 1])
    names = grade_ids(source)
    return [f"cells are not in the order handed out ({names[order[first - 1]]} comes before "
            f"{names[order[first]]}): graded in the order saved"]


def note_kernel(notebook: dict, source: dict) -> list[str]:
    """Say so if the notebook names another kernel (nbgrader grades with the assignment's)."""
    saved = notebook.get("metadata", {}).get("kernelspec") if isinstance(notebook.get("metadata"), dict) else None
    wanted = source.get("metadata", {}).get("kernelspec", {}).get("name", "python3")
    name = saved.get("name") if isinstance(saved, dict) else None
    if name == wanted:
        return []
    saved_as = f"kernel {name[:60]!r}" if isinstance(name, str) else "no kernel name"
    return [f"saved with {saved_as}; graded with the assignment's kernel {wanted}"]


def note_shape(notebook: dict, source: dict) -> list[str]:
    """Say so if an editor saved another nbformat version or its own metadata (graded as saved)."""
    metadata = notebook.get("metadata") if isinstance(notebook.get("metadata"), dict) else {}
    editors = [label for key, label in EDITORS.items() if key in metadata]
    version = (notebook.get("nbformat"), notebook.get("nbformat_minor"))
    shape = []
    if version != (source.get("nbformat"), source.get("nbformat_minor")):
        shape.append("nbformat " + ".".join(str(part)[:8] for part in version))
    if editors:
        shape.append("by " + " and ".join(editors))
    return [f"saved {', '.join(shape)}: graded as saved"] if shape else []


# Ordered: copies are settled before deleted cells are looked for (a copy is not a deletion), and
# the order is noted after cells were put back in their places.
MENDING_STEPS = (drop_duplicate_ids, restore_deleted_cells, note_deleted_answers, note_order, note_kernel,
                 note_shape)
# The steps that change the notebook (the others only note).
CHANGING_STEPS = (drop_duplicate_ids, restore_deleted_cells)


def mend(reading: Reading, source: dict) -> Reading:
    """Run every mending step on the reading's notebook, collecting their notes."""
    if reading.notebook is None:
        return reading
    for step in MENDING_STEPS:
        notes = step(reading.notebook, source)
        reading.notes += notes
        reading.mended |= bool(notes) and step in CHANGING_STEPS
    return reading


# ---- helpers ----

def source_cell(source: dict, identifier: str) -> dict | None:
    """The source notebook's cell with this grade id."""
    return next((cell for cell in source["cells"] if grade_id(cell) == identifier), None)


def text_of(cell: dict) -> str:
    """A cell's source as one text (nbformat allows a list of lines)."""
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def parse_notebook(data: bytes) -> dict:
    """The notebook in these bytes.

    Raises:
        ValueError: they are not JSON, or JSON but not a notebook (the message says which).
    """
    try:
        notebook = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"is not valid JSON ({str(error)[:100]})") from None
    if not is_notebook(notebook):
        raise ValueError("is JSON but not a notebook (no list of cells)")
    if len(notebook["cells"]) > MAX_CELLS:
        raise ValueError(f"has {len(notebook['cells'])} cells, more than a notebook of this course can have "
                         f"({MAX_CELLS})")
    return notebook
