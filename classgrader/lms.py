"""Grades and feedback back into the LMS, in Canvas's and Moodle's own file formats.

    reports/<assignment>/<lms>-grades.csv     the gradebook file the instructor exported from the
                                              LMS (ROSTER=), with this assignment's column filled in
    reports/<assignment>/<lms>-feedback.zip   the feedback pages, named so the LMS gives each to its student

Who is who comes from the names the LMS gave the files of its download zip (ZIP=, kept in
downloaded/<assignment>/archive/); each name is matched against the formats below, never used as a
path. What each LMS documents, and does, in its source:

Canvas (instructure/canvas-lms)
    Download, lib/content_zipper.rb (get_filename, add_upload_submission, sanitize_user_name): each file
    is  <sortable name, lower case, word characters only>[_LATE]_<user id>_<attachment id>_<file name>.
    A file handed in again under the same name is renamed <name>-1.<ext>, -2, ...
    (Attachment.make_unique_filename), so forward_pass-1.ipynb is the notebook forward_pass.
    Gradebook export and import, lib/gradebook_exporter.rb and lib/gradebook_importer.rb: the first
    row is the header, "Student" (or "LastName", "FirstName"), "ID", then "SIS User ID", "SIS Login ID"
    (optionally "Integration ID", "Root Account"), "Section", custom columns, then one column per
    assignment named "<title> (<assignment id>)" and read-only totals; the second row starts
    "    Points Possible" (a row of "Muted" / "Manual Posting" may come before it). A student's row is
    found by ID (the Canvas user id, as in the download's names), then SIS ids, then the name. The
    file is comma- or semicolon-separated (the importer detects which). An empty cell is no score.
    Feedback, Assignment#infer_comment_context_from_filename (app/models/assignment.rb), the
    "Re-Upload Submissions" zip: a file's name is split at "_" and its first two all-digit parts are
    taken as the user id and the attachment id of that student's submission; the file becomes a
    comment on it. So a feedback page is named as the downloaded notebook, with .html for .ipynb.
    Anonymous grading (anon_<id> names) is not supported: those files match nobody.

Moodle (moodle/moodle)
    Download, mod/assign (get_student_prefix in the download zip writer, download_submissions in
    locallib.php): a folder per student and plugin, <full name with "_" made " ">_<participant id>_
    assignsubmission_file/<file name> (Moodle >= 4.1; earlier versions end the folder with "_"), or
    without folders <prefix>_assignsubmission_file_<file name>. The participant id is not the user
    id and is not in the gradebook export, so a student's row is found by full name ("First name"
    and "Last name", either order), which must be unique in the file.
    Gradebook export (grade/export, "Plain text file"): "First name", "Last name" (older: "Surname"),
    the site's identity fields ("ID number", "Institution", "Department", "Email address", ...), one
    column per grade item "<Activity>: <name> (Real)" and "Last downloaded from this course".
    Grade import from CSV (grade/import/csv, load_data.php): the instructor maps one identity column
    (user id, username, ID number or email) and each grade column to a grade item; "" or "-" is no
    grade; a "Last downloaded from this course" column makes Moodle keep grades changed since.
    Feedback, mod/assign/feedback/file/importziplib.php ("Upload multiple feedback files in a zip"):
    in each path, the first part that splits at "_" into <name>_<participant id>_<plugin type>_
    <plugin name> names the student; the rest is the feedback file's name. So a feedback page goes
    into the student's download folder (or keeps the flat prefix), named <notebook>.html.

Every cell written that a spreadsheet would take for a formula (it starts with = + - @, a tab or a
carriage return, and is not a plain number) gets a leading apostrophe; names are otherwise kept
exactly as they were, non-ASCII letters included.
"""

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from classgrader.errors import GradingError

