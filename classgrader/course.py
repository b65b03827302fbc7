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

from classgrader.errors import GradingError

# The largest notebook that is graded; a larger one is reported and scores zero.
MAX_NOTEBOOK_BYTES = 20 * 2**20
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

    def submissions(self, assignment: str, students: list[str] | None = None) -> list[Submission]:
        """Every submitted/<student>/<assignment>/ folder, with the problems found in its files."""
        expected = self.source_notebooks(assignment)
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
        return [Submission(student, folder, check_files(folder, expected)) for student, folder in found.items()]


def check_files(folder: Path, expected: list[str]) -> list[str]:
    """What is wrong with a submission's files: links, and notebooks missing, misnamed, too large
    or not notebooks at all."""
    problems = [f"{link} is a symbolic link: it was not followed (only regular files are graded)"
                for link in links(folder)]
    handed_in = sorted(path.stem for path in folder.glob("*.ipynb"))
    for name in expected:
        try:
            text = read_regular_file(folder / f"{name}.ipynb").decode("utf-8")
        except FileNotFoundError:
            others = [other for other in handed_in if other not in expected]
            hint = f" (found {', '.join(o + '.ipynb' for o in others)}: a wrong file name?)" if others else ""
            problems.append(f"{name}.ipynb is missing{hint}; it scores zero")
            continue
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"{name}.ipynb cannot be graded ({error}); it scores zero")
            continue
        try:
            notebook = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as error:
            problems.append(f"{name}.ipynb is not valid JSON ({error}); it scores zero")
            continue
        if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
            problems.append(f"{name}.ipynb is JSON but not a notebook (no list of cells); it scores zero")
            continue
        named = [word for word in GRADER_WORDS if word in code_of(notebook)]
        if named:
            problems.append(f"{name}.ipynb: its code names the grader's machinery ({', '.join(named)}); "
                            f"read it (the score stands as graded)")
    return problems


def code_of(notebook: dict) -> str:
    """All the code of a notebook's code cells but its test cells, as one text."""
    sources = [cell.get("source", "") for cell in notebook["cells"]
               if isinstance(cell, dict) and cell.get("cell_type") == "code" and not is_test_cell(cell)]
    return "\n".join(source if isinstance(source, str) else "".join(map(str, source)) for source in sources)


def is_test_cell(cell: dict) -> bool:
    """A cell marked as an autograded test (nbgrader puts the gradebook's own source back in it)."""
    meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell.get("metadata"), dict) else {}
    return isinstance(meta, dict) and bool(meta.get("grade")) and not meta.get("solution")


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


def stage(submitted: Path, staged: Path) -> None:
    """Copy what nbgrader grades of a submission (its notebooks and timestamp, regular files only)
    into the empty folder `staged`; anything else in the submission is left out."""
    staged.mkdir(parents=True, exist_ok=True)
    for entry in os.scandir(submitted):
        if entry.name.endswith(".ipynb") or entry.name == TIMESTAMP:
            try:
                (staged / entry.name).write_bytes(read_regular_file(submitted / entry.name))
            except OSError:
                pass  # a link, not a regular file or too large: reported by check_files; it scores zero


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
