"""classgrader.lms: grades and feedback back into Canvas and Moodle, in each LMS's own files.

The files here are made as each LMS makes them (see classgrader/lms.py for where each format is
documented): Canvas's gradebook export (header, "Points Possible" row, "Title (id)" columns) and its
download zip (<name>[_LATE]_<user id>_<attachment id>_<file>, a file handed in again renamed -1);
Moodle's gradebook export ("First name", "Last name", identity fields, "Assignment: <name> (Real)",
"Last downloaded from this course") and its download zip (one folder per student and plugin,
<full name>_<participant id>_assignsubmission_file/). The class has a late and re-submitted file, a
student who dropped the course, names with non-ASCII letters and a name that is a spreadsheet formula.

The file formats are tested without grading; then one class per LMS (two graded submissions each) goes
through the real `python -m classgrader`, and bad input through `make grade`.
"""

import csv
import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.plugins import FileNameCollectorPlugin

from classgrader import lms
from classgrader.errors import GradingError
from tests.grading_harness import classgrader
from tests.notebooks import REPO, filled_release, reference_answers

ASSIGNMENT = "a1_forward_pass"
NOTEBOOK = "forward_pass.ipynb"
FULL = "34"  # the autograded points of assignment 1, as the files write them
RELEASE = REPO / "exercises" / ASSIGNMENT / NOTEBOOK

CANVAS_ROSTER = (
    '"Student","ID","SIS User ID","SIS Login ID","Section","a1_forward_pass (4101)","a2_chain_rule (4102)",'
    '"Current Score","Final Score"\n'
    '"    Points Possible","","","","","40","30","(read only)","(read only)"\n'
    '"Lovelace, Ada","1001","S-1","ada","Backprop 2026","","28","82.35","82.35"\n'
    '"Müller, Jürgen","1002","S-2","jmuller","Backprop 2026","","","",""\n'
    '"=HYPERLINK(""http://evil.example"",""Drew"")","1004","S-4","drew","Backprop 2026","3","","",""\n'
    '"Student, Test","1999","","","Backprop 2026","","","",""\n'
)
CANVAS_DOWNLOAD = {  # member name -> who (the notebook it holds)
    f"lovelaceada_LATE_1001_5003_forward_pass-1.ipynb": "reference",  # late, and handed in again
    f"müllerjürgen_1002_5004_{NOTEBOOK}": "untouched",
}
MOODLE_ROSTER = (
    "\ufeffFirst name,Last name,ID number,Institution,Department,Email address,Assignment: a1_forward_pass (Real),"
    "Assignment: a2_chain_rule (Real),Course total (Real),Last downloaded from this course\r\n"
    "José,Ñúñez,S-10,,,jose@example.org,-,-,-,1764633600\r\n"
    "Grace,Hopper,S-11,,,+grace@example.org,-,25.00,25.00,1764633600\r\n"
)
MOODLE_DOWNLOAD = {
    f"José Ñúñez_20001_assignsubmission_file/{NOTEBOOK}": "reference",
    f"Drew Dropped_20003_assignsubmission_file/{NOTEBOOK}": "untouched",  # dropped: not in the export
}


def rows_of(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter))


def canvas_ids(name: str) -> list[str]:
    """What Canvas's re-upload reads from a file name: its first two all-digit parts between "_"."""
    return [part for part in Path(name).name.split("_") if re.fullmatch(r"\d+", part, re.ASCII)][:2]


def moodle_participant(name: str) -> tuple[str, str] | None:
    """What Moodle's feedback zip import reads: the first path part <name>_<id>_<type>_<plugin>[_...]."""
    parts = name.split("/")
    for index, part in enumerate(parts):
        info = part.split("_", 4)
        if len(info) >= 4 and info[1].isdigit():
            return info[1], "/".join(([info[4]] if len(info) == 5 else [""]) + parts[index + 1:]).lstrip("/")
    return None


# ----- file formats, no grading ---------------------------------------------------------------------

