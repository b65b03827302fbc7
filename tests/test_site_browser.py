"""Every page of the student website, opened in a real headless Chromium with no network.

Checks, page by page: it loads without console errors or failed requests; no request leaves
the site; all math is typeset by MathJax, and no displayed equation is wider than the text
column of a laptop screen (it would be cut off behind a scroll bar); every image is present and has alt text; widgets are
drawn from their saved state; every internal link points at a file that exists. Then that the
offline search finds a word, and that the site ships exactly the MathJax and widget files its
pages load (web/offline_assets.py): none missing, none unused.
"""

from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.browser import chromium_browser, static_server

# Pages Sphinx makes for navigation only; search is checked on its own below.
SKIPPED_PAGES = {"genindex.html", "search.html"}


@pytest.fixture(scope="module")
def site_pages(built_site) -> list[str]:
    pages = [
        str(page.relative_to(built_site))
        for page in sorted(built_site.rglob("*.html"))
        if not page.relative_to(built_site).parts[0].startswith("_") and page.name not in SKIPPED_PAGES
    ]
    assert len(pages) >= 3, f"too few pages built: {pages}"
    return pages


@pytest.fixture(scope="module")
def browser_and_base(built_site):
    with chromium_browser() as browser, static_server(built_site) as base:
        yield browser, base


