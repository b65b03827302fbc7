"""classgrader.feedback: the feedback page says what nbconvert's own HTMLExporter says, faster."""

import time

import nbformat
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter
from traitlets.config import Config

from classgrader.feedback import MISSING_ALT, FeedbackExporter
from tests.notebooks import REPO

GRADED = REPO / "solutions" / "a1_forward_pass" / "forward_pass.ipynb"


def page(exporter_class, notebook) -> str:
    config = Config()
    config.HTMLExporter.template_name = "classic"  # as nbgrader's feedback page
    return exporter_class(config=config).from_notebook_node(notebook)[0]


def with_picture(notebook):
    """The notebook with a picture output that has no alt text."""
    notebook = nbformat.from_dict(notebook)
    cell = next(cell for cell in notebook.cells if cell.cell_type == "code")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})]
    return notebook


def test_the_page_has_the_same_text_and_pictures_as_nbconverts():
    notebook = with_picture(nbformat.read(GRADED, as_version=4))
    ours, theirs = (BeautifulSoup(page(cls, notebook), "html.parser") for cls in (FeedbackExporter, HTMLExporter))
    assert ours.get_text() == theirs.get_text()
    assert [img.get("alt") for img in ours.find_all("img")] == [img.get("alt") for img in theirs.find_all("img")]
    assert MISSING_ALT in {img.get("alt") for img in ours.find_all("img")}


def test_a_second_page_reuses_the_compiled_templates():
    notebook = nbformat.read(GRADED, as_version=4)
    page(FeedbackExporter, notebook)
    start = time.perf_counter()
    page(FeedbackExporter, notebook)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    page(HTMLExporter, notebook)
    theirs = time.perf_counter() - start
    print(f"second page: FeedbackExporter {ours:.3f} s, HTMLExporter {theirs:.3f} s")
    assert len(FeedbackExporter.environments) == 1
