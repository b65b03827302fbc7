"""make grade CLUSTER=…: a class graded on a real Dask cluster equals the same class graded here.

A real scheduler and two real worker machines on 127.0.0.1, speaking TLS with the course's own
certificates, each worker in a folder of its own with every course folder out of its reach
(tests/cluster.py), and a real PostgreSQL gradebook. The class is honest, broken and hostile
(cases from tests/test_grade.py). Machines are killed while they grade: a worker with SIGKILL in
the middle of a submission, the scheduler in the middle of the class.
"""

import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from classgrader import certificates
from tests.browser import free_port
from tests.cluster import Cluster, is_grading, make, stop
from tests.postgres import another_database, postgres_server
from tests.test_grade import (ASSIGNMENT, FULL, NOTEBOOK, REFERENCE, RELEASE, hand_in, hostile_cases, make_grade,
                              new_course)
from tests.test_grade_slips import grades, report_lines
from tests.notebooks import filled_release

# The hostile cases graded here: one of each kind of harm a submission tries on a machine.
HOSTILE = ("honest_reference", "honest_wrong_sizes", "hangs", "exits_kernel", "reads_solutions", "writes_outside",
           "uses_network", "patches_checks", "sends_extra_names")
SLOW = "import time\ntime.sleep(4)\n"  # a few honest submissions take a while: a worker is killed in one
# Red team: one signed message of 900 MB of empty lists on the kernel's own channel (parsed whole, it
# took the grading worker past its memory), and one of 20 million, under the size limit.
BOMB = """_k = get_ipython().kernel
for _count in (300_000_000, 20_000_000):
    _blob = b"[" + b"[]," * _count + b"[]]"
    _k.session.send(_k.iopub_socket, "display_data", content=_blob, parent=_k.get_parent("shell"))
    del _blob
"""
# Red team: bytes for the worker machine's terminal, through the descriptors of it the kernel keeps
# (its own 1 and 2 are pipes to the notebook's output).
MARKER = "WRITTEN TO THE WORKER'S TERMINAL"
WRITES_TO_THE_TERMINAL = f"""import os, sys
for _fd in (getattr(sys.stdout, "_original_stdstream_copy", None),
            getattr(sys.stderr, "_original_stdstream_copy", None)):
    if _fd is not None:
        os.write(_fd, "\\x1b[2J{MARKER}\\n".encode())
"""


def write_class(course: Path) -> None:
    """Hostile, honest, slow, broken and renamed submissions of assignment 1."""
    for student, (answers, _, _) in hostile_cases(course, free_port(), course.parent / "secret.txt").items():
        if student in HOSTILE:
            hand_in(course, student, filled_release(RELEASE, answers))
    for number in range(4):
        slow = {**REFERENCE, "p1_sizes": SLOW + REFERENCE["p1_sizes"]}
        hand_in(course, f"slow_{number}", filled_release(RELEASE, slow))
    hand_in(course, "bombs_its_worker", filled_release(RELEASE, {**REFERENCE, "p1_sizes": BOMB + REFERENCE["p1_sizes"]}))
    hand_in(course, "writes_to_the_terminal", filled_release(
        RELEASE, {**REFERENCE, "p1_sizes": WRITES_TO_THE_TERMINAL + REFERENCE["p1_sizes"]}))
    hand_in(course, "untouched", nbformat.read(RELEASE, as_version=4))
    hand_in(course, "broken_json", '{"cells": [ this is not json')
    hand_in(course, "renamed", filled_release(RELEASE, REFERENCE), name="forward_pass (1).ipynb")


def copy_class(course: Path, folder: Path) -> Path:
    again = new_course(folder)
    shutil.copytree(course / "submitted", again / "submitted", symlinks=True)
    return again


def scores(db_url: str) -> dict[tuple[str, str], float]:
    """(student, grade id) -> score, from a gradebook."""
    with Gradebook(db_url) as gradebook:
        return {(submission.student.id, grade.name): grade.score
                for submission in gradebook.find_assignment(ASSIGNMENT).submissions
                for notebook in submission.notebooks for grade in notebook.grades}


