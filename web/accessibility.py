"""Sphinx extension: what the course website adds for readers who use a keyboard or a screen reader.

The theme, MyST-NB and the widget renderer write some controls whose accessible name is wrong
or missing; web/accessibility/accessibility.js names them on every page, and
accessibility.css gives the widgets' primary button enough contrast. tests/test_accessibility.py
audits every page with axe-core and walks them with the keyboard.
"""

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

FOLDER = Path(__file__).resolve().parent / "accessibility"


def add_static_folder(app: Sphinx, config: Config) -> None:
    """Serve web/accessibility/ from the site's _static/."""
    config.html_static_path.append(str(FOLDER))


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", add_static_folder)
    app.add_js_file("accessibility.js", loading_method="defer")
    app.add_css_file("accessibility.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