@pytest.mark.parametrize("lms_name, member, student, notebook", [
    ("canvas", "lovelaceada_1001_5001_forward_pass.ipynb", "lovelaceada", "forward_pass"),
    ("canvas", "lovelaceada_LATE_1001_5001_forward_pass.ipynb", "lovelaceada", "forward_pass"),
    ("canvas", "grace_late_1002_5002_forward_pass.ipynb", "grace", "forward_pass"),
    ("canvas", "lovelaceada_1001_5009_forward_pass-2.ipynb", "lovelaceada", "forward_pass"),
    ("canvas", "o_brien_1003_5005_forward_pass.ipynb", "o_brien", "forward_pass"),
    ("canvas", "müllerjürgen_1002_5004_forward_pass.ipynb", "müllerjürgen", "forward_pass"),
    ("moodle", "José Ñúñez_20001_assignsubmission_file/forward_pass.ipynb", "20001", "forward_pass"),
    ("moodle", "José Ñúñez_20001_assignsubmission_file_/forward_pass.ipynb", "20001", "forward_pass"),
    ("moodle", "José Ñúñez_20001_assignsubmission_file_forward_pass.ipynb", "20001", "forward_pass"),
])
def test_the_zip_import_and_the_lms_files_read_a_download_name_alike(lms_name, member, student, notebook):
    """The zip import (nbgrader's collector) and the LMS files take the same student and notebook from a name."""
    hand_in = lms.hand_in_of(lms_name, member)
    assert (hand_in.student, hand_in.notebook) == (student, notebook)
    collector = FileNameCollectorPlugin(named_regexp=lms.ZIP_REGEXPS[lms_name])
    collected = collector.collect(f"/course/extracted/dl/{member}")
    assert (collected["student_id"], collected["file_id"]) == (student, notebook)


@pytest.mark.parametrize("lms_name, member", [
    ("canvas", "anon_x1y2z_5001_forward_pass.ipynb"),  # anonymous grading: no user id
    ("canvas", "lovelaceada_1001_forward_pass.ipynb"),
    ("canvas", "lovelaceada_1001_5001_forward_pass.pdf"),
    ("moodle", "José Ñúñez_20001_onlinetext/forward_pass.ipynb"),
    ("moodle", "forward_pass.ipynb"),
    # Red team: files inside a student's own upload (a folder, an archive) named as another's hand-in.
    ("canvas", "mallory_1003_5003_extras/victim_1001_1_forward_pass (1).ipynb"),
    ("moodle", "Mallory_20003_assignsubmission_file_/x_20001_assignsubmission_file_/forward_pass (1).ipynb"),
])
def test_names_of_another_form_match_nobody(lms_name, member):
    assert lms.hand_in_of(lms_name, member) is None


def test_only_what_sits_where_the_lms_puts_hand_ins_is_imported(tmp_path, capsys):
    """Red team: a zip or a folder inside one student's upload held a file named as another's hand-in,
    which nbgrader unpacked and graded as the victim's (0 for the victim), or a second copy of one
    name, which stopped zip_collect for the whole class."""
    from classgrader.cli import archive_folder, import_zip
    from classgrader.course import Course

    course = Course.at(new_course(tmp_path / "course"))
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as nested:
        nested.writestr("victim_1001_1_forward_pass (1).ipynb", "{}")
    zipped = download(tmp_path / "download.zip", {"ada_1001_5001_forward_pass.ipynb": "reference",
                                                   "mallory_1003_5003_forward_pass.ipynb": "reference"})
    with zipfile.ZipFile(zipped, "a") as archive:
        archive.writestr("mallory_1003_5004_extras.zip", inner.getvalue())
        archive.writestr("mallory_1003_5005_folder/ada_1001_9_forward_pass.ipynb", "{}")
    import_zip(course, ASSIGNMENT, zipped, lms.ZIP_REGEXPS["canvas"], "canvas")
    with zipfile.ZipFile(archive_folder(course, ASSIGNMENT) / "download.zip") as kept:
        assert sorted(kept.namelist()) == ["ada_1001_5001_forward_pass.ipynb", "mallory_1003_5003_forward_pass.ipynb"]
    assert "2 files of the zip are not where Canvas puts hand-ins and were left out" in capsys.readouterr().err
    submitted = sorted(str(path.relative_to(course.root)) for path in (course.root / "submitted").rglob("*.ipynb"))
    assert submitted == [f"submitted/ada/{ASSIGNMENT}/{NOTEBOOK}", f"submitted/mallory/{ASSIGNMENT}/{NOTEBOOK}"]