NAMES = ("canvas", "moodle")
TITLES = {"canvas": "Canvas", "moodle": "Moodle"}
# How the zip import (nbgrader's zip_collect, matched on the whole extracted path) reads each LMS's
# file names. student_id is the folder in submitted/ (Canvas: the name part, as before; Moodle: the
# participant id, since names repeat and may hold any character); the other groups are the LMS's identities.
ZIP_REGEXPS = {
    "canvas": r".*/(?P<student_id>[^/]+?)_(?:LATE_|late_)?(?P<user_id>\d+)_(?P<attachment_id>\d+)_"
              r"(?P<file_id>[^/]+?)(?:-\d+)?\.ipynb$",
    "moodle": r".*/(?P<full_name>[^/_]+)_(?P<student_id>\d+)_assignsubmission_file(?:_?/|_)"
              r"(?P<file_id>[^/]+)\.ipynb$",
}
MAX_ROSTER_BYTES = 50 * 2**20
DELIMITERS = (",", ";", "\t")
FORMULA_START = tuple("=+-@\t\r＝＋－＠")
PLAIN_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?%?|-")
CANVAS_ASSIGNMENT_HEADER = re.compile(r"(?P<title>.*?)\s*\((?P<id>\d+)\)")
CANVAS_NOT_STUDENT = re.compile(r"\s*(Muted|Manual Posting.*)?\s*", re.IGNORECASE)
MOODLE_DISPLAY_TYPE = re.compile(r"\s*\((Real|Percentage|Letter)\)$")
MOODLE_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


@dataclass(frozen=True)
class HandIn:
    """One notebook of the LMS's download zip, and whom the LMS says it is from."""

    student: str  # the student's folder in submitted/, as the zip import names it
    key: str  # the LMS's identity: Canvas's user id, Moodle's full name (made comparable)
    member: str  # the zip member's name, as the LMS gave it
    notebook: str  # the notebook it is, without .ipynb (and without Canvas's -1 of a file handed in again)
    order: int  # larger is newer: Canvas's attachment id (Moodle keeps one file of a name: 0)


@dataclass
class Roster:
    """A gradebook file exported from the LMS, as read, and where this assignment's column is."""

    lms: str
    path: Path
    rows: list[list[str]]  # every row, the header first, as read
    column: int  # this assignment's column
    keys: dict[int, set[str]]  # row index -> the LMS identities of the student in that row
    delimiter: str = ","
    newline: str = "\r\n"
    bom: bool = False
    points_possible: str = ""  # Canvas's points possible for the column, as exported

    @property
    def header(self) -> list[str]:
        return self.rows[0]


@dataclass
class Written:
    """What writing the LMS files made: the files, and the notes for the report and the terminal."""

    files: list[tuple[str, Path]] = field(default_factory=list)  # (what, where)
    unmatched: list[str] = field(default_factory=list)  # for the report: who got no grade, and why
    warnings: list[str] = field(default_factory=list)  # for the terminal


def check_name(lms: str) -> str:
    """The LMS's name, lower case; a clear error for any other."""
    if lms.lower() not in NAMES:
        raise GradingError(f"unknown LMS {lms!r}: use LMS=canvas or LMS=moodle.")
    return lms.lower()


# ----- the download zip: whose file is which -------------------------------------------------------

# How many folders deep the LMS puts a submitted file in its download (Canvas: none, Moodle: one
# per participant). A file deeper than that came from inside a student's own upload (a folder or
# an archive of theirs) and is never taken for anyone's hand-in: its name could be another's.
LAYOUT_DEPTH = {"canvas": 0, "moodle": 1}


def in_layout(lms: str, member: str) -> bool:
    """True if a zip member is where the LMS puts a submitted notebook (not inside a student's upload)."""
    return safe_member(member) and member.count("/") <= LAYOUT_DEPTH[lms] and member.endswith(".ipynb")


def hand_in_of(lms: str, member: str) -> HandIn | None:
    """The hand-in a zip member's name stands for, or None if the name is not of the LMS's format."""
    if not in_layout(lms, member):
        return None
    found = re.match(ZIP_REGEXPS[lms], "/" + member)
    if not found:
        return None
    if lms == "canvas":
        return HandIn(found["student_id"], found["user_id"], member, found["file_id"], int(found["attachment_id"]))
    return HandIn(found["student_id"], moodle_name_key(found["full_name"]), member, found["file_id"], 0)


