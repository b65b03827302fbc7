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
        # An <img> inside a <script> (the saved state of a widget, JSON-escaped) is not on the page.
        images = re.findall(r"<img [^>]*>", re.sub(r"<script\b.*?</script>", "", html, flags=re.S))
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


# Each claim of issue 13 that a chapter now checks, and a line its executed check prints.
CLAIM_OUTPUTS = {
    "chapters/02_chain_rule.html": ["J''(-5) = -0.01294 &lt; 0"],                    # 1: not convex
    "chapters/03_tensor_gradients.html": ["dJ/dW^O = [[-0.03962, 0.0]]"],            # 2: the example is back
    "chapters/04_backpropagation.html": [
        "forward 89,600 multiply-adds, backward 102,400: ratio 1.14",                 # 5: the count
        "backward / forward, counted: 1.50",
        "J: 0.9867 -&gt; 0.7131",                                                     # 8: the step
    ],
    "chapters/05_training.html": ["trained: y_hat = 0.9330, class 1",                 # 2: trained
                                  "both objectives pass 20 chord tests in the weights"],  # 6: convex in weights
    "appendix/notation.html": ["the shapes and index conventions of the notation tables hold in nnkit"],
}


@pytest.mark.parametrize("page", sorted(CLAIM_OUTPUTS))
def test_the_mended_claims_are_checked_on_their_pages(site, page):
    html = (site / page).read_text()
    for line in CLAIM_OUTPUTS[page]:
        assert line in html, f"{page} does not show the output of its check: {line!r}"


def test_notation_and_bibliography_pages_are_linked_from_the_front_page(site):
    front = (site / "intro.html").read_text()
    assert 'href="appendix/notation.html"' in front and 'href="appendix/bibliography.html"' in front
    bibliography = page_text((site / "appendix/bibliography.html").read_text())
    assert "Introduction to Machine Learning: Neural Network Notes with Solved Problems" in bibliography
