"""The course folder as nbgrader lays it out, and what a class handed in.

    <course>/nbgrader_config.py
    <course>/solutions/<assignment>/<notebook>.ipynb          the source (instructors only)
    <course>/submitted/<student>/<assignment>/<notebook>.ipynb what each student handed in
    <course>/autograded/<student>/<assignment>/...             nbgrader's graded copies
    <course>/gradebook.db                                      the gradebook (or any SQLAlchemy URL)

Submissions are only ever read here, never modified, and nothing in them is followed: a symbolic
link in a submission folder is reported, never read through (it could point at the solutions, the
gradebook or /dev/zero). What nbgrader grades is a staged copy of the submission's notebooks
(`stage`), made of regular files only.
"""

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from classgrader import slips
from classgrader.errors import GradingError
from classgrader.notebooks import is_test_cell

# The largest notebook that is graded; a larger one is reported and scores zero.
MAX_NOTEBOOK_BYTES = 20 * 2**20
# The most .ipynb files of one submission that are read to find its notebooks.
MAX_NOTEBOOKS = 5
# Besides the notebooks, the one file of a submission that nbgrader reads (the hand-in time).
TIMESTAMP = "timestamp.txt"
# Words of the grader's own machinery, which no answer needs: a notebook whose code outside its
# test cells names one is reported for a person to read (its score stands as graded).
GRADER_WORDS = ("classgrader", "nnkit.grading", "import grading", "call_without", "setprofile", "settrace",
                "stdin_socket", "_parent_ident", "__import__", "importlib", "setattr(", "sys.modules")


@dataclass
class Submission:
    """One student's hand-in of one assignment, and what is wrong with it before grading."""

    student: str
    folder: Path
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Course:
    root: Path
    db_url: str

    @classmethod
    def at(cls, root: Path, db_url: str | None = None) -> "Course":
        root = root.resolve()
        if not (root / "nbgrader_config.py").exists():
            raise GradingError(f"{root} is not a course folder: it has no nbgrader_config.py. Run this from the "
                               f"course's top folder.")
        return cls(root, db_url or f"sqlite:///{root / 'gradebook.db'}")

    def config(self) -> Config:
        """The course's nbgrader configuration, with this gradebook."""
        config = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        config.CourseDirectory.root = str(self.root)
        config.CourseDirectory.db_url = self.db_url
        return config

    def source_notebooks(self, assignment: str) -> list[str]:
        """The notebook names (without .ipynb) of an assignment's source."""
        folder = self.root / "solutions" / assignment
        names = sorted(path.stem for path in folder.glob("*.ipynb"))
        if not names:
            known = sorted(path.name for path in (self.root / "solutions").glob("*") if path.is_dir())
            raise GradingError(f"there is no assignment {assignment!r} in solutions/ (known: {', '.join(known)}).")
        return names

    def sources(self, assignment: str) -> dict[str, dict]:
        """The assignment's source notebooks (the instructor's own, trusted), by name."""
        folder = self.root / "solutions" / assignment
        return {name: json.loads((folder / f"{name}.ipynb").read_text(encoding="utf-8"))
                for name in self.source_notebooks(assignment)}

    def submissions(self, assignment: str, students: list[str] | None = None) -> list[Submission]:
        """Every submitted/<student>/<assignment>/ folder, with the problems found in its files."""
        sources = self.sources(assignment)
        folders = sorted(self.root.glob(f"submitted/*/{assignment}"))
        found = {folder.parent.name: folder for folder in folders if folder.is_dir()}
        if students:
            unknown = sorted(set(students) - set(found))
            if unknown:
                raise GradingError(f"no submission of {assignment} for {', '.join(unknown)} in submitted/.")
            found = {student: found[student] for student in students}
        if not found:
            raise GradingError(f"no submissions of {assignment}: expected folders submitted/<student>/{assignment}/ "
                               f"(or pass ZIP=<file> to import an LMS download).")
        return [Submission(student, folder, check_files(folder, sources)) for student, folder in found.items()]