def canvas_roster(tmp_path: Path, text: str = CANVAS_ROSTER, name: str = "canvas.csv") -> lms.Roster:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return lms.read_roster("canvas", path, ASSIGNMENT)


def test_canvas_roster_filled_as_canvas_imports_it(tmp_path):
    """ID matched to the download's user id; no submission, an empty cell; everything else as exported."""
    roster = canvas_roster(tmp_path)
    assert roster.header[roster.column] == "a1_forward_pass (4101)" and roster.points_possible == "40"
    hand_ins = [lms.hand_in_of("canvas", member) for member in CANVAS_DOWNLOAD]
    notes = lms.fill(roster, hand_ins, {"lovelaceada": 34.0, "müllerjürgen": 12.5}, ["lovelaceada", "müllerjürgen"])
    assert notes == []
    out = tmp_path / "out.csv"
    lms.write_roster(roster, out, notes)
    rows, before = rows_of(out.read_text(encoding="utf-8")), rows_of(CANVAS_ROSTER)
    assert [row[5] for row in rows[2:]] == ["34", "12.5", "", ""]  # the dropped student's old 3: missing, not 0
    assert rows[0] == before[0] and rows[1] == before[1]  # header and points possible as exported
    assert rows[3][0] == "Müller, Jürgen"  # non-ASCII kept exactly
    assert rows[4][0] == "'" + before[4][0]  # a name that is a formula is not one in the spreadsheet
    assert "starts like a spreadsheet formula" in notes[0]
    assert [row[:5] + row[6:] for row in rows[2:4]] == [row[:5] + row[6:] for row in before[2:4]]


def test_a_roster_in_the_files_own_style_is_written_back_byte_for_byte(tmp_path):
    """Semicolons, CRLF and a byte order mark (Canvas's export options) are kept; only the column changes."""
    text = "\ufeff" + CANVAS_ROSTER.replace('","', ";").replace('"', "").replace("\n", "\r\n")
    text = text.replace("=HYPERLINK(http://evil.example;Drew)", "Drew, Dropped")
    roster = canvas_roster(tmp_path, text)
    assert (roster.delimiter, roster.newline, roster.bom) == (";", "\r\n", True)
    lms.write_roster(roster, tmp_path / "same.csv", [])
    assert (tmp_path / "same.csv").read_bytes() == text.encode("utf-8")


def test_moodle_roster_matched_by_full_name(tmp_path):
    path = tmp_path / "moodle.csv"
    path.write_text(MOODLE_ROSTER, encoding="utf-8")
    roster = lms.read_roster("moodle", path, ASSIGNMENT)
    assert roster.header[roster.column] == "Assignment: a1_forward_pass (Real)"
    hand_ins = [lms.hand_in_of("moodle", member) for member in MOODLE_DOWNLOAD]
    notes = lms.fill(roster, hand_ins, {"20001": 34.0, "20003": 0.0}, ["20001", "20003"])
    assert len(notes) == 1 and notes[0].startswith("20003:") and "'Drew Dropped'" in notes[0]
    lms.write_roster(roster, tmp_path / "out.csv", notes)
    written = (tmp_path / "out.csv").read_bytes()
    assert written.startswith(b"\xef\xbb\xbf")
    rows = rows_of(written.decode("utf-8"))
    assert [row[6] for row in rows[1:]] == [FULL, ""] and rows[1][:2] == ["José", "Ñúñez"]
    assert rows[2][5] == "'+grace@example.org" and "correct it in the LMS" in notes[-1]
    assert [row[9] for row in rows[1:]] == ["1764633600", "1764633600"]  # Moodle keeps grades changed since


