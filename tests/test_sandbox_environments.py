"""Grading with a Python environment that lives elsewhere (issue #12): `make grade PYTHON=/env/bin/python`
where that environment has nnkit and classgrader installed editable from another folder.

Real environments, made in temporary folders: a copy of the project (nnkit/, classgrader/,
pyproject.toml, and beside them a solutions/ folder and a file, as in a course folder) installed
editable, with pip, into a new virtual environment whose third-party packages (numpy, nbgrader, ...)
are this one's, through a .pth file. Nothing is downloaded. The grading process runs from the
course folder, as `make grade` runs it: it imports this tree's classgrader, while the confined kernel
imports what the environment installed. Every confined run is a real bubblewrap sandbox.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy
import pytest

from classgrader.demo import make_demo_class
from classgrader.sandbox import KERNEL_IMPORTS
from tests.notebooks import REPO

BASE_PYTHON = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
THIRD_PARTY = Path(numpy.__file__).resolve().parents[1]  # this environment's site-packages
PROJECT_FILES = ("nnkit", "classgrader", "pyproject.toml", "README.md")

# Run in the grading process: a command confined as a kernel is; prints [exit status, stdout, stderr].
CONFINED = """
import json, sys
from classgrader import sandbox
{before}
result = sandbox.run_confined([sys.executable, "-c", *sys.argv[1:]])
print(json.dumps([result.returncode, result.stdout, result.stderr]))
"""
# readable_paths() as it was before issue #12: the prefixes and nnkit's and classgrader's folders as
# the grading process sees them.
BEFORE_THE_FIX = """
from pathlib import Path
import nnkit
sandbox.readable_paths = lambda: sorted({Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(),
                                         Path(nnkit.__file__).resolve().parent,
                                         Path(sandbox.__file__).resolve().parent})
"""
MISSING = "from classgrader.sandbox import missing_isolation; print(missing_isolation())"
KERNEL = (f"import {KERNEL_IMPORTS}, json\n"
          "print(json.dumps([nnkit.__file__, classgrader.agent.__file__, numpy.__file__]))")
# Confined: what of the project's folder can be read, besides its packages.
PEEK = """
import json, os, sys
def attempt(action):
    try:
        return action()
    except OSError as error:
        return type(error).__name__
root = sys.argv[1]
print(json.dumps({"root": attempt(lambda: sorted(os.listdir(root))),
                  "beside": attempt(lambda: open(os.path.join(root, "notes.txt")).read()),
                  "solutions": attempt(lambda: os.listdir(os.path.join(root, "solutions")))}))
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project's packages and pyproject.toml, with a course's private files beside them."""
    folder = tmp_path_factory.mktemp("elsewhere") / "project"
    folder.mkdir()
    for name in PROJECT_FILES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(REPO / name, folder / name)
    (folder / "solutions").mkdir()
    (folder / "solutions" / "answers.txt").write_text("the reference solutions")
    (folder / "notes.txt").write_text("the instructor's notes")
    return folder


def new_environment(folder: Path, *pth_lines: Path) -> Path:
    """A virtual environment without pip of its own whose .pth file adds `pth_lines` to sys.path; its python.

    It gets the one script of a third-party package that grading runs by name (nbgrader runs alembic).
    """
    subprocess.run([str(BASE_PYTHON), "-m", "venv", "--without-pip", str(folder)], check=True)
    site_packages = next(folder.glob("lib/python*/site-packages"))
    (site_packages / "course-deps.pth").write_text("".join(f"{line}\n" for line in pth_lines))
    python, alembic = folder / "bin" / "python", folder / "bin" / "alembic"
    alembic.write_text(f"#!{python}\nimport sys\nfrom alembic.config import main\nsys.exit(main())\n")
    alembic.chmod(0o755)
    return python


def install_editable(python: Path, project: Path, *options: str) -> None:
    """pip install -e `project` into `python`'s environment, offline, with this environment's setuptools."""
    result = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                             "--no-index", *options, "-e", str(project)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def environments(project, tmp_path_factory) -> dict[str, Path]:
    """{kind: python}: the project installed editable by setuptools' finder (PEP 660, the default)
    and by a .pth file listing the project's root (setuptools' compat mode, as older installs did)."""
    folder = tmp_path_factory.mktemp("environments")
    pythons = {}
    for kind, options in {"finder": (), "root on sys.path": ("--config-settings", "editable_mode=compat")}.items():
        pythons[kind] = new_environment(folder / kind.replace(" ", "-"), THIRD_PARTY)
        install_editable(pythons[kind], project, *options)
    return pythons


def in_grader(python: Path, code: str, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """Run `code` with `python` from `cwd` (by default the course folder, as make grade does)."""
    return subprocess.run([str(python), "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def confined(python: Path, code: str, *args: str, before: str = "") -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `code` run confined by the grading process of `python`."""
    result = in_grader(python, CONFINED.format(before=before), code, *args)
    assert result.returncode == 0, result.stderr[-3000:]
    return tuple(json.loads(result.stdout.splitlines()[-1]))