def check_files(folder: Path, sources: dict[str, dict]) -> list[str]:
    """What is wrong with a submission's files (links, notebooks missing, too large or not
    notebooks at all) and the slips found in them, with what grading does about each."""
    problems = [f"{link} is a symbolic link: it was not followed (only regular files are graded)"
                for link in links(folder)]
    readings, unreadable = read_submission(folder, sources)
    for reading in readings:
        problem = unreadable.get(reading.name)
        if reading.notebook is None:
            problems.append(problem or missing(reading.name, folder, sources))
            continue
        if problem:
            problems.append(f"{problem.removesuffix('; it scores zero')}: graded {reading.path.name} instead")
        problems += reading.notes
        named = [word for word in GRADER_WORDS if word in code_of(reading.notebook, sources[reading.name])]
        if named:
            problems.append(f"{reading.path.name}: its code names the grader's machinery ({', '.join(named)}); "
                            f"read it (the score stands as graded)")
    return problems


def missing(name: str, folder: Path, sources: dict[str, dict]) -> str:
    """The report's line for an expected notebook that nothing handed in stands for."""
    others = sorted(path.name for path in folder.glob("*.ipynb") if path.stem not in sources)
    hint = f" (found {', '.join(others[:5])}, which carry none of its cells)" if others else ""
    return f"{name}.ipynb is missing{hint}; it scores zero"


def read_submission(folder: Path, sources: dict[str, dict]) -> tuple[list[slips.Reading], dict[str, str]]:
    """Each expected notebook as the submission evidently has it (`slips`), mended, and why a
    file handed in under an expected name could not be read.

    Only one handed-in notebook is held in memory at a time: of the others, only their grade ids.

    Args:
        sources: the assignment's source notebooks (the instructor's), by name.
    """
    handed_in: dict[Path, set[str] | None] = {}
    unreadable: dict[str, str] = {}
    for path in notebook_files(folder, sources):
        notebook, problem = read_notebook(path)
        handed_in[path] = None if notebook is None else set(slips.grade_ids(notebook))
        if problem and path.stem in sources:
            unreadable[path.stem] = problem
    readings = []
    for name, source in sources.items():
        reading = slips.choose(name, set(slips.grade_ids(source)), handed_in)
        if reading.path:
            reading.notebook, _ = read_notebook(reading.path)
        try:
            reading = slips.mend(reading, source)
        except Exception as error:  # noqa: BLE001 (a shape no step foresaw: graded as handed in, and said)
            reading.notebook, _ = read_notebook(reading.path)
            reading.mended = False
            reading.notes.append(f"its slips could not be looked at ({type(error).__name__}): graded as handed in")
        readings.append(reading)
    return readings, unreadable


def read_notebook(path: Path) -> tuple[dict | None, str | None]:
    """A handed-in notebook, or None and the report's line saying why it cannot be graded."""
    try:
        return slips.parse_notebook(read_regular_file(path)), None
    except OSError as error:
        return None, f"{path.name} cannot be graded ({error}); it scores zero"
    except ValueError as error:
        return None, f"{path.name} {error}; it scores zero"


def notebook_files(folder: Path, sources: dict[str, dict]) -> list[Path]:
    """The .ipynb files of a submission that are read: those with an expected name, then the
    newest others, at most MAX_NOTEBOOKS in all (a folder of thousands is not read through)."""
    files = [path for path in folder.glob("*.ipynb")]
    named = sorted(path for path in files if path.stem in sources)
    others = sorted((path for path in files if path.stem not in sources),
                    key=lambda path: (-path.lstat().st_mtime, path.name))
    return (named + others)[:MAX_NOTEBOOKS]


