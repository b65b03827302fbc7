"""Grading one submission: nbgrader's own autograde for one student, in a worker process.

A worker process is started once (`start_worker`) and then grades one student after another
(`grade_submission`), so nbgrader is imported once per worker, not once per student. Each
submission still gets its own kernel, confined when isolation is on.

nbgrader grades a staged copy of the submission (`course.stage`: its notebooks and timestamp,
regular files only) instead of submitted/ itself, so that nothing else a student handed in (a
symbolic link, a device, a huge file) is ever read or copied into autograded/ and feedback/. The
staged notebooks are what the submission evidently is (`slips`): a renamed notebook under its
expected name, copied cells graded once, deleted test cells put back.
"""

import ctypes
import json
import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nbgrader.apps.api import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from classgrader.course import Course, fingerprint, stage
from classgrader import execute
from classgrader.execute import autograde_steps
from classgrader.feedback import FeedbackExporter

CONFINED_KERNEL = "classgrader.sandbox.ConfinedKernelManager"
# Written into autograded/<student>/<assignment>/ when grading a submission has finished.
FINISHED = ".graded.json"
# Errors in a graded notebook that say the grading itself was cut short, and what they mean.
CUT_SHORT = {
    "CellTimeoutError": "a cell ran out of time (an endless loop or a very slow answer)",
    "DeadKernelError": "the kernel died (the code crashed or exited the kernel); the other cells were graded",
    "MemoryError": "the code ran out of memory",
    "NotRunError": "the kernel died too often: the cells after its last death were not run",
    "OutOfTimeError": "the submission used up its time budget: the cells after that were not run",
}

# Errors that stop nbgrader grading a submission at all.
FAILURES = {
    "UnresponsiveKernelError": "the kernel stopped responding and could not be interrupted",
    "No notebooks found": "no notebook with the expected name to grade",
    "NotJSONError": "the notebook is not valid JSON",
    "JSONDecodeError": "the notebook is not valid JSON",
}

_api: NbGraderAPI | None = None
_course: Course | None = None


@dataclass
class Outcome:
    """What grading one submission gave: whether nbgrader finished it, and what needs attention."""

    student: str
    graded: bool
    seconds: float
    problems: list[str] = field(default_factory=list)


def die_with_parent() -> None:
    """Ask Linux to kill this worker when the grading command dies, even by kill -9; and stop now
    if the command died before the request was made (between the fork and here)."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:
        os._exit(1)


def silence_output() -> None:
    """Send this worker's stdout and stderr (and so its kernels') to /dev/null: results come back as values."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)


def start_worker(root: str, db_url: str, confined: bool, cell_timeout: int, submission_timeout: int) -> None:
    """Set up nbgrader once in this worker process (the local pool's initializer)."""
    die_with_parent()
    silence_output()
    configure(root, db_url, confined, cell_timeout, submission_timeout)


def configure(root: str, db_url: str, confined: bool, cell_timeout: int, submission_timeout: int) -> None:
    """Set up nbgrader's API for the course folder `root` and the gradebook `db_url`, in this process."""
    global _api, _course
    _course = Course(Path(root), db_url)
    config = _course.config()
    config.Execute.timeout = cell_timeout
    config.ResilientExecute.submission_timeout = submission_timeout
    config.ResilientExecute.source_root = str(Path(root) / config.CourseDirectory.get("source_directory", "source"))
    config.Autograde.autograde_preprocessors = autograde_steps()
    config.GenerateFeedback.exporter_class = FeedbackExporter
    if confined:
        config.Execute.kernel_manager_class = CONFINED_KERNEL
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    _api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    _api.log.setLevel(logging.ERROR)


def grade_submission(assignment: str, student: str, notebooks: list[str]) -> Outcome:
    """Autograde one student's submission and write its feedback; a finished grading is not redone.

    Whatever goes wrong comes back as the outcome's problem: one submission never stops the run.
    """
    start = time.perf_counter()
    try:
        return autograde(assignment, student, notebooks, start)
    except Exception as error:  # noqa: BLE001 (reported for this student, the others go on)
        return Outcome(student, False, time.perf_counter() - start,
                       [f"grading failed: {type(error).__name__}: {str(error)[:300]}"])


def autograde(assignment: str, student: str, notebooks: list[str], start: float) -> Outcome:
    """nbgrader's autograde (of the staged submission) and feedback for one student, and the
    record that it finished."""
    submitted = Path(_api.coursedir.format_path("submitted", student, assignment))
    with tempfile.TemporaryDirectory(prefix="classgrader-staged-") as staged:
        stage(submitted, Path(staged) / student / assignment, _course.sources(assignment))
        _api.coursedir.submitted_directory = staged  # an absolute path: nbgrader reads the submission there
        execute.FINDINGS.clear()
        try:
            result = _api.autograde(assignment, student, force=False, create=True)
        finally:
            _api.coursedir.submitted_directory = "submitted"
    outcome = Outcome(student, bool(result["success"]), 0.0)
    if outcome.graded:
        feedback = _api.generate_feedback(assignment, student)
        if not feedback["success"]:
            outcome.problems.append(f"no feedback written: {last_error_line(feedback)}")
    else:
        outcome.problems.append(f"nbgrader could not grade it: {explain_failure(result)}")
    folder = Path(_api.coursedir.format_path("autograded", student, assignment))
    for name in notebooks:
        outcome.problems += cut_short(execute.FINDINGS.get(name, []))
    outcome.seconds = time.perf_counter() - start
    record_finished(folder, outcome, fingerprint(submitted))
    return outcome


def record_finished(folder: Path, outcome: Outcome, submission: str) -> None:
    """Mark a grading as finished, with its outcome, for this version of the submission."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / (FINISHED + ".partial")
    partial.write_text(json.dumps({"submission": submission, **asdict(outcome)}))
    partial.replace(folder / FINISHED)  # all or nothing, even if killed here


def finished_outcome(autograded: Path, submitted: Path) -> Outcome | None:
    """The outcome of a grading that finished for the submission as it is now; None if there is none.

    A grading that was cut off (the command killed) or that graded an older hand-in is cleared
    away, so that nbgrader grades the submission again from the start.
    """
    try:
        record = json.loads((autograded / FINISHED).read_text())
        if record.pop("submission") == fingerprint(submitted):
            return Outcome(**record)
    except (OSError, ValueError, TypeError):
        pass
    if autograded.exists():
        shutil.rmtree(autograded)
    return None


def explain_failure(result: dict) -> str:
    """Why nbgrader could not grade a submission, in words, from its error report."""
    text = f"{result.get('error') or ''}\n{result.get('log') or ''}"
    for error, meaning in {**CUT_SHORT, **FAILURES}.items():
        if error in text:
            return meaning
    logged = [line for line in (result.get("log") or "").splitlines() if line.startswith("[ERROR]")]
    if logged:  # nbgrader's own words, before its traceback's "raise NbGraderException(msg)"
        return logged[0].removeprefix("[ERROR]").strip()[:300]
    lines = [line for line in text.splitlines() if "Error" in line or "Exception" in line]
    return lines[0].strip()[:300] if lines else last_error_line(result)


def last_error_line(result: dict) -> str:
    """The line of nbgrader's error or log that says what went wrong."""
    text = (result.get("error") or result.get("log") or "unknown error").strip()
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "unknown error"


def cut_short(found: list[str]) -> list[str]:
    """Why some of a notebook's tests could not run to the end, in words, from what its grading
    noted (execute.FINDINGS), each reason once."""
    return list(dict.fromkeys(CUT_SHORT[name] for name in found if name in CUT_SHORT))