def read_hand_ins(lms: str, archives: list[Path]) -> list[HandIn]:
    """Every notebook named in the LMS's download zips (only their names are read, nothing is extracted)."""
    if not archives:
        raise GradingError(f"LMS={lms} matches students by the names in the {TITLES[lms]} download: pass "
                           f"ZIP=<the download's zip> (it is kept for later runs in downloaded/<assignment>/archive/).")
    hand_ins = []
    for archive in archives:
        try:
            with zipfile.ZipFile(archive) as opened:
                names = opened.namelist()
        except (OSError, zipfile.BadZipFile) as error:
            raise GradingError(f"the download {archive} cannot be read as a zip ({error}).") from None
        hand_ins += [found for found in (hand_in_of(lms, name) for name in names) if found]
    return hand_ins


def safe_member(name: str) -> bool:
    """True if a zip member name stays inside the folder it is unpacked in, on any system."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return False
    return all(part not in ("", ".", "..") for part in PurePosixPath(name).parts) and not name.endswith("/")


def feedback_member(hand_in: HandIn) -> str:
    """The feedback page's name in the zip for the LMS: the downloaded notebook's name, .ipynb made .html."""
    return hand_in.member[: -len(".ipynb")] + ".html"


def newest(hand_ins: list[HandIn]) -> dict[tuple[str, str], HandIn]:
    """(student, notebook) -> the newest hand-in of it."""
    chosen: dict[tuple[str, str], HandIn] = {}
    for hand_in in hand_ins:
        current = chosen.get((hand_in.student, hand_in.notebook))
        if current is None or hand_in.order > current.order:
            chosen[(hand_in.student, hand_in.notebook)] = hand_in
    return chosen


def write_feedback_zip(path: Path, hand_ins: list[HandIn], feedback_page, notes: list[str]) -> int:
    """Write the feedback zip for the LMS (to a temporary file, then renamed); return how many pages.

    Args:
        feedback_page: (student, notebook) -> the page's bytes, or None if there is none.
        notes: gets a line for every page left out, and why.
    """
    temporary = path.with_name(path.name + ".partial")
    count = 0
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            for (student, notebook), hand_in in sorted(newest(hand_ins).items()):
                name = feedback_member(hand_in)
                if not safe_member(name):
                    notes.append(f"{student}: the download's file name {hand_in.member!r} is not a safe path; "
                                 f"no feedback page in the zip for it")
                    continue
                page = feedback_page(student, notebook)
                if page is None:
                    notes.append(f"{student}: no feedback page for {notebook}.ipynb (not graded?); none in the zip")
                    continue
                archive.writestr(name, page)
                count += 1
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return count


# ----- the gradebook file ------------------------------------------------------------------------

def read_roster(lms: str, path: Path, assignment: str, column: str | None = None) -> Roster:
    """Read the LMS's gradebook export and find this assignment's column; a clear error if it is not one.

    Args:
        column: the column's exact header; by default the one whose title is the assignment's name.
    """
    text, bom = read_text(path)
    newline = "\r\n" if "\r\n" in text[:100_000] else "\n"
    delimiter = header_delimiter(lms, text)
    if delimiter is None:
        first = text.splitlines()[0][:120] if text.strip() else "nothing"
        expected = ("Student, ID, SIS User ID, SIS Login ID, Section, then the assignments" if lms == "canvas"
                    else "First name, Last name, the identity fields, then the grade items")
        raise GradingError(f"the roster {path} is not a {TITLES[lms]} gradebook export: its first line should name "
                           f"{expected} (it is: {first!r}).")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise GradingError(f"the roster {path} is not a readable CSV file ({error}).") from None
    width = len(rows[0])
    rows = [row + [""] * (width - len(row)) for row in rows]
    roster = Roster(lms, path, rows, find_column(lms, rows[0], assignment, column, path), {}, delimiter, newline, bom)
    (read_canvas_rows if lms == "canvas" else read_moodle_rows)(roster)
    return roster


def header_delimiter(lms: str, text: str) -> str | None:
    """The delimiter with which the file's first row is the LMS's export header, or None."""
    for delimiter in DELIMITERS:
        try:
            header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        except csv.Error:
            continue
        if recognised(lms, header):
            return delimiter
    return None


def read_text(path: Path) -> tuple[str, bool]:
    """The text of a roster file, and whether it began with a byte order mark."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_ROSTER_BYTES + 1)
    except OSError as error:
        raise GradingError(f"the roster {path} cannot be read ({error.strerror or error}).") from None
    if len(raw) > MAX_ROSTER_BYTES:
        raise GradingError(f"the roster {path} is larger than {MAX_ROSTER_BYTES // 2**20} MB: "
                           f"is it the gradebook export?")
    try:
        return raw.decode("utf-8-sig"), raw.startswith(b"\xef\xbb\xbf")
    except UnicodeDecodeError:
        raise GradingError(f"the roster {path} is not UTF-8 text: export the gradebook again from the LMS "
                           f"as CSV.") from None