def test_before_the_fix_the_confined_kernel_could_not_import(isolation, environments):
    """The grading process imports the course folder's nnkit; the kernel, the environment's: not bound."""
    for python in environments.values():
        grader = in_grader(python, "import nnkit; print(nnkit.__file__)")
        assert grader.stdout.strip() == str(REPO / "nnkit" / "__init__.py"), grader.stderr[-2000:]
        status, _, stderr = confined(python, KERNEL, before=BEFORE_THE_FIX)
        assert status != 0 and "ModuleNotFoundError" in stderr, stderr[-2000:]


@pytest.mark.parametrize("kind", ["finder", "root on sys.path"])
def test_the_kernel_imports_what_the_environment_installed(isolation, environments, project, kind):
    python = environments[kind]
    status, stdout, stderr = confined(python, KERNEL)
    assert status == 0, stderr[-2000:]
    nnkit_file, agent_file, numpy_file = map(Path, json.loads(stdout))
    assert nnkit_file == project / "nnkit" / "__init__.py" and agent_file == project / "classgrader" / "agent.py"
    assert numpy_file.is_relative_to(THIRD_PARTY)
    check = in_grader(python, MISSING)
    assert check.stdout.strip() == "None", check.stdout + check.stderr[-2000:]


@pytest.mark.parametrize("kind", ["finder", "root on sys.path"])
def test_only_the_package_folders_are_shown_not_the_project(isolation, environments, project, kind):
    """The project's packages are readable; its solutions/ and a file beside the packages are not."""
    python = environments[kind]
    shown = in_grader(python, "from classgrader.sandbox import readable_paths; print(*readable_paths(), sep='\\n')")
    prefixes = {Path(sys.base_prefix).resolve(), python.parents[1]}
    assert set(map(Path, shown.stdout.split())) == prefixes | {project / "nnkit", project / "classgrader", THIRD_PARTY}
    status, stdout, stderr = confined(python, PEEK, str(project))
    assert status == 0, stderr[-2000:]
    assert json.loads(stdout) == {"root": ["classgrader", "nnkit"], "beside": "FileNotFoundError",
                                  "solutions": "FileNotFoundError"}


def test_a_course_folder_on_sys_path_is_not_shown_and_the_message_names_the_import(isolation, project, tmp_path):
    """A .pth file listing the project's root without an install (as `conda develop` does): the root
    holds solutions/, so it is not shown, and the message says which import failed and what was lacking."""
    python = new_environment(tmp_path / "env", THIRD_PARTY, project)
    result = in_grader(python, MISSING, cwd=tmp_path)
    message = result.stdout.strip()
    assert f"cannot import {KERNEL_IMPORTS}: ModuleNotFoundError: No module named 'nnkit'" in message, result
    assert f"(here it is {project / 'nnkit'})" in message and "namespaces" not in message
    assert str(project) not in message.replace(str(project / "nnkit"), "")


def test_namespaces_that_cannot_be_set_up_are_named(tmp_path):
    """Without CAP_SYS_ADMIN (a container's default for root) bubblewrap cannot make its namespaces."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None or shutil.which("bwrap") is None:
        pytest.skip("a root without CAP_SYS_ADMIN is made with setpriv, as root")
    result = subprocess.run(["setpriv", "--bounding-set=-sys_admin", "--", sys.executable, "-c", MISSING],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    message = result.stdout.strip()
    assert message.startswith("bubblewrap cannot set up namespaces here (bwrap: "), result
    assert "CAP_SYS_ADMIN" in message and "UNSAFE=1" in message and "import" not in message


def test_make_grade_grades_with_the_environment(isolation, environments, tmp_path):
    """make grade PYTHON=<the environment's python>: a correct submission gets every autograded point."""
    course = tmp_path / "course"
    make_demo_class("a1_forward_pass", course, kinds=["correct"])
    result = subprocess.run(["make", "--no-print-directory", "-C", str(REPO), "grade", "ASSIGNMENT=a1_forward_pass",
                             f"COURSE={course}", f"PYTHON={environments['finder']}", "TIMEOUT=10"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    grades = (course / "reports" / "a1_forward_pass" / "grades.csv").read_text().splitlines()
    assert grades[1].split(",")[3] == "correct" and float(grades[1].split(",")[7]) == 34.0, grades
