"""Sphinx extension: serve the website's JavaScript from the site itself, so it works offline.

Jupyter Book's defaults load MathJax, RequireJS and the ipywidgets renderer from CDNs; with no
network the math shows as raw TeX and the widgets never appear. This extension copies those
libraries from the npm packages pinned in web/package.json (installed by `make book` into
web/node_modules) into the built site's _static/offline/. _config.yml points the pages at them
(`mathjax_path`, `nb_ipywidgets_js`).
"""

import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

WEB = Path(__file__).resolve().parent
NODE_MODULES = WEB / "node_modules"

# What the site needs: (folder or file in node_modules, where it goes under _static/offline).
ASSETS = [
    ("mathjax/es5", "mathjax"),
    ("requirejs/require.js", "require.js"),
    ("@jupyter-widgets/html-manager/dist", "@jupyter-widgets/html-manager/dist"),
]
# Our own small scripts that make those libraries work from the site (see each file).
OWN_SCRIPTS = ["requirejs-config.js", "mathjax2-bridge.js"]


def check_assets_installed(app: Sphinx, config: object) -> None:
    """Fail early, with the fix, if the npm packages are not installed."""
    missing = [source for source, _ in ASSETS if not (NODE_MODULES / source).exists()]
    if missing:
        raise ExtensionError(
            f"the website's JavaScript is not installed (missing in {NODE_MODULES}: {', '.join(missing)}). "
            "Run `make book`, which installs it, or `npm ci --prefix web`."
        )


def copy_assets(app: Sphinx, exception: Exception | None) -> None:
    """After a successful HTML build, copy the libraries into _static/offline/."""
    if exception is not None or app.builder.format != "html":
        return
    offline = Path(app.outdir) / "_static" / "offline"
    # The libraries are large (about 40 MB): copy them again only when the pinned versions changed.
    stamp, lock = offline / ".package-lock.json", (WEB / "package-lock.json").read_text()
    copies = [(WEB / script, script) for script in OWN_SCRIPTS]
    if not stamp.exists() or stamp.read_text() != lock:
        copies += [(NODE_MODULES / source, target) for source, target in ASSETS]
    for source_path, target in copies:
        target_path = offline / target
        if source_path.is_dir():
            shutil.copytree(source_path, target_path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.map"))
        else:
            target_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source_path, target_path)
    stamp.write_text(lock)


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
