"""Sphinx extension: serve the website's JavaScript from the site itself, so it works offline.

Jupyter Book's defaults load MathJax, RequireJS and the ipywidgets renderer from CDNs; with no
network the math shows as raw TeX and the widgets never appear. This extension copies those
libraries from the npm packages pinned in web/package.json (installed by `make book` into
web/node_modules) into the built site's _static/offline/. _config.yml points the pages at them
(`mathjax_path`, `nb_ipywidgets_js`).

Only the files the pages load are copied (SHIPPED: 37 files, 6.3 MB; the whole packages made
129 files, 36 MB). They were found by recording Chromium's requests over every page of the site;
tests/test_site_browser.py records them again and fails if a page asks for a file that is not
shipped, or if a shipped file is never asked for.
"""

import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

WEB = Path(__file__).resolve().parent
NODE_MODULES = WEB / "node_modules"

MATHJAX_FONTS = "mathjax/es5/output/chtml/fonts/woff-v2"
# What the pages load: (file in node_modules, where it goes under _static/offline).
SHIPPED = [
    # MathJax 3: TeX input, HTML output, its menu and the hidden MathML that screen readers read.
    ("mathjax/es5/tex-chtml.js", "mathjax/tex-chtml.js"),
    # TeX extensions MathJax's autoload fetches when a page uses their macros (\boldsymbol).
    ("mathjax/es5/input/tex/extensions/boldsymbol.js", "mathjax/input/tex/extensions/boldsymbol.js"),
    # What MathJax's menu loads when a reader turns on Accessibility > Interactive Explorer
    # (speech and a keyboard walk through each formula), in English.
    ("mathjax/es5/input/mml.js", "mathjax/input/mml.js"),
    ("mathjax/es5/a11y/sre.js", "mathjax/a11y/sre.js"),
    ("mathjax/es5/a11y/semantic-enrich.js", "mathjax/a11y/semantic-enrich.js"),
    ("mathjax/es5/a11y/explorer.js", "mathjax/a11y/explorer.js"),
    ("mathjax/es5/sre/mathmaps/base.json", "mathjax/sre/mathmaps/base.json"),
    ("mathjax/es5/sre/mathmaps/en.json", "mathjax/sre/mathmaps/en.json"),
    # The widget renderer (one bundle) and the Font Awesome face its sliders and buttons use.
    ("@jupyter-widgets/html-manager/dist/embed-amd.js", "@jupyter-widgets/html-manager/dist/embed-amd.js"),
    ("@jupyter-widgets/html-manager/dist/1551f4f60c37af51121f.woff2",
     "@jupyter-widgets/html-manager/dist/1551f4f60c37af51121f.woff2"),
    ("requirejs/require.js", "require.js"),
]
# MathJax's fonts are all shipped (400 kB): the browser fetches a font only when a glyph of it
# is shown, which depends on what the reader opens (a collapsed cell, a dropdown) and the window.
SHIPPED_FOLDERS = [(MATHJAX_FONTS, "mathjax/output/chtml/fonts/woff-v2")]
# Our own small scripts that make those libraries work from the site (see each file).
OWN_SCRIPTS = ["requirejs-config.js", "mathjax2-bridge.js"]


def check_assets_installed(app: Sphinx, config: object) -> None:
    """Fail early, with the fix, if the npm packages are not installed."""
    sources = [source for source, _ in SHIPPED + SHIPPED_FOLDERS]
    missing = [source for source in sources if not (NODE_MODULES / source).exists()]
    if missing:
        raise ExtensionError(
            f"the website's JavaScript is not installed (missing in {NODE_MODULES}: {', '.join(missing)}). "
            "Run `make book`, which installs it, or `npm ci --prefix web`."
        )


def stamp_text() -> str:
    """What the copied libraries depend on: the pinned versions and the list of shipped files."""
    return (WEB / "package-lock.json").read_text() + repr(SHIPPED + SHIPPED_FOLDERS)


def copy_assets(app: Sphinx, exception: Exception | None) -> None:
    """After a successful HTML build, copy the libraries into _static/offline/."""
    if exception is not None or app.builder.format != "html":
        return
    offline = Path(app.outdir) / "_static" / "offline"
    # Copy the libraries again only when the pinned versions or the list changed, and then
    # start from an empty folder, so that nothing from an earlier list stays behind.
    stamp, expected = offline / ".shipped", stamp_text()
    copies = [(WEB / script, script) for script in OWN_SCRIPTS]
    if not stamp.exists() or stamp.read_text() != expected:
        shutil.rmtree(offline, ignore_errors=True)
        copies += [(NODE_MODULES / source, target) for source, target in SHIPPED + SHIPPED_FOLDERS]
    for source_path, target in copies:
        target_path = offline / target
        if source_path.is_dir():
            shutil.copytree(source_path, target_path, dirs_exist_ok=True)
        else:
            target_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source_path, target_path)
    stamp.write_text(expected)


def shipped_files(offline: Path) -> set[str]:
    """The files under a built site's _static/offline/ copied from the npm packages (paths relative to it)."""
    own = set(OWN_SCRIPTS) | {".shipped"}
    return {str(path.relative_to(offline)) for path in offline.rglob("*") if path.is_file()} - own


REDIRECT_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="icon" href="_static/favicon.svg">
<meta http-equiv="Refresh" content="0; url={target}">
</head>
<body><p><a href="{target}">{title}</a></p></body>
</html>
"""


def complete_redirect_page(app: Sphinx, exception: Exception | None) -> None:
    """Give the site's front-door redirect (index.html -> the root page) a title and an icon.

    sphinx-external-toc writes index.html as a bare meta refresh; the browser then asks for
    /favicon.ico, which does not exist, and logs an error on every visit.
    """
    index = Path(app.outdir) / "index.html"
    if exception is not None or app.builder.format != "html" or not index.exists():
        return
    bare = index.read_text(encoding="utf8").strip()
    if bare.startswith('<meta http-equiv="Refresh"') and "url=" in bare:
        target = bare.split("url=", 1)[1].split('"', 1)[0]
        index.write_text(REDIRECT_PAGE.format(title=app.config.html_title, target=target), encoding="utf8")


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", check_assets_installed)
    app.connect("build-finished", copy_assets)
    # After sphinx-external-toc has written its redirect (default priority 500).
    app.connect("build-finished", complete_redirect_page, priority=900)
    # Before any other script, so the bridge is in place whenever a widget is drawn.
    app.add_js_file("offline/mathjax2-bridge.js", priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
