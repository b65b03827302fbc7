"""The confined kernel: what a submission's code can and cannot do while it is graded.

A notebook of probes runs through nbclient with ConfinedKernelManager, exactly as nbgrader runs a
submission, and each probe's outcome is checked: it works in a folder of its own (in memory, gone
with the kernel) and sees nnkit and the assignment's data files, but cannot read the course's
other files, leave anything in the notebook's folder (a file, a symbolic link), reach a server on
the grader's machine, see the grader's environment, or go beyond its memory, disk and process limits.
"""

import os
import socket
import subprocess
import threading
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from traitlets.config import Config

from classgrader.sandbox import SANDBOX_UIDS_FROM, WORKDIR, ConfinedKernelManager, confine, confined_processes, readable_paths
from tests.notebooks import REPO

PROBES = {
    "who": "import os\nprint(os.getuid(), os.getcwd())",
    "nnkit": "import nnkit, numpy\nprint(nnkit.TwoLayerNet(2, 3, 1, seed=0).num_params())",
    "course_folder": f"import os\nprint(sorted(os.listdir({str(REPO)!r})))",
    "solutions": f"open({str(REPO / 'nbgrader_config.py')!r}).read()",
    "home": "import os\nprint(os.listdir(os.path.expanduser('~root')))",
    "write_here": "open('answer.txt', 'w').write('mine')\nprint(open('answer.txt').read())",
    "link_here": f"import os\nos.symlink({str(REPO / 'solutions')!r}, 'solutions_link')\nprint(os.path.islink('solutions_link'))",
    "data_file": "print(open('data.txt').read())\nopen('data.txt', 'w').write('changed')",
    "socket_folder": ("import os\nfrom ipykernel import get_connection_file\n"
                      "open(os.path.join(os.path.dirname(get_connection_file()), 'fill'), 'w').write('x')"),
    "fill_tmp": ("written = 0\ntry:\n    for i in range(4):\n        with open(f'/tmp/fill{i}', 'wb') as f:\n"
                 "            f.write(bytes(90 * 2**20))\n        written += 90\n"
                 "finally:\n    print(written)"),
    "write_elsewhere": f"open({str(REPO / 'planted.txt')!r}, 'w').write('x')",
    "network": "import socket\nsocket.create_connection(('127.0.0.1', GRADER_PORT), timeout=3)",
    "environment": "import os\nprint(os.environ.get('GRADER_SECRET', 'absent'))",
    "memory": "block = bytearray(2 * 1024**3)",
    "processes": (
        "import subprocess\nchildren = []\n"
        "try:\n    for _ in range(100):\n        children.append(subprocess.Popen(['sleep', '30']))\n"
        "finally:\n    print(len(children))\n    [child.kill() for child in children]"
    ),
}


@pytest.fixture(scope="module")
def host_server():
    """A TCP server on the grader's loopback, which confined code must not reach."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    server.close()


@pytest.fixture(scope="module")
def outcomes(isolation, host_server, tmp_path_factory):
    """Run every probe in one confined kernel; {probe: (output text, error name)}."""
    port, _ = host_server
    workdir = tmp_path_factory.mktemp("submission")
    (workdir / "data.txt").write_text("shipped with the assignment")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(f"GRADER_PORT = {port}")]
    notebook.cells += [nbformat.v4.new_code_cell(code) for code in PROBES.values()]
    os.environ["GRADER_SECRET"] = "instructor-only"
    try:
        NotebookClient(
            notebook, timeout=60, allow_errors=True, kernel_manager_class=ConfinedKernelManager,
            resources={"metadata": {"path": str(workdir)}},
            config=Config({"ConfinedKernelManager": {"memory_mb": 1024, "processes": 32}}),
        ).execute()
    finally:
        del os.environ["GRADER_SECRET"]
    results = {}
    for name, cell in zip(PROBES, notebook.cells[1:]):
        text = "".join(output.get("text", "") for output in cell.outputs).strip()
        errors = [output["ename"] for output in cell.outputs if output["output_type"] == "error"]
        results[name] = (text, errors[0] if errors else None)
    return results, workdir


def test_works_in_its_own_folder_with_nnkit(outcomes):
    results, workdir = outcomes
    uid, cwd = results["who"][0].split()
    assert cwd == WORKDIR
    if os.geteuid() == 0:
        assert int(uid) >= SANDBOX_UIDS_FROM, "the kernel must run as an unprivileged user of its own, not as root"
    assert results["nnkit"] == ("13", None)
    assert results["write_here"] == ("mine", None)
    assert results["data_file"][0] == "shipped with the assignment" and results["data_file"][1] in {
        "OSError", "PermissionError"}, "the assignment's data files are shown read-only"


def test_leaves_nothing_in_the_notebooks_folder(outcomes):
    """What the student's code writes (a file, a link to solutions/) is never where the grader reads."""
    results, workdir = outcomes
    assert results["link_here"] == ("True", None)
    assert sorted(path.name for path in workdir.iterdir()) == ["data.txt"]
    assert (workdir / "data.txt").read_text() == "shipped with the assignment"


