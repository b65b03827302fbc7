"""`make grade`: grade a whole class's submissions of one assignment, and report.

    python -m classgrader ASSIGNMENT [--zip FILE] [--lms canvas|moodle [--roster EXPORT.csv]]
                          [--students a,b] [--db URL] [--unsafe]

The steps, in order (each is a small function below):

1. check that student code can be confined (or that --unsafe was given);
2. import an LMS download (--zip) into submitted/, with nbgrader's zip_collect;
3. make sure the gradebook knows the assignment (exercises/ is not touched);
4. find the submissions and check their files (missing, misnamed, not JSON);
5. autograde and write feedback for every submission not graded yet, in parallel, with a progress bar;
6. export the grades to CSV, with nbgrader's CSV export plugin;
7. with --lms: the LMS's own files (classgrader/lms.py): the roster filled in (--roster) and a
   zip of the feedback pages, named so the LMS gives each to its student;
8. write the report and print where it is, on the last line.

Step 5 makes a re-run safe: a submission whose grading finished (and that was not handed in
again since) is not graded again; one whose grading was cut off, even by kill -9, is graded from
the start. Manual grades live in the gradebook and stay as they are.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps.api import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import CsvExportPlugin
from sqlalchemy.exc import SQLAlchemyError

from classgrader import lms, parcel, sandbox, worker
from classgrader.course import Course, Submission, fingerprint, read_regular_file
from classgrader.errors import GradingError
from classgrader.pool import LocalPool, Pool, WorkerDied, WorkerSetupFailed
from classgrader.progress import Progress
from classgrader.report import read_scores, write_report



def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make grade", description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment", help="the assignment's folder name in solutions/, e.g. a1_forward_pass")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="the course folder (default: here)")
    parser.add_argument("--zip", type=Path, help="an LMS download (zip) to import into submitted/ first")
    parser.add_argument("--zip-regexp", help="how file names in the zip name the student (default: as the LMS "
                                             "names them, Canvas's if --lms is not given)")
    parser.add_argument("--lms", help="canvas or moodle: write a zip of the feedback pages for the LMS, and the "
                                      "roster's grades (--roster)")
    parser.add_argument("--roster", type=Path, help="the gradebook file exported from the LMS; written to reports/ "
                                                   "with this assignment's column filled in (needs --lms)")
    parser.add_argument("--lms-column", help="the roster's column for this assignment (default: the one titled as "
                                             "the assignment)")
    parser.add_argument("--students", type=lambda text: [s for s in text.split(",") if s],
                        help="grade only these students (comma-separated ids)")
    parser.add_argument("--db", help="gradebook SQLAlchemy URL (default: sqlite gradebook.db in the course)")
    parser.add_argument("--unsafe", action="store_true", help="run student code without isolation")
    parser.add_argument("--workers", type=int, help="parallel workers (default: one per core)")
    parser.add_argument("--cluster", help="grade on the Dask cluster whose scheduler is at this tls:// address "
                                          "(make grade-scheduler prints it); needs a PostgreSQL --db")
    parser.add_argument("--tls", type=Path, help="the cluster's certificates (default: cluster-tls/ in the course)")
    parser.add_argument("--cluster-wait", type=float, default=60,
                        help="seconds to wait for a first worker to join the cluster (default 60)")
    parser.add_argument("--cell-timeout", type=int, default=60, help="seconds one cell may run (default 60)")
    parser.add_argument("--submission-timeout", type=int, default=600,
                        help="seconds one notebook may take in all, its cells together (default 600)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # nbgrader runs the `alembic` script of its environment by name: put that environment first.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    try:
        report = grade(args)
    except GradingError as error:
        print(f"\nmake grade: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        reason = str(error).strip().splitlines()[0]
        print(f"\nmake grade: the gradebook could not be used ({reason}). Check DB=, or leave it out to use "
              f"gradebook.db in the course folder.", file=sys.stderr)
        return 2
    print(f"Report: file://{report}")
    return 0


def grade(args: argparse.Namespace) -> Path:
    course = Course.at(args.course, args.db)
    roster = read_lms_roster(args)
    confined = check_cluster(course, args) if args.cluster else check_isolation(args.unsafe)
    if args.zip:
        import_zip(course, args.assignment, args.zip, args.zip_regexp or lms.ZIP_REGEXPS[args.lms or "canvas"],
                   args.lms or "canvas")
    hand_ins = lms.read_hand_ins(args.lms, sorted(archive_folder(course, args.assignment).glob("*.zip"))) \
        if args.lms else []
    notebooks = course.source_notebooks(args.assignment)
    record_assignment(course, args.assignment)
    submissions = course.submissions(args.assignment, args.students)
    start = time.perf_counter()
    if args.cluster:  # Dask is imported only for a cluster: a local run starts no thread before its workers fork
        from classgrader.cluster import DEFAULT_TLS, ClusterPool, connect
        courier = parcel.Courier(course, parcel.make_kit(course, args.assignment, notebooks, args.cell_timeout,
                                                         args.submission_timeout), submissions)
        pool = ClusterPool(connect(args.cluster, args.tls or course.root / DEFAULT_TLS, args.cluster_wait), courier)
    else:
        pool = LocalPool(worker.start_worker,
                         (str(course.root), course.db_url, confined, args.cell_timeout, args.submission_timeout),
                         args.workers)
    try:
        outcomes = grade_in_parallel(pool, course, args.assignment, submissions, notebooks)
        workers = pool.workers
    finally:
        if args.cluster:
            pool.client.close()
    seconds = time.perf_counter() - start
    if args.cluster:
        confined = not courier.unconfined
    export_grades(course, args.assignment)
    attention = needs_attention(submissions, outcomes)
    scores = read_scores(course.db_url, args.assignment, [s.student for s in submissions])
    unmatched = write_lms_files(course, args, roster, hand_ins, [s.student for s in submissions]) if args.lms else None
    path = course.root / "reports" / args.assignment / "report.html"
    return write_report(path, args.assignment, scores, attention, seconds, workers, confined, unmatched)


def check_isolation(unsafe: bool) -> bool:
    """True if student code will be confined; refuse to go on without isolation unless told to."""
    if unsafe:
        print("make grade: UNSAFE=1: student code runs with your rights, unconfined.", file=sys.stderr)
        return False
    sandbox.require_isolation()
    return True


def check_cluster(course: Course, args: argparse.Namespace) -> bool:
    """Refuse what cannot work on a cluster, before anything is graded. Confinement is each worker's."""
    if course.db_url.startswith("sqlite"):
        raise GradingError("CLUSTER= needs a gradebook that every worker can reach, and an SQLite file lives on "
                           "one machine: give DB=postgresql+psycopg2://user:password@host/gradebook (a PostgreSQL "
                           "server).")
    if args.unsafe:
        raise GradingError("with CLUSTER=, each worker confines student code itself: give UNSAFE=1 to make "
                           "grade-worker on the machines that cannot, not to make grade.")
    return True


