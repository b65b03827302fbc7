"""Hostile feedback pages, opened in a real headless Chromium (Debian's, with no network).

The student's content tries to run script (setting document.title and window.pwned, writing to
the page, logging to the console), to ask the server for things, and to cover the page with a
banner. On the page as the exporter writes it none of it happens, and the browser is not even
asked to refuse anything. Then, as if the sanitiser had missed something, the same attacks are
put into the page after it was written: its Content-Security-Policy stops them.
"""

import pytest

from tests.browser import chromium_browser, static_server
from tests.test_feedback import answer_cell, failing, feedback_page, grading_cell, hostile_notebook, notebook_of

VIEWPORT = {"width": 1200, "height": 800}
# Where the page is probed for what is on top: a grid over the viewport.
POINTS = [(x, y) for x in (5, 150, 400, 600, 800, 1050, 1195) for y in (5, 100, 300, 500, 700, 795)]

# Every element inside the notebook's cells whose computed position is not static.
POSITIONED = """() => [...document.querySelectorAll('#notebook-container *')]
    .filter(element => getComputedStyle(element).position !== 'static')
    .map(element => element.outerHTML.slice(0, 120))"""

# The points where the element on top is the student's content outside its own cell.
ESCAPED = """points => points.flatMap(([x, y]) => {
    const element = document.elementFromPoint(x, y);
    const content = element && element.closest('.output_subarea, .text_cell_render, .rendered_html');
    if (!content) return [];
    const cell = content.closest('.cell') && content.closest('.cell').getBoundingClientRect();
    const inside = cell && cell.left <= x && x <= cell.right && cell.top <= y && y <= cell.bottom;
    return inside ? [] : [`(${x}, ${y}): ${element.outerHTML.slice(0, 120)}`];
})"""

SCRIPT_RAN = """() => ({title: document.title, pwned: window.pwned !== undefined,
                      written: document.getElementById('pwned-dom') !== null})"""


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as browser:
        yield browser


def open_page(browser, url: str) -> tuple[object, dict[str, list[str]]]:
    """Open a page in a fresh context; record its requests, what the console says, and script errors."""
    page = browser.new_context(viewport=VIEWPORT).new_page()
    seen: dict[str, list[str]] = {"requests": [], "answered": [], "console": []}
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.on("response", lambda response: seen["answered"].append(response.url))
    page.on("console", lambda message: seen["console"].append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: seen["console"].append(f"error: {error}"))
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(300)  # time for anything the page might start after loading
    return page, seen


def covering(page) -> list[str]:
    """What of the student's content is positioned, or on top of the page outside its cell,
    at the top, the middle and the bottom of the page."""
    found = page.evaluate(POSITIONED)
    height = page.evaluate("document.documentElement.scrollHeight")
    for top in (0, height // 2, height):
        page.evaluate(f"window.scrollTo(0, {top})")
        found += page.evaluate(ESCAPED, POINTS)
    return found


def hostile_page(leak: str) -> str:
    notebook = hostile_notebook(leak)
    notebook.cells.insert(3, grading_cell(outputs=failing(lambda X: X * 3.0)))
    return feedback_page(notebook)


def test_nothing_of_the_students_runs_asks_or_covers_the_page(browser, tmp_path):
    with static_server(tmp_path) as base:
        (tmp_path / "forward_pass.html").write_text(hostile_page(f"{base}leak"))
        page, seen = open_page(browser, f"{base}forward_pass.html")
        assert page.evaluate(SCRIPT_RAN) == {"title": "forward_pass", "pwned": False, "written": False}
        assert seen["requests"] == [f"{base}forward_pass.html"]
        assert seen["console"] == []  # no script ran, and the browser had nothing to refuse
        assert covering(page) == []
        # The page still looks as nbgrader's feedback does: its styles apply, code is highlighted.
        assert page.evaluate("getComputedStyle(document.body).fontSize") == "14px"
        assert page.evaluate("getComputedStyle(document.querySelector('.panel-primary > .panel-heading'))"
                             ".backgroundColor") == "rgb(51, 122, 183)"
        assert page.evaluate("getComputedStyle(document.querySelector('.highlight .kn')).color") != "rgb(0, 0, 0)"
        assert page.get_by_text("This looks like a common mistake: the bias is missing").is_visible()


def test_the_content_security_policy_stops_what_the_sanitiser_might_miss(browser, tmp_path):
    with static_server(tmp_path) as base:
        leak = f"{base}leak"
        missed = (f"<script>document.title = 'pwned'; window.pwned = true; console.log('pwned');"
                  f"fetch('{leak}/fetch')</script>"
                  f"<img src='{leak}/picture.png' onerror=\"window.pwned = true\">"
                  f"<link rel='stylesheet' href='{leak}/style.css'><style>body {{ display: none }}</style>"
                  f"<iframe src='{leak}/frame'></iframe>"
                  f"<div style='position:fixed;top:0;left:0;width:100%;height:100%;background:white;z-index:9'>"
                  "Score: 34 / 34</div>")
        page_html = feedback_page(hostile_notebook(leak)).replace("<h1", f"{missed}<h1", 1)
        (tmp_path / "forward_pass.html").write_text(page_html)
        page, seen = open_page(browser, f"{base}forward_pass.html")
        assert page.evaluate(SCRIPT_RAN) == {"title": "forward_pass", "pwned": False, "written": False}
        assert seen["answered"] == [f"{base}forward_pass.html"]  # asked for, and refused by the browser
        assert not any("pwned" in line for line in seen["console"] if line.startswith("log"))
        assert page.evaluate("getComputedStyle(document.body).display") != "none"
        banner = page.get_by_text("Score: 34 / 34", exact=True).first
        assert banner.evaluate("element => getComputedStyle(element).position") == "static"


def test_an_honest_students_page_is_quiet(browser, tmp_path):
    with static_server(tmp_path) as base:
        notebook = notebook_of(answer_cell(), grading_cell(outputs=failing(lambda X: X.T)))
        (tmp_path / "forward_pass.html").write_text(feedback_page(notebook))
        page, seen = open_page(browser, f"{base}forward_pass.html")
        assert seen["requests"] == [f"{base}forward_pass.html"] and seen["console"] == []
        assert page.get_by_text("should have shape (1, 2), but it has shape (2, 1)").is_visible()
