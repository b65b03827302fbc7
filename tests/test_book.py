"""The course website builds from scratch, every chapter executes, and the student pages carry no solutions.

The site is built once per run (the `built_site` fixture in conftest.py) with warnings as errors.
"""

import html as html_lib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(built_site) -> Path:
    return built_site


def chapter_pages(site: Path) -> list[Path]:
    return sorted((site / "chapters").glob("*.html"))


def test_every_toc_entry_has_a_page(site):
    toc = (ROOT / "_toc.yml").read_text()
    files = re.findall(r"file:\s*(\S+)", toc)
    assert files, "the table of contents lists no files"
    for entry in files + ["intro"]:
        assert (site / f"{entry}.html").exists(), f"no page for {entry}"


def test_chapters_executed_without_errors(site):
    pages = chapter_pages(site)
    assert pages, "no chapter pages were built"
    for page in pages:
        html = page.read_text()
        assert "Traceback (most recent call last)" not in html, f"{page.name} shows a traceback"
        assert "highlight-ipythontb" not in html, f"{page.name} shows an error output"


def test_chapters_have_math_and_figures_with_alt_text(site):
    for page in chapter_pages(site):
        html = page.read_text()
        assert "\\(" in html or "\\[" in html or 'class="math' in html, f"{page.name} has no math"
        images = re.findall(r"<img [^>]*>", html)
        assert images, f"{page.name} has no figures"
        for tag in images:
            src = re.search(r'src="([^"]+)"', tag).group(1)
            assert src.startswith("data:") or (page.parent / src).exists(), f"{page.name}: missing image {src}"
            assert re.search(r'alt="[^"]+"', tag), f"{page.name}: image without alt text: {tag[:120]}"


def secret_lines() -> set[str]:
    """Lines that only ever appear inside solution or hidden-test regions of the source notebooks.

    A line such as `import numpy as np` that also appears in the open part of a notebook is not a
    secret, so it is left out.
    """
    hidden, public = set(), set()
    for notebook in (ROOT / "solutions").glob("*/*.ipynb"):
        for cell in json.loads(notebook.read_text())["cells"]:
            inside = False
            for line in "".join(cell["source"]).splitlines():
                if re.search(r"BEGIN (SOLUTION|HIDDEN TESTS)", line):
                    inside = True
                elif re.search(r"END (SOLUTION|HIDDEN TESTS)", line):
                    inside = False
                elif len(line.strip()) > 12:
                    (hidden if inside else public).add(line.strip())
    return hidden - public


def page_text(html: str) -> str:
    """What a reader sees: the page without tags (code is split into many spans), unescaped."""
    return html_lib.unescape(re.sub(r"<[^>]+>", "", html))


def test_exercise_pages_show_the_release_and_offer_a_download(site):
    hidden = secret_lines()
    assert hidden, "no solution lines found: the check below would prove nothing"
    pages = sorted((site / "exercises").rglob("*.html"))
    assert pages, "no exercise pages were built"
    for page in pages:
        html = page.read_text()
        assert "BEGIN SOLUTION" not in html and "BEGIN HIDDEN TESTS" not in html
        shown = {line.strip() for line in page_text(html).splitlines()}
        leaked = sorted(hidden & shown)
        assert not leaked, f"{page.name} shows solution or hidden-test lines: {leaked[:3]}"
        assert re.search(r'href="[^"]*\.ipynb"', html), f"{page.name} offers no .ipynb download"


def test_instructor_edition_adds_the_solutions(tmp_path_factory):
    """make book-instructor writes its own site, and that one does show the reference solutions."""
    out = tmp_path_factory.mktemp("instructor")
    result = subprocess.run(
        [sys.executable, str(ROOT / "web" / "instructor_book.py"), "--path-output", str(out)],
        capture_output=True, text=True, timeout=1800,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    pages = sorted((out / "_build" / "html" / "solutions").rglob("*.html"))
    assert pages, "the instructor's edition has no solution pages"
    shown = set()
    for page in pages:
        shown |= {line.strip() for line in page_text(page.read_text()).splitlines()}
    assert secret_lines() & shown, "the instructor's edition shows none of the solution lines"