def test_cannot_write_into_the_folder_of_its_sockets(outcomes):
    """That folder is on the grader's disk: once the kernel has made its sockets, it is the grader's."""
    if os.geteuid() != 0:
        pytest.skip("the folder can be taken back from the kernel only when grading as root")
    results, _ = outcomes
    assert results["socket_folder"][1] == "PermissionError", results["socket_folder"]


def test_the_private_folders_have_a_size_limit(outcomes):
    results, _ = outcomes
    assert results["fill_tmp"][1] == "OSError" and int(results["fill_tmp"][0]) < 300


def test_cannot_read_the_course_or_the_instructor_home(outcomes):
    results, _ = outcomes
    # Only nnkit's source, and the Python environment when it lives in the course folder (.venv).
    visible = sorted(path.relative_to(REPO).parts[0] for path in readable_paths() if path.is_relative_to(REPO))
    assert results["course_folder"] == (str(visible), None), "only nnkit and Python may be visible in the course"
    assert results["solutions"][1] == "FileNotFoundError"
    assert ".ssh" not in results["home"][0] and ".bash_history" not in results["home"][0]


def test_cannot_write_outside_its_folder(outcomes):
    results, _ = outcomes
    assert results["write_elsewhere"][1] in {"PermissionError", "OSError", "FileNotFoundError"}
    assert not (REPO / "planted.txt").exists()


def test_has_no_network_and_no_grader_environment(outcomes, host_server):
    results, _ = outcomes
    _, accepted = host_server
    assert results["network"][1] in {"ConnectionRefusedError", "OSError", "TimeoutError"}, results["network"]
    assert not accepted, "confined code reached a server on the grader's machine"
    assert results["environment"] == ("absent", None)


def test_memory_and_processes_are_limited(outcomes):
    results, _ = outcomes
    assert results["memory"][1] == "MemoryError"
    started = int(results["processes"][0].splitlines()[0]) if results["processes"][0] else 0
    assert started < 32, f"{started} processes started under a limit of 32"
    assert results["processes"][1] in {"BlockingIOError", "OSError", "PermissionError"}


def test_nothing_is_left_running_after_the_kernel(outcomes):
    if os.geteuid() != 0:
        pytest.skip("the sandbox user's processes can only be told apart when grading as root")
    left = confined_processes()
    assert not left, f"processes of the sandbox user still running: {left}"


def test_the_command_line_reads_as_documented(tmp_path):
    command = confine(["python", "-c", "pass"], socket_dir=tmp_path, uid=SANDBOX_UIDS_FROM + 1)
    assert command[0] == "bwrap" and "--unshare-net" in command and "--die-with-parent" in command
    assert command[-3:] == ["python", "-c", "pass"]
    bound = {command[i + 1] for i, word in enumerate(command) if word in ("--bind", "--ro-bind")}
    assert str(REPO) not in bound, "the course folder itself must never be bound, only nnkit's source"
    assert str(REPO / "nnkit") in bound


def test_every_kernel_runs_as_a_user_of_its_own():
    """A limit on processes counts a user's processes: one student's kernel must not use up another's."""
    if os.geteuid() != 0:
        pytest.skip("users of their own are only given when grading as root (a user namespace otherwise)")
    from classgrader.sandbox import sandbox_uid

    uids = {sandbox_uid() for _ in range(3)}
    assert len(uids) == 3 and min(uids) >= SANDBOX_UIDS_FROM and max(uids) < 2**31
    command = confine(["python", "-c", "pass"], socket_dir=Path("/tmp"), uid=min(uids))
    assert f"--reuid={min(uids)}" in command
