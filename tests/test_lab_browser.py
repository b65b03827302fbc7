"""A student in JupyterLab: type an answer, run the notebook, press nbgrader's Validate.

Starts JupyterLab 4 (with nbgrader's Lab extensions, as `make lab` does) on 127.0.0.1 with a
token, in a temporary folder holding assignment 1 completed except for one question. In
headless Chromium: type a correct answer into that question's cell, run all cells, press
Validate and see it pass; then type a wrong answer and see the failing test's helpful message.
The server is stopped afterwards.
"""

import os
import sys
from pathlib import Path

import nbformat
import pytest

from tests.browser import chromium_browser, free_port, jupyter_lab_server
from tests.notebooks import REPO, filled_release, reference_answers

ASSIGNMENT = "a1_forward_pass"
QUESTION = "p5_hidden_layer"
TOKEN = "course-test-token"
RIGHT_ANSWER = "def hidden_layer(X, Wh, bh):\n    Z = X @ Wh.T + bh\n    return 1.0 / (1.0 + np.exp(-Z))\n"
WRONG_ANSWER = "def hidden_layer(X, Wh, bh):\n    Z = X @ Wh + bh\n    return 1.0 / (1.0 + np.exp(-Z))\n"


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory):
    """JupyterLab serving a notebook with every answer but QUESTION filled in; yields its URL."""
    folder = tmp_path_factory.mktemp("student")
    answers = reference_answers(REPO / "solutions" / ASSIGNMENT / "forward_pass.ipynb")
    answers.pop(QUESTION)
    notebook = filled_release(REPO / "exercises" / ASSIGNMENT / "forward_pass.ipynb", answers)
    nbformat.write(notebook, folder / "forward_pass.ipynb")
    port = free_port()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(folder / ".runtime"))
    command = [
        str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={folder}", "--LabApp.news_url=",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    with jupyter_lab_server(command, folder, env, port, TOKEN, folder / "lab.log"):
        yield f"http://127.0.0.1:{port}/lab/tree/forward_pass.ipynb?token={TOKEN}"


def type_answer(page, code: str) -> None:
    """Replace the code of QUESTION's answer cell, as typed by the student."""
    cell = page.locator(".jp-CodeCell").filter(has_text="def hidden_layer(X, Wh, bh):")
    cell.scroll_into_view_if_needed()
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)


def run_all_cells(page) -> None:
    page.get_by_text("Run", exact=True).first.click()
    page.get_by_text("Run All Cells", exact=True).click()
    page.wait_for_timeout(500)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120000)


def validate(page, screenshot: Path) -> str:
    """Press nbgrader's Validate button; return the text of its result dialog, then close it.

    The dialog is saved as a picture (in the test's temporary folder) for a person to look at.
    """
    page.get_by_role("button", name="Validate").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=60000)
    page.wait_for_function(
        "() => { const d = document.querySelector('.jp-Dialog'); return d && !/Validating/.test(d.innerText); }",
        timeout=180000,
    )
    text = dialog.inner_text()
    page.screenshot(path=screenshot)
    dialog.get_by_role("button").last.click()
    dialog.wait_for(state="detached")
    return text


def open_notebook(browser, url: str):
    """A page with the notebook at ``url`` open in JupyterLab, its kernel idle, the news prompt declined."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(url)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90000)
    news = page.get_by_role("button", name="No", exact=True)
    if news.count():
        news.click()
    return page


def test_student_validates_right_then_wrong_answer(lab_url, tmp_path):
    with chromium_browser() as browser:
        page = open_notebook(browser, lab_url)

        type_answer(page, RIGHT_ANSWER)
        run_all_cells(page)
        passed = validate(page, tmp_path / "validate-right-answer.png")
        assert "Success! Your notebook passes all the tests." in passed, passed

        type_answer(page, WRONG_ANSWER)
        run_all_cells(page)
        failed = validate(page, tmp_path / "validate-wrong-answer.png")
        assert "The following cell failed" in failed, failed
        assert "hidden_layer(X_small, Wh_small, bh_small)" in failed, failed
        assert "wrong way round" in failed, f"the helpful message is missing:\n{failed}"
