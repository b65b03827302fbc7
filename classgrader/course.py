"""The course folder as nbgrader lays it out, and what a class handed in.

    <course>/nbgrader_config.py
    <course>/solutions/<assignment>/<notebook>.ipynb          the source (instructors only)
    <course>/submitted/<student>/<assignment>/<notebook>.ipynb what each student handed in
    <course>/autograded/<student>/<assignment>/...             nbgrader's graded copies
    <course>/gradebook.db                                      the gradebook (or any SQLAlchemy URL)

Submissions are only ever read here, never modified.
"""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from classgrader.errors import GradingError


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
    """What is wrong with a submission's notebooks: missing, misnamed, or not a notebook at all."""
    problems = []
    handed_in = sorted(path.stem for path in folder.glob("*.ipynb"))
    for name in expected:
        path = folder / f"{name}.ipynb"
        if not path.exists():
            others = [other for other in handed_in if other not in expected]
            hint = f" (found {', '.join(o + '.ipynb' for o in others)}: a wrong file name?)" if others else ""
            problems.append(f"{name}.ipynb is missing{hint}; it scores zero")
            continue
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            problems.append(f"{name}.ipynb is not valid JSON ({error}); it scores zero")
            continue
        if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
            problems.append(f"{name}.ipynb is JSON but not a notebook (no list of cells); it scores zero")
    return problems


def fingerprint(folder: Path) -> str:
    """A hash of every file in a submission folder: it changes if the student hands in again."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