def test_a_name_that_matches_two_rows_gets_no_grade(tmp_path):
    """Moodle's download has no user id: two students of one name are left for a person."""
    path = tmp_path / "moodle.csv"
    path.write_text(MOODLE_ROSTER + "José,Ñúñez,S-12,,,jose2@example.org,-,-,-,1764633600\r\n", encoding="utf-8")
    roster = lms.read_roster("moodle", path, ASSIGNMENT)
    notes = lms.fill(roster, [lms.hand_in_of("moodle", f"José Ñúñez_20001_assignsubmission_file/{NOTEBOOK}")],
                     {"20001": 34.0}, ["20001"])
    assert [row[roster.column] for row in roster.rows[1:]] == ["", "", ""]
    assert "matches 2 rows" in notes[0]


def test_two_canvas_students_in_one_folder_get_no_grade(tmp_path):
    roster = canvas_roster(tmp_path)
    hand_ins = [lms.hand_in_of("canvas", f"lovelaceada_1001_5001_{NOTEBOOK}"),
                lms.hand_in_of("canvas", f"lovelaceada_1002_5002_{NOTEBOOK}")]
    notes = lms.fill(roster, hand_ins, {"lovelaceada": 34.0}, ["lovelaceada"])
    assert roster.rows[2][5] == roster.rows[3][5] == "" and "share this folder" in notes[0]


def test_a_submission_not_from_the_download_is_reported(tmp_path):
    roster = canvas_roster(tmp_path)
    notes = lms.fill(roster, [], {"ada": 34.0}, ["ada"])
    assert notes == ["ada: not from the Canvas download, so it matches nobody in the roster; no grade written"]