def recognised(lms: str, header: list[str]) -> bool:
    """True if a header row is the LMS's gradebook export header."""
    if lms == "canvas":
        return canvas_id_column(header) is not None and "Section" in header
    cells = [cell.strip() for cell in header]
    return "First name" in cells and ("Last name" in cells or "Surname" in cells) and canvas_id_column(header) is None


def canvas_id_column(header: list[str]) -> int | None:
    """Where Canvas's ID column is (GradebookImporter#row_has_student_headers), or None."""
    if len(header) > 3 and "Student" in header[0] and "ID" in header[1]:
        return 1
    if len(header) > 4 and "LastName" in header[0] and "FirstName" in header[1] and "ID" in header[2]:
        return 2
    return None


def assignment_title(lms: str, header: str) -> str | None:
    """The title of an assignment's column header, or None if the column is not an assignment's."""
    if lms == "canvas":
        found = CANVAS_ASSIGNMENT_HEADER.fullmatch(header.strip())
        return found["title"] if found else None
    if header.strip().startswith("Feedback:"):
        return None
    title = MOODLE_DISPLAY_TYPE.sub("", header.strip())
    if ": " in title:
        return title.split(": ", 1)[1]
    return title if title != header.strip() else None  # a grade item of its own: only its display type says so


def find_column(lms: str, header: list[str], assignment: str, column: str | None, path: Path) -> int:
    """The index of this assignment's column: named exactly, or the one titled as the assignment."""
    if column is not None:
        matches = [index for index, cell in enumerate(header) if cell.strip() == column.strip()]
    else:
        titled = [index for index, cell in enumerate(header)
                  if (assignment_title(lms, cell) or "").strip().casefold() == assignment.casefold()]
        real = [index for index in titled if header[index].strip().endswith("(Real)")]
        matches = real if lms == "moodle" and real else titled
    if len(matches) == 1:
        return matches[0]
    titles = [cell for cell in header if assignment_title(lms, cell) is not None]
    wanted = f"column {column!r}" if column else f"column for {assignment}"
    problem = f"{len(matches)} columns that match" if matches else f"no {wanted}"
    listed = "; ".join(titles[:12]) or "none"
    raise GradingError(f"the roster {path} has {problem} (its assignment columns: {listed}): "
                       f"pass COLUMN=<the column's header> "
                       f"(create the assignment in {TITLES[lms]} first and export the gradebook again if it has none).")


def read_canvas_rows(roster: Roster) -> None:
    """Canvas: each student row's identity is its ID (the user id); note the points possible."""
    id_column = canvas_id_column(roster.header)
    for index, row in enumerate(roster.rows[1:], start=1):
        if "Points Possible" in row[0]:
            roster.points_possible = row[roster.column].strip()
        elif not all(CANVAS_NOT_STUDENT.fullmatch(cell) for cell in row) and row[id_column].strip():
            roster.keys[index] = {row[id_column].strip()}


def read_moodle_rows(roster: Roster) -> None:
    """Moodle: each row's identity is the student's full name, in either order."""
    cells = [cell.strip() for cell in roster.header]
    first = cells.index("First name")
    last = cells.index("Last name") if "Last name" in cells else cells.index("Surname")
    for index, row in enumerate(roster.rows[1:], start=1):
        if row[first].strip() or row[last].strip():
            roster.keys[index] = {moodle_name_key(f"{row[first]} {row[last]}"),
                                  moodle_name_key(f"{row[last]} {row[first]}")}


def moodle_name_key(name: str) -> str:
    """A full name as Moodle writes it into file names ("_" made " ", clean_filename), made comparable."""
    name = unicodedata.normalize("NFC", name).replace("_", " ")
    return " ".join(MOODLE_UNSAFE_IN_NAMES.sub("", name).split())


