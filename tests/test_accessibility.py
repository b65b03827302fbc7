"""The website for a reader who does not use a mouse or does not see well.

- every page passes axe-core's audit of WCAG 2.1 A and AA in Chromium: no violation rated
  serious or critical except the theme's, each named in tests/accessibility.py;
- every figure has alt text that says what it shows, every explorer's control has a label and
  every explorer's picture a description;
- the pages read in order with the keyboard: Tab goes through a page in reading order, the
  focused element is always visibly marked, and Tab leaves the page again (no trap).
"""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import ipywidgets
import pytest

from nnkit.widgets.picture import Picture
from tests.accessibility import THEME_EXCEPTIONS, excepted, serious_violations
from tests.browser import chromium_browser, static_server
from tests.test_site_browser import wait_for_math

# Words that say that there is a picture, not what it shows.
GENERIC_ALT = re.compile(r"^(figure|image|picture|plot|graph|chart|output|png|img)?\s*\d*$", re.IGNORECASE)
MIN_ALT_WORDS = 8


def every_page(site: Path) -> list[str]:
    """Every HTML page of the site a reader can open (Sphinx's own folders excepted), search with a query."""
    pages = [
        str(page.relative_to(site))
        for page in sorted(site.rglob("*.html"))
        if not page.relative_to(site).parts[0].startswith("_")
    ]
    return [name + "?q=sigmoid" if name == "search.html" else name for name in pages]


@pytest.fixture(scope="module")
def browser_and_base(built_site):
    with chromium_browser() as browser, static_server(built_site) as base:
        yield browser, base


def open_ready(browser, url: str):
    """A page opened in a fresh context, with its math typeset, widgets drawn and search done."""
    page = browser.new_context().new_page()
    page.goto(url, wait_until="networkidle")
    wait_for_math(page)
    if page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count():
        page.wait_for_selector(".jupyter-widgets", timeout=20000)
    if "search.html" in url:
        page.wait_for_selector("#search-results li", timeout=20000)
    page.wait_for_load_state("networkidle")
    return page


# --------------------------------------------------------------------------- the audit


def test_every_page_passes_the_accessibility_audit(browser_and_base, built_site):
    browser, base = browser_and_base
    pages = every_page(built_site)
    assert len(pages) >= 5, f"too few pages built: {pages}"
    failures, seen = [], []
    for name in pages:
        page = open_ready(browser, urljoin(base, name))
        found = serious_violations(page, name)
        page.context.close()
        seen += found
        failures += [violation.line() for violation in found if not excepted(violation)]
    assert not failures, "serious or critical WCAG 2.1 A/AA violations:\n" + "\n".join(failures)
    unused = [e for e in THEME_EXCEPTIONS if not any(excepted(v, [e]) for v in seen)]
    assert not unused, f"exceptions that no page needs any more (remove them): {unused}"


# --------------------------------------------------------------------------- figures and explorers


class ImageCollector(HTMLParser):
    """The alt attribute (or None) of every <img> in a page, outside widget views' saved state."""

    def __init__(self) -> None:
        super().__init__()
        self.alts: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            attributes = dict(attrs)
            self.alts.append((attributes.get("src") or "", attributes.get("alt")))


def alt_problem(src: str, alt: str | None) -> str | None:
    """Why an alt text does not say what a figure shows, or None if it does."""
    if alt is None or not alt.strip():
        return "no alt text"
    if GENERIC_ALT.match(alt.strip()) or Path(src).name in alt or re.search(r"\.(png|svg|jpe?g)\b", alt):
        return f"alt text {alt!r} names the file or says only that it is a figure"
    if len(alt.split()) < MIN_ALT_WORDS:
        return f"alt text {alt!r} is too short to say what the figure shows (at least {MIN_ALT_WORDS} words)"
    return None


def test_alt_problem_tells_a_description_from_a_label():
    assert alt_problem("a.png", None) == "no alt text"
    assert "names the file" in alt_problem("_images/a1b2.png", "Figure 3")
    assert "names the file" in alt_problem("_images/a1b2.png", "_images/a1b2.png")
    assert "too short" in alt_problem("a.png", "the sigmoid")
    assert alt_problem("a.png", "The sigmoid curve rising from 0 to 1, through 0.5 at z = 0.") is None


def test_every_figure_has_alt_text_that_says_what_it_shows(built_site):
    problems, count = [], 0
    for name in every_page(built_site):
        collector = ImageCollector()
        collector.feed((built_site / name.split("?")[0]).read_text(encoding="utf8"))
        for src, alt in collector.alts:
            count += 1
            problem = alt_problem(src, alt)
            if problem:
                problems.append(f"{name}: {src[:60]}: {problem}")
    assert count >= 10, f"only {count} figures found in the site"
    assert not problems, "figures without a description (set `mystnb: image: alt:` in the cell):\n" + "\n".join(problems)


