"""What travels between `make grade` and a grading worker that has nothing of the course folder.

A worker on another machine has the course's environment (Python, nbgrader, nnkit, classgrader)
and the gradebook's address, nothing else. Each task carries what grading one submission needs,
and its result carries back what grading made:

    Kit     the assignment: nbgrader_config.py, its source folder (solutions/<assignment>/), the
            gradebook's URL, the time limits; the same for the whole class
    Parcel  one submission: the files of it that grading reads (`course.stage` reads the same),
            each with its modification time (which of two renamed copies is newer decides)
    Graded  what grading made of it: the outcome, the autograded notebooks, the feedback pages

On the worker, `grade_parcel` lays the kit and the parcel out as a course folder of its own, in
a temporary folder, and grades there exactly as a local run grades in the course folder
(`worker.grade_submission`, student code confined). `Courier` is the command's side: it packs
each local task into a parcel and writes what comes back into the course folder, as a local run
would have written it, the record that the grading finished last.
"""

import atexit
import hashlib
import json
import os
import shutil
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from classgrader import sandbox, worker
from classgrader.course import Course, Submission, TIMESTAMP, fingerprint, notebook_files, read_regular_file
from classgrader.errors import GradingError
from classgrader.environment import environment_version

# The most bytes of graded notebooks and feedback pages one submission sends back.
MAX_RETURN_BYTES = 200 * 2**20
# Set on a worker started with UNSAFE=1 (make grade-worker): its student code runs unconfined.
UNSAFE_VARIABLE = "CLASSGRADER_UNSAFE"


@dataclass(frozen=True)
class Kit:
    """Everything but the submission that grading an assignment needs, for a worker without the course."""

    assignment: str
    notebooks: tuple[str, ...]
    config_text: bytes  # the course's nbgrader_config.py
    sources: tuple[tuple[str, bytes], ...]  # (path under solutions/<assignment>/, content)
    db_url: str
    cell_timeout: int
    submission_timeout: int
    environment: str  # environment_version() of the command

    @property
    def digest(self) -> str:
        """Names this kit: equal kits are laid out once per worker process."""
        parts = [self.assignment, *self.notebooks, self.db_url, str(self.cell_timeout), str(self.submission_timeout)]
        digest = hashlib.sha256("\0".join(parts).encode() + self.config_text)
        for path, content in self.sources:
            digest.update(path.encode() + b"\0" + content)
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Parcel:
    """One student's submission as grading reads it: (file name, content, modification time in ns)."""

    student: str
    files: tuple[tuple[str, bytes, int], ...]


@dataclass
class Graded:
    """What a worker made of a parcel: paths are relative to the student's folder of the assignment."""

    outcome: worker.Outcome
    autograded: dict[str, bytes] = field(default_factory=dict)
    feedback: dict[str, bytes] = field(default_factory=dict)
    worker: str = ""
    confined: bool = True


class EnvironmentMismatch(Exception):
    """A worker's environment is not the command's: grading there could give other grades.
    Its arguments: what differs, in words, and the worker's address."""


def make_kit(course: Course, assignment: str, notebooks: list[str], cell_timeout: int,
             submission_timeout: int) -> Kit:
    """The kit of an assignment, read from the course folder (the instructor's files, trusted)."""
    folder = course.root / "solutions" / assignment
    sources = tuple((str(path.relative_to(folder)), path.read_bytes())
                    for path in sorted(folder.rglob("*")) if path.is_file() and not path.is_symlink())
    return Kit(assignment, tuple(notebooks), (course.root / "nbgrader_config.py").read_bytes(), sources,
               course.db_url, cell_timeout, submission_timeout, environment_version())


def pack(submission: Submission, sources: dict[str, dict]) -> Parcel:
    """The files of a submission that `course.stage` reads, regular files only, each within its size limit."""
    files = []
    for path in [*notebook_files(submission.folder, sources), submission.folder / TIMESTAMP]:
        try:
            content = read_regular_file(path)
        except OSError:
            continue  # missing, a link, too large: check_files has reported it; staging would leave it out too
        files.append((path.name, content, path.lstat().st_mtime_ns))
    return Parcel(submission.student, tuple(files))