def fill(roster: Roster, hand_ins: list[HandIn], totals: dict[str, float | None], graded: list[str]) -> list[str]:
    """Fill the assignment's column: each student's total, an empty cell for no submission.

    Args:
        totals: student folder -> total points in the gradebook (None: no graded submission).
        graded: the student folders graded here (those not in the download are reported).

    Returns:
        the notes for the report: submissions that match nobody, or more than one row.
    """
    notes = []
    students_of: dict[str, set[str]] = {}
    keys_of: dict[str, set[str]] = {}
    for hand_in in hand_ins:
        students_of.setdefault(hand_in.key, set()).add(hand_in.student)
        keys_of.setdefault(hand_in.student, set()).add(hand_in.key)
    rows_of: dict[str, list[int]] = {}
    for index, keys in roster.keys.items():
        for key in keys:
            rows_of.setdefault(key, []).append(index)
    for index, keys in roster.keys.items():
        students = set().union(*(students_of.get(key, set()) for key in keys))
        total = totals.get(next(iter(students))) if len(students) == 1 else None
        roster.rows[index][roster.column] = "" if total is None else points(total)
    for student in sorted(keys_of):
        keys = keys_of[student]
        rows = {row for key in keys for row in rows_of.get(key, [])}
        if len(keys) > 1:
            notes.append(f"{student}: several {TITLES[roster.lms]} students ({', '.join(sorted(keys))}) share this "
                         f"folder in submitted/; no grade written: grade them by hand")
            for row in rows:
                roster.rows[row][roster.column] = ""
        elif not rows:
            notes.append(f"{student}: in the download ({identity(roster.lms, next(iter(keys)))}) but in no row of the "
                         f"roster (dropped the course?); no grade written")
        elif len(rows) > 1 or len(students_of[next(iter(keys))]) > 1:
            notes.append(f"{student}: matches {len(rows)} rows of the roster (same name?); no grade written: "
                         f"enter it by hand")
            for row in rows:
                roster.rows[row][roster.column] = ""
    notes += [f"{student}: not from the {TITLES[roster.lms]} download, so it matches nobody in the roster; "
              f"no grade written" for student in sorted(set(graded) - set(keys_of))]
    return notes


def identity(lms: str, key: str) -> str:
    return f"Canvas user id {key}" if lms == "canvas" else f"Moodle name {key!r}"


def points(total: float) -> str:
    """A score as the importers read it: a plain number with at most two decimals."""
    return f"{round(total, 2):.2f}".rstrip("0").rstrip(".")


def inert(cell: str) -> str:
    """The cell, with a leading apostrophe if a spreadsheet would take it for a formula."""
    stripped = cell.lstrip(" ")
    if (cell.startswith(("\t", "\r")) or stripped.startswith(FORMULA_START)) and not PLAIN_NUMBER.fullmatch(stripped):
        return "'" + cell
    return cell


def write_roster(roster: Roster, path: Path, notes: list[str]) -> None:
    """Write the filled roster in the file's own style (to a temporary file, then renamed).

    Args:
        notes: gets a line for every cell that had to be made inert.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=roster.delimiter, lineterminator=roster.newline)
    for number, row in enumerate(roster.rows, start=1):
        safe = [inert(cell) for cell in row]
        notes += [f"row {number} of the roster: {cell!r} starts like a spreadsheet formula; written with a leading "
                  f"apostrophe (if it is an identity the import matches on, correct it in the LMS)"
                  for cell, written in zip(row, safe) if cell != written]
        writer.writerow(safe)
    temporary = path.with_name(path.name + ".partial")
    try:
        temporary.write_bytes((b"\xef\xbb\xbf" if roster.bom else b"") + buffer.getvalue().encode("utf-8"))
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def points_warning(roster: Roster, max_score: float) -> list[str]:
    """A warning if Canvas gives the assignment other points possible than the gradebook."""
    try:
        possible = float(roster.points_possible.replace(",", "."))
    except ValueError:
        return []
    if abs(possible - max_score) < 0.005:
        return []
    return [f"Canvas gives {roster.header[roster.column]!r} {roster.points_possible} points possible, the assignment "
            f"is out of {points(max_score)}: the file has the points as graded (change one of them to agree)."]