def explorers() -> dict[str, ipywidgets.Widget]:
    """Every explorer of nnkit.widgets, built as the chapters build them."""
    from nnkit.widgets.backprop import backprop_stepper
    from nnkit.widgets.chain_rule import chain_rule_explorer, convexity_explorer
    from nnkit.widgets.depth import depth_explorer
    from nnkit.widgets.learning_rate import training_explorer
    from nnkit.widgets.linear_layer import linear_layer_explorer
    from nnkit.widgets.threshold import threshold_explorer

    builders = [threshold_explorer, chain_rule_explorer, convexity_explorer, linear_layer_explorer,
                backprop_stepper, training_explorer, depth_explorer]
    return {build.__name__: build() for build in builders}


def all_widgets(widget: ipywidgets.Widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from all_widgets(child)


def test_every_explorer_control_has_a_label_and_every_picture_a_description():
    import matplotlib.pyplot as plt

    problems = []
    for name, explorer in explorers().items():
        widgets = list(all_widgets(explorer))
        controls = [w for w in widgets if isinstance(w, (ipywidgets.widgets.widget_description.DescriptionWidget))]
        pictures = [w for w in widgets if isinstance(w, Picture)]
        assert controls and pictures, f"{name}: no controls or no picture found"
        problems += [f"{name}: a {type(w).__name__} without a label" for w in controls
                     if not isinstance(w, (ipywidgets.HTML, ipywidgets.Label)) and not w.description.strip()]
        problems += [f"{name}: a picture whose alt text is too short" for w in pictures if len(w.alt.split()) < MIN_ALT_WORDS]
        problems += [f"{name}: an Image widget (it has no alt text: use nnkit.widgets.picture)" for w in widgets
                     if isinstance(w, ipywidgets.Image)]
        problems += [f"{name}: an Output widget (its pictures have no alt text)" for w in widgets if isinstance(w, ipywidgets.Output)]
    plt.close("all")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- the keyboard

# The focused element, where it is in the document, and whether its focus can be seen.
FOCUS_INFO = """() => {
  const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) return null;
  const style = getComputedStyle(e);
  const box = e.getBoundingClientRect();
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return {
    position: Array.prototype.indexOf.call(document.getElementsByTagName('*'), e),
    what: `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${[...e.classList].slice(0, 2).join('.')}`
      + ` "${(e.getAttribute('aria-label') || e.textContent || '').trim().slice(0, 40)}"`,
    marked: outline || style.boxShadow !== 'none',
    shown: box.width > 0 && box.height > 0,
    href: e.getAttribute('href') || '',
  };
}"""
KEYBOARD_PAGES = ["intro.html", "chapters/01_forward_pass.html", "chapters/04_backpropagation.html"]


def tab_through(page, limit: int) -> tuple[list[dict], bool]:
    """Press Tab until focus leaves the page; returns the focused elements and whether it left."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUS_INFO)
        if info is None:
            return stops, True
        if stops and info["position"] == stops[0]["position"]:
            return stops, True
        stops.append(info)
    return stops, False


@pytest.mark.parametrize("name", KEYBOARD_PAGES)
def test_pages_read_in_order_with_the_keyboard(browser_and_base, built_site, name):
    browser, base = browser_and_base
    if not (built_site / name).exists():
        pytest.fail(f"{name} is not in the built site")
    page = open_ready(browser, urljoin(base, name))
    tabbable = page.evaluate(
        "document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]').length"
    )
    stops, left = tab_through(page, limit=tabbable + 10)
    page.context.close()
    assert left, f"{name}: focus did not leave the page after {len(stops)} presses of Tab (a trap?): last {stops[-3:]}"
    assert len(stops) >= 10, f"{name}: only {len(stops)} elements take the focus"
    assert stops[0]["href"] == "#main-content", f"{name}: the first Tab does not reach 'skip to main content': {stops[0]}"
    out_of_order = [f"{a['what']} then {b['what']}" for a, b in zip(stops, stops[1:]) if b["position"] <= a["position"]]
    assert not out_of_order, f"{name}: Tab jumps back against the reading order:\n" + "\n".join(out_of_order)
    unmarked = [stop["what"] for stop in stops if not stop["marked"] or not stop["shown"]]
    assert not unmarked, f"{name}: focused elements without a visible focus mark:\n" + "\n".join(unmarked)
