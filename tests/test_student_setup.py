"""A student who has only the website: set up from its page, download an exercise, press Validate.

Takes only the built website (a copy of the `built_site` folder, no checkout) and serves it on
127.0.0.1. In headless Chromium, as a student: open "Working on the exercises", download the
two files it offers (the nnkit wheel and the students' requirements) into ~/backprop of a home
folder of their own, run the page's Linux commands there (a fresh virtual environment; pip
reaches the package index, using pip's cache), download assignment 1 with its page's download
button, start JupyterLab with the page's last command, type one answer and press Validate: it
passes; then a wrong answer and Validate shows the helpful message. The screenshots of both
dialogs are kept in the test's temporary folder. Servers are stopped afterwards.
"""

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from sphinx.errors import ExtensionError

from tests import test_lab_browser as lab
from tests.browser import chromium_browser, free_port, jupyter_lab_server, static_server
from tests.notebooks import REPO, filled_release, reference_answers
from web import student_downloads

SETUP_PAGE = "working_on_exercises.html"
EXERCISE_PAGE = f"exercises/{lab.ASSIGNMENT}/forward_pass.html"
NOTEBOOK = "forward_pass.ipynb"
TOKEN = "student-test-token"


def code_block_after(page, heading: str) -> list[str]:
    """The lines of the first code block after the heading with this text, as the page shows them."""
    block = page.get_by_role("heading", name=heading, exact=True).locator("xpath=following::pre[1]")
    assert block.count(), f"the page has no code block under the heading {heading!r}"
    return [line for line in block.inner_text().splitlines() if line.strip()]


def student_environment(home: Path) -> dict[str, str]:
    """The environment of a student's terminal: their own home, no course environment on PATH.

    pip's cache stays where it is for this machine's user (a cold cache costs minutes).
    """
    course_bin = str(Path(sys.executable).parent)
    env = {key: value for key, value in os.environ.items() if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}}
    env["PATH"] = os.pathsep.join(part for part in env["PATH"].split(os.pathsep) if part != course_bin)
    env["PIP_CACHE_DIR"] = os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    env["HOME"] = str(home)
    return env


def download(page, click) -> tuple[str, bytes]:
    """Do what `click` clicks and return the downloaded file's name and bytes (from any new tab too)."""
    downloads = []

    def keep(item) -> None:
        downloads.append(item)

    page.context.on("page", lambda new_page: new_page.on("download", keep))
    page.on("download", keep)
    click()
    deadline = time.monotonic() + 30
    while not downloads and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert downloads, "clicking gave no download"
    item = downloads[0]
    return item.suggested_filename, Path(item.path()).read_bytes()