def graded_once(db_url: str) -> dict[str, int]:
    """student -> how many graded notebooks the gradebook holds for them (1 each: nothing twice)."""
    with Gradebook(db_url) as gradebook:
        return {submission.student.id: len(submission.notebooks)
                for submission in gradebook.find_assignment(ASSIGNMENT).submissions}


def feedback_pages(course: Path) -> dict[str, str]:
    """Each feedback page, its prompt numbers left out: where a kernel dies in a cell, whether that
    cell got its number first is a race, on one machine as on many."""
    return {str(path.relative_to(course / "feedback")): re.sub(r"In&nbsp;\[[^\]]*\]", "In []", path.read_text())
            for path in sorted((course / "feedback").rglob("*.html"))}


def grade_on(cluster: Cluster, course: Path, db_url: str, *extra: str, wait: bool = True):
    return make_grade(course, f"CLUSTER={cluster.address}", f"TLS={cluster.tls}", f"DB={db_url}", *extra, wait=wait)


def one_line(stderr: str) -> str:
    """The command's one message on stderr ("make grade: …"); no traceback, nothing else of its own."""
    assert "Traceback" not in stderr, stderr[-3000:]
    lines = [line for line in stderr.splitlines() if line.startswith("make grade:")]
    assert len(lines) == 1, stderr[-3000:]
    return lines[0]


@pytest.fixture(scope="module")
def hidden(tmp_path_factory) -> Path:
    """The folder holding every course folder of these tests: empty for the workers."""
    if os.geteuid() != 0:
        pytest.skip("workers without the course folder are started as root (unshare --mount); CI runs as root")
    return tmp_path_factory.getbasetemp()


@pytest.fixture(scope="module")
def gradebook_server():
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="module")
def cluster(isolation, hidden, gradebook_server):
    """A scheduler and two worker machines, their folders and logs outside `hidden`."""
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / f"classgrader-cluster-{os.getpid()}"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir()
    running = Cluster(tls=logs / "tls", port=free_port(), logs=logs, hidden=hidden)
    try:
        running.start_scheduler()
        for name in ("machine_a", "machine_b"):
            running.start_worker(name)
        yield running
    finally:
        running.stop()
        shutil.rmtree(logs, ignore_errors=True)


@pytest.fixture(scope="module")
def local_class(isolation, tmp_path_factory):
    """The class, graded on this machine by make grade: what the cluster must give."""
    course = new_course(tmp_path_factory.mktemp("local"))
    write_class(course)
    result = make_grade(course)
    assert result.returncode == 0, result.stderr[-3000:]
    return course


@pytest.fixture(scope="module")
def cluster_class(cluster, local_class, gradebook_server, tmp_path_factory):
    """The same class graded on the cluster; one worker killed with SIGKILL while it grades."""
    course = copy_class(local_class, tmp_path_factory.mktemp("on-cluster"))
    run = grade_on(cluster, course, gradebook_server, wait=False)
    victim = cluster.worker_names()["machine_a"]
    cluster.wait_for(lambda: is_grading(victim) or run.poll() is not None, "machine_a to grade a submission")
    killed_while_grading = is_grading(victim)
    os.kill(victim, signal.SIGKILL)
    stdout, stderr = run.communicate(timeout=900)
    stderr = stderr.decode()
    assert run.returncode == 0, stderr[-3000:]
    return course, killed_while_grading, stderr


def test_the_workers_have_no_course_folder(cluster, local_class):
    with cluster.client() as client:
        seen = client.run(os.path.exists, str(local_class / "nbgrader_config.py"))
        where = client.run(tempfile.gettempdir)
    assert seen and not any(seen.values()), f"a worker can see the course folder: {seen}"
    assert all(folder.startswith(str(cluster.logs)) for folder in where.values()), where