@pytest.mark.parametrize("cell, written", [
    ("=1+1", "'=1+1"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("  =1", "'  =1"), ("＝1", "'＝1"),
    ("-1.5", "-1.5"), ("-", "-"), ("34", "34"), ("Lovelace, Ada", "Lovelace, Ada"), ("", ""),
    ("(read only)", "(read only)"),
])
def test_cells_that_a_spreadsheet_would_run_are_made_inert(cell, written):
    assert lms.inert(cell) == written


def test_scores_are_written_as_the_importers_read_them():
    assert [lms.points(value) for value in (34.0, 12.5, 0.0, 1 / 3)] == ["34", "12.5", "0", "0.33"]


def test_canvas_points_possible_that_disagree_are_warned_about(tmp_path):
    roster = canvas_roster(tmp_path)
    assert lms.points_warning(roster, 40.0) == []
    assert "40 points possible" in lms.points_warning(roster, 34.0)[0]


def feedback_zip(tmp_path: Path, lms_name: str, members: list[str]) -> tuple[zipfile.ZipFile, list[str]]:
    notes: list[str] = []
    hand_ins = [lms.hand_in_of(lms_name, member) for member in members]
    lms.write_feedback_zip(tmp_path / "feedback.zip", hand_ins,
                           lambda student, notebook: f"<p>{student} {notebook}</p>".encode(), notes)
    return zipfile.ZipFile(tmp_path / "feedback.zip"), notes


def test_canvas_feedback_is_named_for_its_re_upload(tmp_path):
    """Canvas reads the user id and the attachment id of the newest hand-in from each name."""
    archive, notes = feedback_zip(tmp_path, "canvas", [*CANVAS_DOWNLOAD, f"lovelaceada_1001_5001_{NOTEBOOK}"])
    names = sorted(archive.namelist())
    assert names == ["lovelaceada_LATE_1001_5003_forward_pass-1.html", "müllerjürgen_1002_5004_forward_pass.html"]
    assert [canvas_ids(name) for name in names] == [["1001", "5003"], ["1002", "5004"]]
    assert archive.read(names[1]).decode() == "<p>müllerjürgen forward_pass</p>" and notes == []


def test_moodle_feedback_goes_into_each_students_folder(tmp_path):
    archive, _ = feedback_zip(tmp_path, "moodle", [*MOODLE_DOWNLOAD,
                                                   f"Ann Lee_20004_assignsubmission_file_{NOTEBOOK}"])
    found = {moodle_participant(name) for name in archive.namelist()}
    assert found == {("20001", "forward_pass.html"), ("20003", "forward_pass.html"), ("20004", "forward_pass.html")}
    assert f"José Ñúñez_20001_assignsubmission_file/forward_pass.html" in archive.namelist()


def test_a_download_name_that_leaves_the_folder_is_never_a_feedback_path(tmp_path):
    members = [f"../../home/lovelaceada_1001_5001_{NOTEBOOK}", f"/etc/grace_1002_5002_{NOTEBOOK}",
               f"a/../../x/jo_1003_5003_{NOTEBOOK}", f"c:\\evil\\ann_1004_5004_{NOTEBOOK}"]
    assert [lms.hand_in_of("canvas", member) for member in members] == [None] * 4  # never read as hand-ins
    hand_ins = [lms.HandIn(f"s{i}", str(i), member, "forward_pass", 1) for i, member in enumerate(members)]
    notes: list[str] = []
    lms.write_feedback_zip(tmp_path / "feedback.zip", hand_ins, lambda student, notebook: b"page", notes)
    with zipfile.ZipFile(tmp_path / "feedback.zip") as archive:  # nor written where they point
        assert archive.namelist() == [] and len(notes) == 4 and all("not a safe path" in note for note in notes)
    assert not lms.safe_member("c:\\evil\\ann_1004_5004_forward_pass.html")


@pytest.mark.parametrize("text, message", [
    (MOODLE_ROSTER, "is not a Canvas gradebook export"),
    (CANVAS_ROSTER.replace("a1_forward_pass (4101)", "Quiz 1 (4101)"), "no column for a1_forward_pass"),
    (CANVAS_ROSTER.replace("a2_chain_rule (4102)", "a1_forward_pass (4102)"), "2 columns that match"),
    ("", "is not a Canvas gradebook export"),
    ('"Student","ID","Section","a1_forward_pass (1)\n"x,1', "is not a readable CSV file"),
])
def test_a_roster_that_is_not_canvass_gets_one_clear_line(tmp_path, text, message):
    with pytest.raises(GradingError, match=message) as error:
        canvas_roster(tmp_path, text)
    assert "\n" not in str(error.value)


def test_a_roster_that_is_not_text_or_not_there_gets_one_clear_line(tmp_path):
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00S\x00t")
    for path, message in [(tmp_path / "binary.csv", "is not UTF-8 text"), (tmp_path / "missing.csv", "cannot be read"),
                          (tmp_path, "cannot be read")]:
        with pytest.raises(GradingError, match=message):
            lms.read_roster("moodle", path, ASSIGNMENT)


# ----- through the real command ---------------------------------------------------------------------

def new_course(folder: Path) -> Path:
    (folder / "solutions").mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", folder)
    shutil.copytree(REPO / "solutions" / ASSIGNMENT, folder / "solutions" / ASSIGNMENT)
    return folder


def download(path: Path, members: dict[str, str]) -> Path:
    """A download zip of the LMS: each member the reference answers or the released notebook untouched."""
    notebooks = {"reference": filled_release(RELEASE, reference_answers(REPO / "solutions" / ASSIGNMENT / NOTEBOOK)),
                 "untouched": nbformat.read(RELEASE, as_version=4)}
    with zipfile.ZipFile(path, "w") as archive:
        for member, who in members.items():
            archive.writestr(member, nbformat.writes(notebooks[who]))
    return path


def grade_with_lms(tmp_path: Path, lms_name: str, roster_text: str, members: dict[str, str]):
    course = new_course(tmp_path / "course")
    (tmp_path / "export.csv").write_text(roster_text, encoding="utf-8")
    zipped = download(tmp_path / "download.zip", members)
    result = classgrader(course, ASSIGNMENT, "--zip", str(zipped), "--lms", lms_name, "--roster",
                         str(tmp_path / "export.csv"), "--cell-timeout", "10", "--submission-timeout", "150")
    return course, result, course / "reports" / ASSIGNMENT


def test_canvas_class_graded_into_canvas_files(isolation, tmp_path):
    course, result, reports = grade_with_lms(tmp_path, "canvas", CANVAS_ROSTER, CANVAS_DOWNLOAD)
    lines = result.stdout.strip().splitlines()
    assert lines[-3] == f"Canvas feedback (2 pages, upload the zip as it is): {reports / 'canvas-feedback.zip'}"
    assert lines[-2].endswith(str(reports / "canvas-grades.csv")) and lines[-1].startswith("Report: file://")
    rows = rows_of((reports / "canvas-grades.csv").read_text(encoding="utf-8"))
    assert [(row[1], row[5]) for row in rows[2:]] == [("1001", FULL), ("1002", "0"), ("1004", ""), ("1999", "")]
    with zipfile.ZipFile(reports / "canvas-feedback.zip") as archive:
        names = sorted(archive.namelist())
        assert [canvas_ids(name) for name in names] == [["1001", "5003"], ["1002", "5004"]]
        page = course / "feedback" / "müllerjürgen" / ASSIGNMENT / "forward_pass.html"
        assert archive.read(names[1]) == page.read_bytes()
    report = (reports / "report.html").read_text()
    assert "For the LMS: submissions not matched, and what to check (2)" in report  # the formula, the written answers
    assert "written answers wait for grading by hand (Formgrader) in 1 of the submissions" in result.stderr
    assert "points possible" not in result.stderr  # Canvas's 40 is the assignment's total
    written = (reports / "canvas-grades.csv").read_bytes()
    again = classgrader(course, ASSIGNMENT, "--lms", "canvas", "--roster", str(tmp_path / "export.csv"))
    assert "Canvas feedback (2 pages" in again.stdout  # the download kept from the first run names them
    assert (reports / "canvas-grades.csv").read_bytes() == written
    assert not list(reports.glob("*.partial"))


def test_moodle_class_graded_into_moodle_files(isolation, tmp_path):
    course, result, reports = grade_with_lms(tmp_path, "moodle", MOODLE_ROSTER, MOODLE_DOWNLOAD)
    assert result.stdout.strip().splitlines()[-2].endswith(str(reports / "moodle-grades.csv"))
    rows = rows_of((reports / "moodle-grades.csv").read_text(encoding="utf-8"))
    assert [(row[0], row[6]) for row in rows[1:]] == [("José", FULL), ("Grace", "")]
    report = (reports / "report.html").read_text()
    assert "20003: in the download (Moodle name &#x27;Drew Dropped&#x27;) but in no row of the roster" in report
    with zipfile.ZipFile(reports / "moodle-feedback.zip") as archive:
        assert {moodle_participant(name) for name in archive.namelist()} == {
            ("20001", "forward_pass.html"), ("20003", "forward_pass.html")}
        assert archive.read(f"José Ñúñez_20001_assignsubmission_file/forward_pass.html") == \
            (course / "feedback" / "20001" / ASSIGNMENT / "forward_pass.html").read_bytes()


def make_grade(course: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", "-C", str(REPO), "grade", f"ASSIGNMENT={ASSIGNMENT}",
                           f"COURSE={course}", f"PYTHON={sys.executable}", "UNSAFE=1", *extra],
                          capture_output=True, text=True, timeout=300)