def read_lms_roster(args: argparse.Namespace) -> lms.Roster | None:
    """Check --lms and read --roster before anything is graded: bad input stops here, nothing written."""
    if args.roster and not args.lms:
        raise GradingError("ROSTER= needs LMS=canvas or LMS=moodle: the LMS whose gradebook export it is.")
    if not args.lms:
        return None
    args.lms = lms.check_name(args.lms)
    return lms.read_roster(args.lms, args.roster, args.assignment, args.lms_column) if args.roster else None


def write_lms_files(course: Course, args: argparse.Namespace, roster: lms.Roster | None, hand_ins: list[lms.HandIn],
                    graded: list[str]) -> list[str]:
    """The LMS's files in reports/<assignment>/, their paths printed; return the report's notes on who got no grade."""
    folder = course.root / "reports" / args.assignment
    title, notes = lms.TITLES[args.lms], []
    feedback = course.root / CourseDirectory(config=course.config()).feedback_directory

    def page(student: str, notebook: str) -> bytes | None:
        try:
            return read_regular_file(feedback / student / args.assignment / f"{notebook}.html")
        except OSError:
            return None

    zipped = folder / f"{args.lms}-feedback.zip"
    count = lms.write_feedback_zip(zipped, hand_ins, page, notes)
    lines = [f"{title} feedback ({count} pages, upload the zip as it is): {zipped}"]
    if roster:
        students = sorted({hand_in.student for hand_in in hand_ins} | set(graded))
        totals, max_score, unfinished = read_totals(course.db_url, args.assignment, students)
        notes = lms.fill(roster, hand_ins, totals, graded) + notes
        warnings = lms.points_warning(roster, max_score) if args.lms == "canvas" else []
        if unfinished:
            warnings.append(f"written answers wait for grading by hand (Formgrader) in {len(unfinished)} of the "
                            f"submissions: the file has their points so far; run make grade again after grading them.")
        notes += warnings
        for warning in warnings:
            print(f"make grade: {warning}", file=sys.stderr)
        written = folder / f"{args.lms}-grades.csv"
        lms.write_roster(roster, written, notes)
        lines.append(f"{title} grades (column {roster.header[roster.column]!r}, to import): {written}")
    print("\n".join(lines))
    return notes