def test_a_class_graded_on_the_cluster_equals_a_local_run(cluster_class, local_class, gradebook_server):
    course, killed_while_grading, stderr = cluster_class
    assert killed_while_grading, "the worker was killed, but not in the middle of a submission"
    assert grades(course, ASSIGNMENT) == grades(local_class, ASSIGNMENT)
    assert scores(gradebook_server) == scores(f"sqlite:///{local_class / 'gradebook.db'}")
    # The bomb's dropped message ends its cell by a timeout or by the kernel's death, on one machine as on
    # many: its score is compared (above), and that its line says it was cut short.
    pages, local_pages = feedback_pages(course), feedback_pages(local_class)
    lines, local_lines = report_lines(course, ASSIGNMENT), report_lines(local_class, ASSIGNMENT)
    for student in ("bombs_its_worker",):
        for found in (lines, local_lines):
            line = found.pop(student)
            assert "ran out of time" in line or "kernel died" in line, line
        for found in (pages, local_pages):
            found.pop(f"{student}/{ASSIGNMENT}/{NOTEBOOK.replace('.ipynb', '.html')}")
    assert pages == local_pages
    assert lines == local_lines
    assert re.search(r"\d+/\d+ submissions, .* 2 workers", stderr), stderr[-500:]


def test_a_killed_worker_loses_nothing_and_grades_nothing_twice(cluster_class, gradebook_server):
    course, _, _ = cluster_class
    students = sorted(path.name for path in (course / "submitted").iterdir())
    assert graded_once(gradebook_server) == {student: 1 for student in students}
    assert all((course / "autograded" / student / ASSIGNMENT / ".graded.json").is_file() for student in students)
    assert grades(course, ASSIGNMENT)["honest_reference"] == FULL


def test_what_a_kernel_writes_to_its_terminal_reaches_no_worker_log(cluster_class, cluster):
    logs = {path.name: path.read_text(errors="replace") for path in cluster.logs.glob("*.log")}
    assert logs and not [name for name, text in logs.items() if MARKER in text]


def test_a_killed_worker_leaves_no_hidden_tests_on_its_machine(cluster_class, cluster):
    with cluster.client() as client:
        live = client.run(lambda dask_worker: dask_worker.local_directory).values()
    kept = [path for path in cluster.logs.rglob("nbgrader_config.py")
            if not any(str(path).startswith(folder) for folder in live)]
    assert not kept, f"course folders left by workers that ended: {kept}"


def test_nothing_of_the_cluster_is_served_without_certificates(cluster):
    import psutil
    processes = [psutil.Process(process.pid) for process in [cluster.scheduler, *cluster.workers.values()]]
    listening = {(c.laddr.ip, c.laddr.port) for process in processes for child in [process, *process.children(True)]
                 for c in child.net_connections("tcp") if c.status == psutil.CONN_LISTEN}
    assert listening
    for ip, port in listening:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/identity.json", timeout=5) as page:
                served = page.status
        except urllib.error.HTTPError as error:
            served = error.code
        except (OSError, http.client.HTTPException):
            served = None  # not HTTP: the TLS ports
        assert served != 200, f"port {port} serves the cluster's state over plain HTTP"
        assert served is None or ip == "127.0.0.1", f"an HTTP server listens on {ip}:{port}"