def test_bad_lms_input_gets_one_clear_line_and_writes_nothing(tmp_path):
    """Through make grade: each mistake stops before anything is imported, graded or written."""
    course = new_course(tmp_path / "course")
    (tmp_path / "canvas.csv").write_text(CANVAS_ROSTER, encoding="utf-8")
    zipped = download(tmp_path / "download.zip", {})
    cases = [
        (["LMS=blackboard"], "unknown LMS 'blackboard': use LMS=canvas or LMS=moodle."),
        ([f"ROSTER={tmp_path / 'canvas.csv'}"], "ROSTER= needs LMS=canvas or LMS=moodle"),
        (["LMS=moodle", f"ROSTER={tmp_path / 'canvas.csv'}"], "is not a Moodle gradebook export"),
        (["LMS=canvas", f"ROSTER={tmp_path / 'canvas.csv'}", "COLUMN=Assignment 1 (9)", f"ZIP={zipped}"],
         "has no column 'Assignment 1 (9)'"),
        (["LMS=canvas"], "matches students by the names in the Canvas download: pass ZIP="),
    ]
    for extra, message in cases:
        result = make_grade(course, *extra)
        errors = [line for line in result.stderr.splitlines() if line.startswith("make grade: ")
                  and "UNSAFE=1" not in line]
        assert result.returncode != 0 and len(errors) == 1 and message in errors[0], (extra, result.stderr)
        assert "Traceback" not in result.stderr
        assert not (course / "reports").exists() and not (course / "downloaded").exists()