class Courier:
    """The command's side: local tasks packed into parcels, what comes back written into the course folder."""

    def __init__(self, course: Course, kit: Kit, submissions: list[Submission]) -> None:
        self.course, self.kit = course, kit
        self.submissions = {submission.student: submission for submission in submissions}
        self.sources = course.sources(kit.assignment)
        self.feedback_folder = course.root / course.config().CourseDirectory.get("feedback_directory", "feedback")
        self.unconfined: set[str] = set()  # the workers that graded without confinement

    def pack(self, task: tuple) -> tuple:
        """A local task (worker.grade_submission, (assignment, student, notebooks)) as one for a remote worker."""
        _, (assignment, student, _) = task
        return grade_parcel, (self.kit, pack(self.submissions[student], self.sources))

    def unpack(self, graded: Graded) -> worker.Outcome:
        """Write a graded parcel into autograded/ and feedback/, then record that its grading finished."""
        submission = self.submissions[graded.outcome.student]
        autograded = self.course.root / "autograded" / submission.student / self.kit.assignment
        feedback = self.feedback_folder / submission.student / self.kit.assignment
        for folder, files in ((autograded, graded.autograded), (feedback, graded.feedback)):
            shutil.rmtree(folder, ignore_errors=True)
            write_files(folder, files)
        if not graded.confined:
            self.unconfined.add(graded.worker)
            graded.outcome.problems.append(f"graded on {graded.worker}, a worker started with UNSAFE=1: the "
                                           f"student's code ran unconfined there")
        worker.record_finished(autograded, graded.outcome, fingerprint(submission.folder))
        return graded.outcome


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Write files under `folder`; a path that would leave it is an error (workers send only their own)."""
    for relative, content in files.items():
        target = (folder / relative).resolve()
        if folder.resolve() not in target.parents:
            raise GradingError(f"a worker sent back a file outside the submission's folder ({relative!r})")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


# The worker's side. A worker process grades one parcel at a time (one thread), in a course
# folder of its own per kit, made on the first parcel of that kit.
_kit_folders: dict[str, Path] = {}
_confined: bool | None = None


def confinement() -> bool:
    """Whether this worker confines student code: always, unless it was started with UNSAFE=1;
    GradingError (the worker refuses to start) if it cannot."""
    global _confined
    if _confined is None:
        if os.environ.get(UNSAFE_VARIABLE) == "1":
            _confined = False
        else:
            sandbox.require_isolation()
            _confined = True
    return _confined


def kit_folder(kit: Kit) -> Path:
    """This process's course folder for the kit: nbgrader_config.py and the source, with nbgrader set up there."""
    if kit.digest not in _kit_folders:
        root = Path(tempfile.mkdtemp(prefix=f"classgrader-{kit.assignment}-"))
        (root / "nbgrader_config.py").write_bytes(kit.config_text)
        source = root / "solutions" / kit.assignment
        write_files(source, dict(kit.sources))
        worker.configure(str(root), kit.db_url, confinement(), kit.cell_timeout, kit.submission_timeout)
        for old in _kit_folders.values():  # one kit at a time: nbgrader is set up for the last one
            shutil.rmtree(old, ignore_errors=True)
        _kit_folders.clear()
        _kit_folders[kit.digest] = root
        atexit.register(shutil.rmtree, root, True)
    return _kit_folders[kit.digest]


def grade_parcel(kit: Kit, parcel: Parcel) -> Graded:
    """Grade one submission on this worker, in its own course folder; return what grading made."""
    here = environment_version()
    if here != kit.environment:
        from distributed import get_worker  # only ever run on a Dask worker
        raise EnvironmentMismatch(describe_mismatch(kit.environment, here, socket.gethostname()),
                                  get_worker().address)
    root = kit_folder(kit)
    folders = [root / kind / parcel.student / kit.assignment for kind in ("submitted", "autograded", "feedback")]
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    submitted, autograded, feedback = folders
    submitted.mkdir(parents=True)
    for name, content, mtime_ns in parcel.files:
        write_files(submitted, {name: content})
        os.utime(submitted / name, ns=(mtime_ns, mtime_ns))
    try:
        outcome = worker.grade_submission(kit.assignment, parcel.student, list(kit.notebooks))
        graded = Graded(outcome, read_files(autograded, skip={worker.FINISHED}), read_files(feedback),
                        socket.gethostname(), confinement())
    finally:
        for folder in folders:
            shutil.rmtree(folder.parent, ignore_errors=True)  # <kind>/<student>/: nothing of it is kept
    size = sum(map(len, [*graded.autograded.values(), *graded.feedback.values()]))
    if size > MAX_RETURN_BYTES:
        outcome.problems.append(f"its graded notebooks and feedback came to {size // 2**20} MB, more than "
                                f"{MAX_RETURN_BYTES // 2**20} MB: not sent back (its scores are in the gradebook)")
        graded.autograded, graded.feedback = {}, {}
    return graded


def read_files(folder: Path, skip: set[str] = frozenset()) -> dict[str, bytes]:
    """The regular files under `folder` (never through a link), by path relative to it."""
    found = {}
    for parent, _, names in os.walk(folder):
        for name in names:
            path = Path(parent) / name
            if name not in skip and not path.is_symlink() and path.is_file():
                found[str(path.relative_to(folder))] = path.read_bytes()
    return found


def describe_mismatch(expected: str, found: str, where: str) -> str:
    """One line naming what differs between two environment versions."""
    wanted, have = json.loads(expected), json.loads(found)
    differ = [f"{name} {wanted.get(name)} for make grade, {have.get(name)} on {where}"
              for name in sorted(set(wanted) | set(have)) if wanted.get(name) != have.get(name)]
    return (f"the worker on {where} has another version of the course's environment ({'; '.join(differ)}): "
            f"install this course's requirements.txt and source there, then start the worker again")
