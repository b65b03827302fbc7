"""The exporter of the students' feedback pages: nbconvert's HTMLExporter, made for many students.

nbgrader writes each student's feedback with nbconvert's HTMLExporter. Graded one student at a
time in a worker (as classgrader does), two of its costs come back for every student:

- the Jinja templates are compiled again for every new exporter (nbgrader makes one per call);
  here they are compiled once per worker process and kept;
- after rendering, HTMLExporter parses the whole page with BeautifulSoup to give images without
  alt text a placeholder and to add tabindex to JupyterLab-style cells. nbgrader's feedback page
  uses the classic template, which has no such cells, so the parse (half of the time) only adds
  the alt text; here one regular expression does that.

nbgrader uses it through its own option: `GenerateFeedback.exporter_class`. The page's content is
the same as HTMLExporter's (tests/test_feedback.py compares them).
"""

import re
from typing import Any, ClassVar

from jinja2 import Environment
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

MISSING_ALT = "No description has been provided for this image"  # HTMLExporter's own placeholder
IMAGE_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)")


class FeedbackExporter(HTMLExporter):
    """HTMLExporter with its templates compiled once per process and no BeautifulSoup pass."""

    environments: ClassVar[dict[tuple, Environment]] = {}

    def _create_environment(self) -> Environment:
        key = (tuple(self.template_paths), self.template_file, self.template_name)
        if key not in self.environments:
            self.environments[key] = super()._create_environment()
        return self.environments[key]

    def from_notebook_node(self, nb: Any, resources: dict | None = None, **kw: Any) -> tuple[str, dict]:
        # As HTMLExporter.from_notebook_node (nbconvert 7), without the BeautifulSoup pass at its end.
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name", None))
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return IMAGE_WITHOUT_ALT.sub(f'<img alt="{MISSING_ALT}"', html), resources