def code_of(notebook: dict, source: dict) -> str:
    """The student's code in a notebook (after `slips.mend`), as one text: every code cell but its
    test cells (nbgrader puts the gradebook's own source back in them) and cells made only of
    lines of the source's test cells (a copied test cell)."""
    tests = [cell for cell in source["cells"] if is_test_cell(cell)]
    test_ids = {slips.grade_id(cell) for cell in tests}
    test_lines = {line.strip() for cell in tests for line in slips.text_of(cell).splitlines()}
    code = []
    for cell in notebook["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        lines = {line.strip() for line in slips.text_of(cell).splitlines()} - {""}
        if (is_test_cell(cell) and slips.grade_id(cell) in test_ids) or lines <= test_lines:
            continue
        code.append(slips.text_of(cell))
    return "\n".join(code)


def read_regular_file(path: Path, limit: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """The bytes of `path` if it is a regular file (not a link, a device or a pipe) of at most `limit` bytes.

    Raises:
        FileNotFoundError: there is no such file.
        OSError: it is a link, not a regular file, or too large (the message says which).
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise OSError(f"{path.name} is a symbolic link or cannot be opened") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path.name} is not a regular file")
        if info.st_size > limit:
            raise OSError(f"{path.name} is larger than {limit // 2**20} MB")
        return handle.read(limit + 1)[:limit]


def links(folder: Path) -> list[str]:
    """The symbolic links in a submission folder, as paths relative to it (none is followed)."""
    found = []
    for parent, folders, names in os.walk(folder):  # os.walk does not enter linked folders
        for name in folders + names:
            path = Path(parent) / name
            if path.is_symlink():
                found.append(str(path.relative_to(folder)))
    return sorted(found)


def stage(submitted: Path, staged: Path, sources: dict[str, dict]) -> None:
    """Write what nbgrader grades of a submission into the empty folder `staged`: each expected
    notebook as the submission evidently has it (renamed, mended: `read_submission`) and the
    timestamp, from regular files only; anything else in the submission is left out.

    The notebooks that stand for none of the expected ones go in as they are, under their own
    names: nbgrader skips them, but records the submission, so that a notebook missing or
    unreadable scores zero in the gradebook and the export instead of leaving no row at all.
    """
    staged.mkdir(parents=True, exist_ok=True)
    readings, _ = read_submission(submitted, sources)
    chosen = {reading.path for reading in readings if reading.path}
    for reading in readings:
        if reading.notebook is None:
            continue  # reported by check_files; it scores zero
        target = staged / f"{reading.name}.ipynb"
        if reading.mended:
            target.write_text(json.dumps(reading.notebook), encoding="utf-8")
        else:  # as handed in, byte for byte
            target.write_bytes(read_regular_file(reading.path))
    for path in notebook_files(submitted, sources):
        taken = path.stem in sources and (staged / path.name).exists()
        if path not in chosen and not taken:
            copy_regular_file(path, staged / path.name)
    copy_regular_file(submitted / TIMESTAMP, staged / TIMESTAMP)


def copy_regular_file(path: Path, target: Path) -> None:
    """Copy a regular file of at most MAX_NOTEBOOK_BYTES; a link, a missing, special or larger
    file is left out (check_files reports it)."""
    try:
        target.write_bytes(read_regular_file(path))
    except OSError:
        pass


def fingerprint(folder: Path) -> str:
    """A hash of every file in a submission folder: it changes if the student hands in again.

    A link counts by where it points, never by what it points at.
    """
    digest = hashlib.sha256()
    for parent, folders, names in sorted(os.walk(folder)):
        for name in sorted(names + [f for f in folders if (Path(parent) / f).is_symlink()]):
            path = Path(parent) / name
            if path.is_symlink():
                content = b"link to " + os.fsencode(os.readlink(path))
            else:
                try:
                    content = read_regular_file(path)
                except OSError as error:  # too large, or not a regular file: its size and time stand for it
                    info = path.lstat()
                    content = f"{error} {info.st_size} {info.st_mtime_ns}".encode()
            digest.update(os.fsencode(path.relative_to(folder)) + b"\0" + content + b"\0")
    return digest.hexdigest()