def test_the_scheduler_lost_stops_with_one_line_and_a_rerun_grades_the_rest(
        cluster, local_class, gradebook_server, tmp_path):
    course = copy_class(local_class, tmp_path / "course")
    database = another_database(gradebook_server, "scheduler_lost")
    run = grade_on(cluster, course, database, wait=False)
    cluster.wait_for(lambda: len(list(course.glob(f"autograded/*/{ASSIGNMENT}/.graded.json"))) >= 2
                     or run.poll() is not None, "two gradings to finish")
    os.killpg(cluster.scheduler.pid, signal.SIGKILL)
    cluster.scheduler.wait()
    stderr = run.communicate(timeout=120)[1].decode()
    assert run.returncode == 2
    assert "is gone" in one_line(stderr) and "run make grade again" in one_line(stderr)
    finished = len(list(course.glob(f"autograded/*/{ASSIGNMENT}/.graded.json")))
    cluster.start_scheduler()
    cluster.wait_for(lambda: {"machine_a", "machine_b"} <= set(cluster.worker_names()), "the workers to come back")
    result = grade_on(cluster, course, database)
    assert result.returncode == 0, result.stderr[-3000:]
    total = len(list((course / "submitted").iterdir()))
    assert f"0/{total - finished} submissions" in result.stderr, "the re-run graded more than what was missing"
    assert grades(course, ASSIGNMENT) == grades(local_class, ASSIGNMENT)


def runs_task_0(cluster: Cluster) -> bool:
    """True while a worker runs the class's first task (tasks are named grade-<run>-<index>)."""
    with cluster.client() as client:
        return any(key.endswith("-0") for keys in client.processing().values() for key in keys)


def test_a_submission_whose_workers_die_costs_no_classmate_a_try(cluster, gradebook_server, tmp_path):
    """One worker; the slow submission runs first, a classmate's waits. Two workers die in the slow one:
    it is reported, and the classmate's is graded (Dask counts a death against every task a worker
    holds: a worker holds only the one it runs)."""
    course = new_course(tmp_path / "course")
    hand_in(course, "a_slow", filled_release(RELEASE, {**REFERENCE, "p1_sizes": "import time\ntime.sleep(120)\n"}))
    hand_in(course, "b_honest", filled_release(RELEASE, REFERENCE))
    cluster.stop_worker("machine_b")
    try:
        run = grade_on(cluster, course, another_database(gradebook_server, "killed_twice"), wait=False)
        for _ in range(2):  # the worker dies in the slow one (task 0); then the one that takes it over
            cluster.wait_for(lambda: runs_task_0(cluster) and is_grading(cluster.worker_names().get("machine_a", -1))
                             or run.poll() is not None, "machine_a to grade the slow submission", seconds=120)
            os.kill(cluster.worker_names()["machine_a"], signal.SIGKILL)
            cluster.wait_for(lambda: not is_grading(cluster.worker_names().get("machine_a", -1)), "the kill")
        stderr = run.communicate(timeout=300)[1].decode()
        assert run.returncode == 0, stderr[-3000:]
    finally:
        cluster.start_worker("machine_b")
    assert grades(course, ASSIGNMENT)["b_honest"] == FULL
    assert "2 grading workers died running it" in report_lines(course, ASSIGNMENT)["a_slow"]


def test_an_unsafe_worker_grades_and_the_report_says_so(cluster, gradebook_server, tmp_path):
    course = new_course(tmp_path / "course")
    hand_in(course, "honest", filled_release(RELEASE, REFERENCE))
    for name in ("machine_a", "machine_b"):
        cluster.stop_worker(name)
    try:
        cluster.start_worker("unsafe_machine", "UNSAFE=1")
        result = grade_on(cluster, course, another_database(gradebook_server, "unsafe"))
        assert result.returncode == 0, result.stderr[-3000:]
        assert grades(course, ASSIGNMENT)["honest"] == FULL
        assert "UNSAFE=1" in report_lines(course, ASSIGNMENT)["honest"]
        assert "NOT confined" in (course / "reports" / ASSIGNMENT / "report.html").read_text()
    finally:
        cluster.stop_worker("unsafe_machine")
        for name in ("machine_a", "machine_b"):
            cluster.start_worker(name)


def changed_course_code(folder: Path) -> dict:
    """An environment whose nnkit and classgrader differ from the course's by one comment."""
    from tests.notebooks import REPO
    for package in ("nnkit", "classgrader"):
        shutil.copytree(REPO / package, folder / package, ignore=shutil.ignore_patterns("__pycache__"))
    with open(folder / "classgrader" / "errors.py", "a") as handle:
        handle.write("# another version\n")
    return {**os.environ, "PYTHONPATH": str(folder)}