def read_totals(db_url: str, assignment: str,
                students: list[str]) -> tuple[dict[str, float | None], float, list[str]]:
    """Each student's total points in the gradebook (None: no submission graded), the assignment's
    maximum, and the students whose written answers still wait for manual grading."""
    totals: dict[str, float | None] = {}
    unfinished = []
    with Gradebook(db_url) as gradebook:
        max_score = float(gradebook.find_assignment(assignment).max_score)
        for student in students:
            try:
                submission = gradebook.find_submission(assignment, student)
            except MissingEntry:
                totals[student] = None
                continue
            totals[student] = float(submission.score)
            if submission.needs_manual_grade:
                unfinished.append(student)
    return totals, max_score, unfinished


def archive_folder(course: Course, assignment: str) -> Path:
    """Where the LMS downloads of an assignment are kept (nbgrader's zip_collect reads them there)."""
    return course.root / "downloaded" / assignment / "archive"


def import_zip(course: Course, assignment: str, archive: Path, regexp: str, lms_name: str) -> None:
    """Copy the notebooks of the LMS download that sit where the LMS puts hand-ins into
    downloaded/<assignment>/archive/ and let nbgrader collect them.

    Anything else (a file inside a student's own folder or archive, which could be named as another
    student's hand-in; archives nbgrader would unpack) is left out and said so on the terminal.
    """
    if not archive.is_file():
        raise GradingError(f"the zip file {archive} does not exist.")
    folder = archive_folder(course, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / archive.name
    partial = target.with_name(target.name + ".partial")
    try:
        with zipfile.ZipFile(archive) as source, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as kept:
            members = [info for info in source.infolist() if not info.is_dir()]
            for info in members:
                if lms.in_layout(lms_name, info.filename):
                    with source.open(info) as read, kept.open(info, "w") as write:
                        shutil.copyfileobj(read, write)
        left_out = sorted(info.filename for info in members if not lms.in_layout(lms_name, info.filename))
    except (OSError, zipfile.BadZipFile, RuntimeError) as error:
        partial.unlink(missing_ok=True)
        raise GradingError(f"the zip file {archive} cannot be read ({error}).") from None
    partial.replace(target)
    if left_out:
        shown = ", ".join(left_out[:5]) + (f" and {len(left_out) - 5} more" if len(left_out) > 5 else "")
        print(f"make grade: {len(left_out)} files of the zip are not where {lms.TITLES[lms_name]} puts hand-ins "
              f"and were left out: {shown}", file=sys.stderr)
    nbgrader_command(course, "zip_collect", assignment, "--force",
                     f"--FileNameCollectorPlugin.named_regexp={regexp}")


def record_assignment(course: Course, assignment: str) -> None:
    """Put the assignment's cells and points in the gradebook, if they are not there yet."""
    with Gradebook(course.db_url) as gradebook:
        try:
            gradebook.find_assignment(assignment)
            return
        except MissingEntry:
            pass
    with tempfile.TemporaryDirectory(prefix="release-") as scratch:
        config = course.config()
        config.CourseDirectory.release_directory = scratch  # the gradebook is what we need, not a release
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        result = api.generate_assignment(assignment, force=True, create=True)
    if not result["success"]:
        raise GradingError(f"nbgrader could not read the assignment {assignment}: {worker.last_error_line(result)}")


def grade_in_parallel(pool: Pool, course: Course, assignment: str, submissions: list[Submission],
                      notebooks: list[str]) -> dict[str, worker.Outcome]:
    """Autograde every submission not graded yet, broken ones too: nbgrader records what it can.

    A submission on which the grading worker itself died twice (a crash in the grader, not in
    the student's kernel, which costs only a question) is recorded as finished with that problem,
    so that running again does not stumble on it; it is graded again if it is handed in again.
    """
    outcomes, waiting = {}, []
    autograded = {s.student: course.root / "autograded" / s.student / assignment for s in submissions}
    for submission in submissions:
        finished = worker.finished_outcome(autograded[submission.student], submission.folder)
        if finished:
            outcomes[submission.student] = finished
        else:
            waiting.append(submission)
    tasks = [(worker.grade_submission, (assignment, s.student, notebooks)) for s in waiting]

    def clear_dead_try(index: int) -> None:
        """Before a retry: remove the graded copy a dead worker left (a grading that finished stays)."""
        worker.finished_outcome(autograded[waiting[index].student], waiting[index].folder)

    progress = Progress(len(tasks), workers=lambda: pool.workers)
    try:
        for outcome in pool.run(tasks, before_retry=clear_dead_try):
            if isinstance(outcome, WorkerDied):
                submission = waiting[outcome.index]
                outcome = worker.Outcome(submission.student, False, outcome.seconds, [
                    f"the grading worker died twice on it ({outcome.how}); scored as far as it got"])
                worker.record_finished(autograded[submission.student], outcome, fingerprint(submission.folder))
            outcomes[outcome.student] = outcome
            progress.step()
    except WorkerSetupFailed as error:
        raise GradingError(f"a grading worker could not be set up ({error}). The gradings that finished are "
                           f"kept; run make grade again to grade the others.") from None
    return outcomes


def export_grades(course: Course, assignment: str) -> None:
    """nbgrader's CSV export of the assignment's grades, to reports/<assignment>/grades.csv."""
    target = course.root / "reports" / assignment / "grades.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    exporter = CsvExportPlugin(to=str(target.with_suffix(".csv.partial")), assignment=[assignment])
    with Gradebook(course.db_url) as gradebook:
        exporter.export(gradebook)
    target.with_suffix(".csv.partial").replace(target)  # never a half-written export


def needs_attention(submissions: list[Submission], outcomes: dict[str, worker.Outcome]) -> dict[str, list[str]]:
    """student -> what a person should look at: file problems found before grading, and while grading."""
    attention = {}
    for submission in submissions:
        outcome = outcomes.get(submission.student)
        reasons = submission.problems + (outcome.problems if outcome else [])
        if reasons:
            attention[submission.student] = reasons
    return attention


def nbgrader_command(course: Course, *args: str) -> None:
    """Run one nbgrader command in the course folder with this gradebook; say what failed if it fails."""
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.db_url={course.db_url}", "--log-level=ERROR"],
        cwd=course.root, capture_output=True, text=True,
    )
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise GradingError(f"nbgrader {args[0]} failed: {lines[-1] if lines else 'no message'}")