def test_student_sets_up_from_the_website_and_validates(built_site, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    home = tmp_path / "home"
    folder = home / "backprop"
    folder.mkdir(parents=True)
    env = student_environment(home)

    with chromium_browser() as browser, static_server(site) as base:
        page = browser.new_page(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        page.goto(base + SETUP_PAGE, wait_until="networkidle")
        setup_html = page.content()
        commands = code_block_after(page, "Linux and macOS")
        version = re.search(r"nnkit (\d+\.\d+\.\d+\S*)</strong>", setup_html)
        assert version, "the page does not show nnkit's version"
        wheel = f"nnkit-{version.group(1)}-py3-none-any.whl"
        for name in (wheel, "requirements-student.txt"):
            filename, data = download(page, lambda: page.get_by_role("link", name=name, exact=True).click())
            assert filename == name
            (folder / name).write_bytes(data)

        page.goto(base + EXERCISE_PAGE, wait_until="networkidle")
        assert page.get_by_role("link", name="Working on the exercises").count(), "no link to the setup page"
        page.get_by_role("button", name="Download this page").click()
        filename, data = download(page, lambda: page.get_by_role("link", name=".ipynb").click())
        assert filename == NOTEBOOK
        (folder / NOTEBOOK).write_bytes(data)

    assert commands[0] == "cd ~/backprop" and commands[-1] == "backprop-env/bin/jupyter lab", commands
    started = time.monotonic()
    result = subprocess.run(["bash", "-e", "-c", "\n".join(commands[:-1])], env=env, cwd=home,
                            capture_output=True, text=True, timeout=900)
    install_seconds = time.monotonic() - started
    assert result.returncode == 0, f"the page's commands failed:\n{(result.stdout + result.stderr)[-4000:]}"
    print(f"fresh environment from the page's commands: {install_seconds:.0f} s")
    check_environment(folder, env)

    # The student has done every other question already; the reference answers stand in for them.
    answers = reference_answers(REPO / "solutions" / lab.ASSIGNMENT / NOTEBOOK)
    answers.pop(lab.QUESTION)
    nbformat.write(filled_release(folder / NOTEBOOK, answers), folder / NOTEBOOK)

    with jupyter_lab(shlex.split(commands[-1]), folder, env) as url, chromium_browser() as browser:
        page = lab.open_notebook(browser, url)
        lab.type_answer(page, lab.RIGHT_ANSWER)
        lab.run_all_cells(page)
        passed = lab.validate(page, tmp_path / "student-validate-right.png")
        assert "Success! Your notebook passes all the tests." in passed, passed

        lab.type_answer(page, lab.WRONG_ANSWER)
        lab.run_all_cells(page)
        failed = lab.validate(page, tmp_path / "student-validate-wrong.png")
        assert "The following cell failed" in failed, failed
        assert "wrong way round" in failed, f"the helpful message is missing:\n{failed}"


def check_environment(folder: Path, env: dict[str, str]) -> None:
    """The new environment has the pinned versions, and nnkit from the wheel with all its modules."""
    python = folder / "backprop-env" / "bin" / "python"
    freeze = subprocess.run([str(python), "-m", "pip", "freeze"], env=env, capture_output=True, text=True).stdout
    installed = {line.lower() for line in freeze.splitlines()}
    pins = [line for line in (folder / "requirements-student.txt").read_text().splitlines() if "==" in line and not line.startswith("#")]
    assert pins, "the requirements file pins nothing"
    assert not [pin for pin in pins if pin.lower() not in installed], f"not installed as pinned: {pins}\n{freeze}"
    modules = sorted(
        ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for path in (REPO / "nnkit").rglob("*.py")
    )
    script = f"import importlib, nnkit; [importlib.import_module(m) for m in {modules!r}]; print(nnkit.__file__)"
    result = subprocess.run([str(python), "-c", script], env=env, cwd=folder, capture_output=True, text=True)
    assert result.returncode == 0, f"nnkit from the wheel misses something:\n{result.stderr[-3000:]}"
    assert result.stdout.strip().startswith(str(folder / "backprop-env")), f"nnkit comes from {result.stdout}"


@contextlib.contextmanager
def jupyter_lab(command: list[str], folder: Path, env: dict[str, str]) -> Iterator[str]:
    """JupyterLab started with the page's command (plus a port and a token) in the student's folder.

    Yields the URL of the notebook in it; the server is stopped afterwards.
    """
    port = free_port()
    command = command + [
        "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        f"--IdentityProvider.token={TOKEN}", "--LabApp.news_url=",
    ] + (["--allow-root"] if os.geteuid() == 0 else [])
    with jupyter_lab_server(command, folder, env, port, TOKEN, folder.parent / "lab.log"):
        yield f"http://127.0.0.1:{port}/lab/tree/{NOTEBOOK}?token={TOKEN}"


def test_students_requirements_are_the_course_pins():
    """Every line of the students' file is a pin of requirements.txt, and nnkit is not among them."""
    requirements = (REPO / "requirements.txt").read_text().splitlines()
    pins = student_downloads.student_downloads().pins.splitlines()
    assert pins, "the students' requirements pin nothing"
    assert all(pin in requirements for pin in pins), f"not pinned like this in requirements.txt: {pins}"
    # nnkit comes from the site's wheel: a name looked up on the index could be someone else's package.
    assert not [pin for pin in pins if pin.lower().startswith("nnkit")]
    for instructors_only in ("jupyter-book", "pytest", "playwright", "psycopg2-binary", "nh3"):
        assert not [pin for pin in pins if pin.startswith(instructors_only + "==")], instructors_only


def small_course(root: Path, students: str, requirements: str, imports: str = "import numpy") -> Path:
    """A course folder with just what the extension reads."""
    (root / "web").mkdir(parents=True)
    (root / "exercises" / "a1").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "nnkit"\nversion = "1.2.3"\ndependencies = ["numpy"]\n')
    (root / "requirements.txt").write_text(requirements)
    (root / "web" / "student_packages.txt").write_text(students)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"%matplotlib inline\n{imports}")])
    nbformat.write(notebook, root / "exercises" / "a1" / "a1.ipynb")
    return root


def test_the_build_refuses_students_packages_that_disagree(tmp_path):
    good = student_downloads.student_downloads(small_course(tmp_path / "good", "numpy\n", "numpy==2.4.6\n"))
    assert good.wheel == "nnkit-1.2.3-py3-none-any.whl" and good.pins == "numpy==2.4.6"
    cases = {
        "unpinned": (small_course(tmp_path / "a", "numpy\n", "numpy>=2\n"), "numpy, which requirements.txt does not pin"),
        "nnkit's dependency": (small_course(tmp_path / "b", "scipy\n", "scipy==1.0\n"), "nnkit depends on numpy"),
        "an exercise's import": (
            small_course(tmp_path / "c", "numpy\n", "numpy==2.4.6\n", "from sklearn.datasets import load_digits"),
            "the exercises import sklearn (scikit-learn)",
        ),
    }
    for case, (root, message) in cases.items():
        with pytest.raises(ExtensionError, match=re.escape(message)):
            student_downloads.student_downloads(root)