def open_page(browser, url: str, asked: dict[str, str] | None = None) -> tuple[object, dict[str, list[str]]]:
    """Open a page in a fresh context and record what goes wrong while it loads.

    ``asked``, if given, collects {file under _static/offline/: the first page that asked for it}.
    """
    context = browser.new_context()
    page = context.new_page()
    if asked is not None:
        record_offline_requests(page, urljoin(url, "/_static/offline/"), asked, url)
    problems: dict[str, list[str]] = {"console": [], "failed": [], "outside": []}
    base = urljoin(url, "/")
    page.on("console", lambda m: problems["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems["console"].append(str(e)))
    # A request aborted because the page moved on (a redirect) is not a failure.
    page.on(
        "requestfailed",
        lambda r: problems["failed"].append(f"{r.url} ({r.failure})") if "ERR_ABORTED" not in (r.failure or "") else None,
    )
    page.on("response", lambda r: problems["failed"].append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on(
        "request",
        lambda r: problems["outside"].append(r.url)
        if not r.url.startswith((base, "data:", "blob:"))
        else None,
    )
    page.goto(url, wait_until="networkidle")
    return page, problems


def wait_for_math(page) -> None:
    """Wait until MathJax has typeset every math element on the page."""
    count = page.locator(".math").count()
    if count:
        page.wait_for_function(
            "n => window.MathJax && MathJax.startup && MathJax.startup.promise &&"
            " document.querySelectorAll('.math mjx-container, mjx-container').length >= n",
            arg=count,
            timeout=20000,
        )


@pytest.fixture(scope="module")
def offline_requests() -> dict[str, str]:
    """What the pages opened by this module asked of _static/offline/ (see open_page)."""
    return {}


def record_offline_requests(page, prefix: str, asked: dict[str, str], name: str) -> None:
    page.on("request", lambda r: asked.setdefault(r.url.split("?")[0][len(prefix):], name)
            if r.url.startswith(prefix) else None)


def test_every_page_works_offline(browser_and_base, site_pages, built_site, offline_requests):
    browser, base = browser_and_base
    report = []
    for name in site_pages:
        page, problems = open_page(browser, urljoin(base, name), offline_requests)
        wait_for_math(page)
        # Collapsed cells opened, so that what they show is loaded (and recorded) too.
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        widgets = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
        if widgets:
            page.wait_for_selector(".jupyter-widgets", timeout=20000)
        page.wait_for_load_state("networkidle")
        raw_tex = page.evaluate("document.body.innerText.includes('\\\\(') || document.body.innerText.includes('$$')")
        # Pictures drawn inside a widget are its live view; the figure next to it carries the alt text.
        images = page.evaluate(
            "Array.from(document.images).map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0,"
            " i.alt || (i.closest('.jupyter-widgets') ? 'inside a widget' : '')])"
        )
        links = page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
        problems["raw TeX"] = ["the page shows untypeset math"] if raw_tex else []
        problems["too wide"] = wide_equations(page)
        problems["images"] = [
            f"{src[:60]}... (loaded={ok}, alt={alt!r})" for src, ok, alt in images if not ok or not alt
        ]
        problems["widgets"] = (
            [f"{widgets} widget views, none drawn"] if widgets and not page.locator(".jupyter-widgets").count() else []
        )
        problems["links"] = broken_internal_links(links, base, built_site)
        problems["live note"] = missing_live_notes(page, name, widgets)
        page.context.close()
        report += [f"{name}: {kind}: {item}" for kind, items in problems.items() for item in items]
    assert not report, "problems found in the site:\n" + "\n".join(report)


def wide_equations(page) -> list[str]:
    """Displayed equations wider than their column (1280 px window): break them into lines."""
    page.evaluate("window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    return page.evaluate(
        "Array.from(document.querySelectorAll('mjx-container[display=\"true\"]'))"
        ".filter(e => e.scrollWidth > e.clientWidth + 1)"
        ".map(e => `${e.scrollWidth} px in a ${e.clientWidth} px column: `"
        " + (e.querySelector('mjx-assistive-mml') || e).textContent.slice(0, 70))"
    )


def missing_live_notes(page, name: str, widgets: int) -> list[str]:
    """Each explorer must say it is live in JupyterLab and link to its chapter notebook there."""
    if not widgets:
        return []
    notes = page.locator(".live-explorer").count()
    lab_link = f"http://localhost:8888/lab/tree/chapters/{Path(name).stem}.ipynb"
    links = page.locator(f'.live-explorer a[href="{lab_link}"]').count()
    if notes < widgets or links < widgets:
        return [f"{widgets} explorers but {notes} 'live in JupyterLab' notes with {links} links to {lab_link}"]
    return []


def broken_internal_links(links: list[str], base: str, site: Path) -> list[str]:
    """Links into the site whose file does not exist."""
    broken = []
    for link in links:
        if not link.startswith(base):
            continue
        path = urlsplit(link).path.lstrip("/") or "index.html"
        target = site / path
        if target.is_dir():
            target = target / "index.html"
        if not target.exists():
            broken.append(link)
    return broken


def test_search_works_offline(browser_and_base):
    browser, base = browser_and_base
    page, problems = open_page(browser, urljoin(base, "search.html?q=sigmoid"))
    page.wait_for_selector("#search-results li", timeout=20000)
    assert page.locator("#search-results li").count() >= 1
    assert not problems["outside"], f"search made requests outside the site: {problems['outside']}"
    page.context.close()


# MathJax's menu settings as a reader who turns on its Interactive Explorer leaves them: the
# pages then load MathJax's speech and exploring code too, which the site must ship.
MATHJAX_EXPLORER_ON = "localStorage.setItem('MathJax-Menu-Settings', JSON.stringify({explorer: true}))"
# One page with math is enough for those (the explorer's work on every formula takes long).
EXPLORER_PAGE = "chapters/02_chain_rule.html"


def test_the_site_ships_exactly_the_files_its_pages_load(browser_and_base, site_pages, built_site, offline_requests):
    """What every page asked of _static/offline/ (collapsed cells opened, search, the index, MathJax's explorer on).

    The pages were recorded by test_every_page_works_offline; if it did not run, they are opened here.
    """
    from web.offline_assets import SHIPPED_FOLDERS, shipped_files

    browser, base = browser_and_base
    prefix = urljoin(base, "_static/offline/")
    requested = offline_requests
    others = ["genindex.html", "search.html?q=sigmoid"] + ([] if requested else site_pages)
    for name in [*others, EXPLORER_PAGE]:
        context = browser.new_context()
        if name == EXPLORER_PAGE:
            context.add_init_script(MATHJAX_EXPLORER_ON)
        page = context.new_page()
        record_offline_requests(page, prefix, requested, name)
        page.goto(urljoin(base, name), wait_until="networkidle")
        wait_for_math(page)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        page.wait_for_load_state("networkidle")
        context.close()
    shipped = shipped_files(built_site / "_static" / "offline")
    own = {"requirejs-config.js", "mathjax2-bridge.js"}
    missing = [f"{path} (asked for by {page})" for path, page in requested.items() if path not in shipped | own]
    assert not missing, "pages load files the site does not ship (add them to SHIPPED in web/offline_assets.py):\n" + "\n".join(missing)
    # Folders shipped whole (fonts: fetched only for the glyphs shown) are not expected to be loaded in full.
    whole = tuple(target + "/" for _, target in SHIPPED_FOLDERS)
    unused = sorted(path for path in shipped - set(requested) if not path.startswith(whole))
    assert not unused, f"the site ships files no page loads (remove them from SHIPPED in web/offline_assets.py): {unused}"
    assert any(path.startswith(whole) for path in requested), "no page loaded a MathJax font: is math typeset?"
    assert "mathjax/a11y/explorer.js" in requested, f"{EXPLORER_PAGE} did not load MathJax's explorer"