def test_bad_requests_get_one_clear_line(cluster, gradebook_server, tmp_path):
    course = new_course(tmp_path / "course")
    hand_in(course, "honest", filled_release(RELEASE, REFERENCE))
    database = another_database(gradebook_server, "bad_requests")
    sqlite = make_grade(course, f"CLUSTER={cluster.address}", f"TLS={cluster.tls}")
    assert sqlite.returncode == 2 and "PostgreSQL" in one_line(sqlite.stderr)
    plain = make_grade(course, f"CLUSTER=tcp://127.0.0.1:{cluster.port}", f"TLS={cluster.tls}", f"DB={database}")
    assert plain.returncode == 2 and "over TLS only" in one_line(plain.stderr)
    nobody = make_grade(course, f"CLUSTER=tls://127.0.0.1:{free_port()}", f"TLS={cluster.tls}", f"DB={database}")
    assert nobody.returncode == 2 and "cannot be reached" in one_line(nobody.stderr)
    certificates.create(tmp_path / "other-tls")
    stranger = make_grade(course, f"CLUSTER={cluster.address}", f"TLS={tmp_path / 'other-tls'}", f"DB={database}")
    assert stranger.returncode == 2 and "cannot be reached" in one_line(stranger.stderr)
    no_certificates = make_grade(course, f"CLUSTER={cluster.address}", f"TLS={tmp_path / 'none'}", f"DB={database}")
    assert no_certificates.returncode == 2 and "certificates are not in" in one_line(no_certificates.stderr)
    # A scheduler with no workers, then with a worker of another version of the course's code.
    empty = Cluster(tls=cluster.tls, port=free_port(), logs=cluster.logs, hidden=cluster.hidden)
    try:
        empty.start_scheduler()
        idle = make_grade(course, f"CLUSTER={empty.address}", f"TLS={cluster.tls}", f"DB={database}",
                          "CLUSTER_WAIT=3")
        assert idle.returncode == 2 and "no grading worker joined" in one_line(idle.stderr)
        other = cluster.logs / "other-version"  # outside the folder the workers cannot see
        other.mkdir()
        waiting = grade_on(empty, course, database, "CLUSTER_WAIT=120", wait=False)
        time.sleep(5)  # connected, waiting for a worker
        os.killpg(empty.scheduler.pid, signal.SIGKILL)
        lost = waiting.communicate(timeout=120)[1].decode()
        assert waiting.returncode == 2 and "was lost while waiting for workers" in one_line(lost)
        empty.start_scheduler()
        empty.start_worker("other_version", environment=changed_course_code(other))
        mismatch = make_grade(course, f"CLUSTER={empty.address}", f"TLS={cluster.tls}", f"DB={database}")
        assert mismatch.returncode == 2 and "another version of the course's environment" in one_line(mismatch.stderr)
        assert "course code" in one_line(mismatch.stderr)
    finally:
        empty.stop()
    assert not (course / "reports").exists(), "a refused request wrote a report"


def test_a_worker_that_cannot_confine_refuses_to_start(tmp_path):
    certificates.create(tmp_path / "tls")
    tools = tmp_path / "bin"  # make and the course's Python, but no bubblewrap
    tools.mkdir()
    (tools / "make").symlink_to(shutil.which("make"))
    environment = {**os.environ, "PATH": f"{tools}:{Path(sys.executable).parent}"}
    result = subprocess.run(make("grade-worker", f"SCHEDULER=tls://127.0.0.1:{free_port()}", f"TLS={tmp_path / 'tls'}"),
                            capture_output=True, text=True, timeout=120, env=environment)
    assert result.returncode != 0
    assert "cannot be confined" in result.stderr and "UNSAFE=1" in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
