"""The exporter of the students' feedback pages: nbconvert's HTMLExporter, made safe to publish.

nbgrader writes each student's feedback page from the autograded notebook, which holds more than
a student may see (the gradebook's hidden tests) and whose outputs the student's code wrote. So,
after nbgrader's own preprocessors have put the scores in and before the page is rendered, the
notebook is made publishable (`Redactor`):

- hidden tests: a test cell shows only its part before `### BEGIN HIDDEN TESTS` (what the released
  notebook shows) and a note that hidden tests ran; no line between hidden-test markers is shown
  anywhere; an error of a test cell shows its message, never a traceback, and when it failed in a
  hidden test only the message's first line and the lines that name a mistake or give a hint;
- student content is inert: HTML (outputs, markdown) goes through nh3, the Python binding of the
  ammonia sanitiser, with a short allow-list (no script, no style, no class or id, pictures only
  as data: URLs); JavaScript and widget outputs are dropped; SVG is shown as an <img>, where
  scripts do not run; output metadata keeps only a picture's size and alt text. The page also
  carries a Content-Security-Policy that allows no script, no request, and only its own styles;
- limits: a text (a cell's source, an output) is cut to TEXT_LIMIT characters and a whole page to
  PAGE_TEXT_LIMIT; HTML and markdown, whose rendering costs more (nh3 is slower on deep nesting,
  mistune is pure Python), to MARKUP_LIMIT and PAGE_MARKUP_LIMIT; pictures likewise. Each cut is
  said in a line. The worst a hostile notebook can do costs seconds, not hours.

And made for many students, as before: the templates are compiled once per worker process, and
there is no BeautifulSoup pass after rendering (pictures get their alt text as they are made).
There is no MathJax (it is a script): formulas show as their TeX source.

nbgrader uses it through its own option `GenerateFeedback.exporter_class`. nbgrader's
generate_feedback also copies every other file of autograded/<student>/<assignment>/ into
feedback/ (what the student handed in, the instructor's files): the exporter removes them.
"""

import base64
import hashlib
import html
import re
import shutil
from pathlib import Path
from typing import Any, ClassVar

import nh3
from jinja2 import DictLoader, Environment, pass_context
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbformat import NotebookNode
from nbgrader.converters import GenerateFeedback
from traitlets import default

from classgrader.checker import STUDENT_ERROR, STUDENT_OUTPUT
from classgrader.notebooks import is_test_cell, nbgrader_meta

MISSING_ALT = "No description has been provided for this image"  # HTMLExporter's own placeholder

TEXT_LIMIT = 100_000  # characters of one code cell's source or one output's text
PAGE_TEXT_LIMIT = 1_000_000  # characters of all of them on one page
MARKUP_LIMIT = 50_000  # characters of one output's HTML or markdown, or of one markdown cell
PAGE_MARKUP_LIMIT = 300_000  # characters of all of them on one page (a pandas table is some 25,000)
PICTURE_LIMIT = 2_000_000  # characters of one picture (base64 or SVG): a large figure is some 200,000
PAGE_PICTURE_LIMIT = 10_000_000  # characters of all the pictures of one page
MESSAGE_LIMIT = 3_000  # characters of a test's error message

BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"  # nbgrader's markers, in any case
HIDDEN_TESTS_NOTE = "# Hidden tests ran here too; they are not shown."
HIDDEN_FAILURE_NOTE = "(This failed in a hidden test, on inputs that are not shown.)"
# Once hidden tests have run, the student's code may hold their inputs (a function can keep what it
# was called with), so what the student's later cells showed while being graded is not on the page.
AFTER_HIDDEN_TESTS_NOTE = ("(What this cell showed while it was graded is not shown: it ran after hidden tests, "
                           "whose inputs it could show. Your own notebook has your outputs.)")
# Lines of nnkit.grading's messages that help without giving the expected values away.
HELPFUL_LINES = ("This looks like a common mistake:", "Hint:")
AFTER_HIDDEN_TESTS_OUTPUT = "(What your code printed here is not shown: it ran after hidden tests, whose inputs it could show.)"
AFTER_HIDDEN_TESTS_ERROR = ("your code raised this error in a hidden test, or after hidden tests had run; its message "
                            "is not shown, as it could show their inputs. Run the notebook yourself to see it.")
# Errors classgrader's execute writes itself (no test code in them): shown as they are.
GRADER_ERRORS = {"DeadKernelError", "NotRunError"}

LINE_BREAK = re.compile(r"\r\n|\r|\n")  # where Python's own line numbers break lines
ANSI_CODE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# A frame of a test cell in a traceback: classgrader's checker names it `File "<test cell ID>", line N`,
# IPython (plain nbgrader) `Cell In[COUNT], line N`.
TEST_FRAME = re.compile(r'(?P<cell><test cell [^>\n]*>|Cell In\[\d+\])"?, line (?P<line>\d+)')

# What of the student's HTML is kept (nh3 drops every other tag and attribute, and script and style
# elements with their content).
HTML_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details",
    "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
}
HTML_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
DATA_PICTURE = re.compile(r"data:image/(png|jpeg|gif|webp|svg\+xml);base64,", re.IGNORECASE)
SIZE = re.compile(r"\d{1,4}")
# nh3 escapes < and > in text and in attribute values: in its output this matches whole <img> tags,
# each scan stopping at the next < or >, so it is linear (the old `<img(?![^>]*\balt=)` was quadratic).
IMAGE_TAG = re.compile(r"<img\b[^<>]*>")

# The mimetypes a page may show, in nbconvert's order of preference; an output shows one of them.
SHOWN_MIMETYPES = ["text/html", "text/markdown", "image/svg+xml", "text/latex", "image/png", "image/jpeg",
                   "text/plain"]
PICTURES = {"image/png", "image/jpeg", "image/svg+xml"}
MARKUP = {"text/html", "text/markdown"}
PYTHON_LEXERS = {"ipython3", "ipython", "python", "python3"}
# nbgrader's own files that nbgrader's release_feedback reads next to the pages.
EXCHANGE_FILES = {"timestamp.txt", "submission_secret.txt"}

# The page template: nbgrader's feedback template (or nbconvert's classic one) with no block that
# writes a script, and SVG as a picture with alt text.
PAGE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{% block html_head_js %}{% endblock html_head_js %}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block data_javascript %}{% endblock data_javascript %}
{% block data_widget_view %}{% endblock data_widget_view %}
{% block data_svg scoped -%}
<div class="output_svg output_subarea {{ extra_class }}">
<img src="data:image/svg+xml;base64,{{ output.data['image/svg+xml'] | text_base64 | escape_html }}"
 alt="{{ output | get_metadata('alt', 'image/svg+xml') | escape_html }}">
</div>
{%- endblock data_svg %}
{% block rawcell scoped %}{{ cell.source }}{% endblock rawcell %}
"""
# The templates' MathJax macro writes script elements: here it writes nothing.
NO_MATHJAX = {"mathjax.html.j2": "{%- macro mathjax(url='') -%}{%- endmacro -%}"}

STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style>", re.DOTALL)
HEAD_TAG = re.compile(r"<head\b[^>]*>")
FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")


class FeedbackExporter(HTMLExporter):
    """HTMLExporter for feedback pages: publishable (see the module's docstring), templates compiled once."""

    environments: ClassVar[dict[tuple, Environment]] = {}

    @default("raw_template")
    def _raw_template_default(self) -> str:
        return PAGE_TEMPLATE

    @default("extra_loaders")
    def _extra_loaders_default(self) -> list:
        return [DictLoader(NO_MATHJAX)]

    @default("exclude_anchor_links")
    def _exclude_anchor_links_default(self) -> bool:
        return True  # they link to heading ids, and the student's HTML keeps no id

    def _create_environment(self) -> Environment:
        key = (tuple(self.template_paths), self.template_file, self.template_name)
        if key not in self.environments:
            self.environments[key] = super()._create_environment()
        return self.environments[key]

    @pass_context
    def markdown2html(self, context: Any, source: str) -> str:
        """Markdown (cells, outputs, graders' comments) as HTML, sanitised as all of the student's HTML."""
        return clean_html(super().markdown2html(context, source))

    def _preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        nb, resources = super()._preprocess(nb, resources)  # nbgrader's: the scores (GetGrades), the CSS
        if "nbgrader" in resources:  # the template writes the notebook's name as it is
            notebook = html.escape(str(resources["nbgrader"].get("notebook", "")))
            resources["nbgrader"] = {**resources["nbgrader"], "notebook": notebook}
        return Redactor(nb).notebook(), resources

    def from_notebook_node(self, nb: Any, resources: dict | None = None, **kw: Any) -> tuple[str, dict]:
        # As HTMLExporter.from_notebook_node (nbconvert 7), without the BeautifulSoup pass at its end.
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name", None))
        lexer = lexer if lexer in PYTHON_LEXERS else "ipython3"  # not any lexer a notebook names
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        self.remove_copied_files(resources)
        return with_content_security_policy(page), resources

    def remove_copied_files(self, resources: dict) -> None:
        """Remove from this student's feedback folder what nbgrader copied there from autograded/.

        nbgrader's generate_feedback copies every file of the autograded folder but the notebooks
        into the feedback folder: whatever the student handed in besides them (in plain nbgrader),
        and the files of solutions/<assignment>/. Only the pages stay, and nbgrader's own
        timestamp and submission secret, which its release_feedback reads.
        """
        converter = self.parent
        if not isinstance(converter, GenerateFeedback) or "nbgrader" not in resources:
            return
        ids = resources["nbgrader"]
        coursedir = converter.coursedir
        folder = Path(coursedir.format_path(coursedir.feedback_directory, ids["student"], ids["assignment"]))
        pages = {Path(notebook).stem + self.file_extension for notebook in converter.notebooks}
        for path in folder.iterdir() if folder.is_dir() else []:
            if path.name in pages or (path.name in EXCHANGE_FILES and path.is_file() and not path.is_symlink()):
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()


class Allowance:
    """How many more characters of one kind a page may show; each text takes its share."""

    def __init__(self, page: int, each: int) -> None:
        self.left, self.each = page, each

    def take(self, text: str) -> tuple[str, int]:
        """The part of `text` that may be shown, and how many of its characters are cut."""
        kept = text[:min(self.each, self.left)]
        self.left -= len(kept)
        return kept, len(text) - len(kept)

    def take_whole(self, text: str) -> bool:
        """Whether all of `text` may be shown (a picture is shown whole or not at all)."""
        if len(text) > min(self.each, self.left):
            return False
        self.left -= len(text)
        return True


class Redactor:
    """Makes one autograded notebook publishable as a feedback page (see the module's docstring)."""

    def __init__(self, nb: NotebookNode) -> None:
        self.nb = nb
        self.texts = Allowance(PAGE_TEXT_LIMIT, TEXT_LIMIT)
        self.markup = Allowance(PAGE_MARKUP_LIMIT, MARKUP_LIMIT)
        self.pictures = Allowance(PAGE_PICTURE_LIMIT, PICTURE_LIMIT)
        self.hidden_lines = hidden_lines_of_test_cells(nb)

    def notebook(self) -> NotebookNode:
        """The notebook as the page shows it; the language (for highlighting) is all its metadata keeps."""
        nb = self.nb
        language = nb.metadata.get("language_info", {})
        metadata = {"language_info": {key: language[key] for key in ("name", "pygments_lexer")
                                      if isinstance(language.get(key), str)}}
        cells, after_hidden_tests = [], False
        for cell in nb.cells:
            safe = self.cell(cell, after_hidden_tests)
            if safe is not None and after_hidden_tests and safe.cell_type == "code" and not is_test_cell(cell):
                safe.outputs = [text_output(AFTER_HIDDEN_TESTS_NOTE)] if safe.outputs else []
            if safe is not None and after_hidden_tests and safe.cell_type == "code":
                safe.execution_count = None  # a number the student's code can set, after it saw hidden inputs
            after_hidden_tests |= is_test_cell(cell) and bool(hidden_line_numbers(text_of(cell.get("source"))))
            cells.append(safe)
        return NotebookNode(nbformat=nb.get("nbformat", 4), nbformat_minor=nb.get("nbformat_minor", 5),
                            metadata=metadata, cells=[cell for cell in cells if cell is not None])

    def cell(self, cell: NotebookNode, after_hidden_tests: bool = False) -> NotebookNode | None:
        """A cell as the page shows it (None for a cell the page does not show); after hidden tests
        have run, a test cell shows nothing that the student's code printed or put in an error."""
        safe = NotebookNode(cell_type=cell.get("cell_type"), metadata=safe_cell_metadata(cell), source="")
        if isinstance(cell.get("id"), str):
            safe.id = cell.id
        source = text_of(cell.get("source"))
        if safe.cell_type == "code":
            source = visible_test_source(source) if is_test_cell(cell) else source
            safe.source = self.source(source, self.texts, "\n# ")
            safe.execution_count = count_or_none(cell.get("execution_count"))
            safe.outputs = self.outputs(cell, after_hidden_tests and is_test_cell(cell))
        elif safe.cell_type == "markdown":
            safe.source = self.source(source, self.markup, "\n\n")
            safe.attachments = self.attachments(cell.get("attachments"))
        elif safe.cell_type == "raw" and cell.get("metadata", {}).get("raw_mimetype", "") in ("", "text/html"):
            safe.source = clean_html(self.source(source, self.markup, "\n<p>"))  # shown as HTML, as nbconvert does
        else:
            return None
        return safe

    def source(self, source: str, allowance: Allowance, before_note: str) -> str:
        """A cell's source without hidden lines, cut to what the page may still show, and a note if it was."""
        shown, cut = allowance.take(without_hidden_lines(source))
        return shown + (before_note + cut_note(cut) if cut else "")

    def attachments(self, attachments: Any) -> dict:
        """A markdown cell's pictures (PNG and JPEG, as data the renderer makes data: URLs of)."""
        kept = {}
        for name, bundle in (attachments if isinstance(attachments, dict) else {}).items():
            pictures = {mime: data for mime, data in (bundle if isinstance(bundle, dict) else {}).items()
                        if mime in ("image/png", "image/jpeg") and isinstance(data, str)}
            if pictures and all(self.pictures.take_whole(data) for data in pictures.values()):
                kept[str(name)] = pictures
        return kept

    def outputs(self, cell: NotebookNode, students_words_hidden: bool = False) -> list[NotebookNode]:
        shown = []
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                shown += self.stream(output, students_words_hidden)
            elif kind in ("display_data", "execute_result"):
                shown += self.display(output)
            elif kind == "error":
                shown += self.error(output, cell, students_words_hidden)
        return shown

    def stream(self, output: NotebookNode, students_words_hidden: bool = False) -> list[NotebookNode]:
        name = "stderr" if output.get("name") == "stderr" else "stdout"
        text = without_hidden_lines(plain(text_of(output.get("text"))))
        text, cut = self.texts.take(students_output(text, shown=not students_words_hidden))
        return [NotebookNode(output_type="stream", name=name, text=text)] + cut_outputs(cut)

    def display(self, output: NotebookNode) -> list[NotebookNode]:
        """A display or result: the one representation the page shows, its text cut, its HTML clean.

        HTML or markdown once the page has shown all it may of them: the plain text instead, if any.
        """
        data = output.get("data", {})
        mime = next((mime for mime in SHOWN_MIMETYPES if isinstance(data.get(mime), (str, list))
                     and not (mime in MARKUP and self.markup.left == 0)), None)
        if mime is None:
            return []
        value, cut = text_of(data[mime]), 0
        if mime in PICTURES:
            if not self.pictures.take_whole(value):
                return [text_output(f"[A picture of {len(value):,} characters is not shown: it is too large.]")]
            if mime == "image/svg+xml":
                value = without_hidden_lines(value)
        else:
            value, cut = (self.markup if mime in MARKUP else self.texts).take(without_hidden_lines(plain(value)))
        if mime == "text/html":
            value = clean_html(value)
        shown = NotebookNode(output_type=output.output_type, data={mime: value},
                             metadata={mime: picture_metadata(output.get("metadata", {}), mime)})
        if output.output_type == "execute_result":
            shown.execution_count = count_or_none(output.get("execution_count"))
        return [shown] + cut_outputs(cut)

    def error(self, output: NotebookNode, cell: NotebookNode, students_words_hidden: bool = False) -> list[NotebookNode]:
        """An error: in a test cell only its message; elsewhere its traceback too, unless it runs through a test.
        After hidden tests, a test cell's error that the student's code raised shows only its type."""
        ename = str(output.get("ename", "Error"))[:100]
        evalue = without_hidden_lines(plain(text_of(output.get("evalue"))[:TEXT_LIMIT]))
        lines = output.get("traceback", [])
        traceback = plain("\n".join(text_of(line) for line in lines))
        frames = frames_in_test_cells(traceback, self.hidden_lines)
        if is_test_cell(cell) or frames:
            in_hidden_test = not frames or self.failed_in_hidden_test(frames)
            students = isinstance(lines, list) and bool(lines) and lines[-1] == STUDENT_ERROR
            if ename in GRADER_ERRORS:
                message = cut_message(f"{ename}: {evalue}")
            elif students and (students_words_hidden or in_hidden_test):
                message = f"{ename}: {AFTER_HIDDEN_TESTS_ERROR}"
            elif not in_hidden_test:
                message = cut_message(f"{ename}: {evalue}")
            else:
                message = hidden_failure_message(ename, evalue)
            return [error_output(ename, message)]
        text, cut = self.texts.take(without_hidden_lines(traceback))
        return [error_output(ename, text)] + cut_outputs(cut)

    def failed_in_hidden_test(self, frames: list[tuple[str, int]]) -> bool:
        """Whether a frame of a test cell is on a hidden line (a test cell not on this page counts as hidden)."""
        return any(cell not in self.hidden_lines or line in self.hidden_lines[cell] for cell, line in frames)


# --- hidden tests -------------------------------------------------------


def hidden_line_numbers(source: str) -> set[int]:
    """The numbers (from 1) of the lines of `source` from a BEGIN HIDDEN TESTS marker to its END marker.

    As nbgrader reads them, a marker is anywhere in a line; here in any case too, and a BEGIN
    without an END hides the rest of the text: more is hidden rather than less.
    """
    hidden, inside = set(), False
    for number, line in enumerate(LINE_BREAK.split(source), start=1):
        marker = line.upper()
        if BEGIN_HIDDEN in marker:
            inside = True
        if inside:
            hidden.add(number)
            if END_HIDDEN in marker and BEGIN_HIDDEN not in marker:
                inside = False
    return hidden


def students_output(text: str, shown: bool) -> str:
    """A test cell's output with what the student's code printed (between the checker's markers, see
    ``classgrader.checker.STUDENT_OUTPUT``) either kept without its markers, or replaced by a note."""
    if STUDENT_OUTPUT[0] not in text:
        return text
    kept, inside, noted = [], False, False
    for line in LINE_BREAK.split(text):
        if line == STUDENT_OUTPUT[0]:
            inside = True
            continue
        if line == STUDENT_OUTPUT[1]:
            inside = False
            continue
        if inside and not shown:
            if not noted:
                kept.append(AFTER_HIDDEN_TESTS_OUTPUT)
                noted = True
            continue
        kept.append(line)
    return "\n".join(kept)


def without_hidden_lines(text: str) -> str:
    """The text without its lines between hidden-test markers (markers included)."""
    if "HIDDEN TESTS" not in text.upper():
        return text
    hidden = hidden_line_numbers(text)
    return "\n".join(line for number, line in enumerate(LINE_BREAK.split(text), start=1) if number not in hidden)


def visible_test_source(source: str) -> str:
    """A test cell's source as the released notebook shows it: the part before its hidden tests, and a note."""
    hidden = hidden_line_numbers(source)
    if not hidden:
        return source
    lines = LINE_BREAK.split(source)[:min(hidden) - 1]
    return "\n".join([*lines, HIDDEN_TESTS_NOTE]).lstrip("\n")


def hidden_lines_of_test_cells(nb: NotebookNode) -> dict[str, set[int]]:
    """The hidden line numbers of every test cell, by the names its frames have in tracebacks."""
    hidden = {}
    for cell in nb.cells:
        if is_test_cell(cell):
            lines = hidden_line_numbers(text_of(cell.get("source")))
            hidden[f"<test cell {nbgrader_meta(cell).get('grade_id', '')}>"] = lines
            if type(cell.get("execution_count")) is int:
                hidden[f"Cell In[{cell.execution_count}]"] = lines
    return hidden


def frames_in_test_cells(traceback: str, test_cells: dict[str, set[int]]) -> list[tuple[str, int]]:
    """The frames of a traceback (without colour codes) that are in test cells, as (cell, line); a
    frame named as classgrader names test cells is one even if no cell of the page has that name."""
    return [(match["cell"], int(match["line"])) for match in TEST_FRAME.finditer(traceback)
            if match["cell"] in test_cells or match["cell"].startswith("<test cell ")]


def hidden_failure_message(ename: str, evalue: str) -> str:
    """A hidden test's message: its first line and the lines naming a mistake or giving a hint, not
    the lines with the expected values."""
    lines = LINE_BREAK.split(evalue)
    helpful = [line for line in lines[1:] if line.strip().startswith(HELPFUL_LINES)]
    return cut_message("\n".join([f"{ename}: {lines[0]}", *helpful, HIDDEN_FAILURE_NOTE]))


# --- student content ----------------------------------------------------


def keep_attribute(tag: str, name: str, value: str) -> str | None:
    """nh3's last word on an attribute it allows: pictures only from data: URLs, links never to data:,
    sizes only as numbers."""
    if tag == "img" and name == "src":
        return value if DATA_PICTURE.match(value) else None
    if name == "href" and value.lower().startswith("data:"):
        return None
    if name in ("width", "height"):
        return value if SIZE.fullmatch(value) else None
    return value


HTML_CLEANER = nh3.Cleaner(tags=HTML_TAGS, attributes=HTML_ATTRIBUTES, attribute_filter=keep_attribute,
                           url_schemes={"http", "https", "mailto", "data"}, url_relative="deny",
                           strip_comments=True)


def clean_html(text: str) -> str:
    """The student's HTML made inert, with alt text on every picture."""
    return IMAGE_TAG.sub(picture_with_alt_text, HTML_CLEANER.clean(text))


def picture_with_alt_text(tag: re.Match) -> str:
    """An <img> of nh3's output: gone if it has no source left (its alt text would show), else with alt text."""
    if " src=" not in tag[0]:
        return ""
    return tag[0] if " alt=" in tag[0] else tag[0].replace("<img", f'<img alt="{MISSING_ALT}"', 1)


def safe_cell_metadata(cell: NotebookNode) -> dict:
    """The nbgrader metadata the template shows (scores, grade id, grader's comment), and nothing else."""
    meta = nbgrader_meta(cell)
    if not meta:
        return {}
    safe = {key: bool(meta[key]) for key in ("grade", "solution", "task") if key in meta}
    safe.update({key: float(meta[key]) if type(meta[key]) in (int, float) else None
                 for key in ("points", "score") if key in meta})
    if "grade_id" in meta:
        safe["grade_id"] = html.escape(str(meta["grade_id"])[:200])
    if isinstance(meta.get("comment"), str):
        safe["comment"] = meta["comment"][:MARKUP_LIMIT]  # shown through markdown2html, so sanitised
    return {"nbgrader": safe}


def picture_metadata(metadata: dict, mime: str) -> dict:
    """A picture's alt text (a placeholder if it has none) and its width and height if they are numbers."""
    if mime not in PICTURES or not isinstance(metadata, dict):
        return {}
    given = metadata[mime] if isinstance(metadata.get(mime), dict) else {}
    alt = given.get("alt", metadata.get("alt"))
    safe = {"alt": alt[:1000] if isinstance(alt, str) and alt.strip() else MISSING_ALT}
    for key in ("width", "height"):
        value = given.get(key, metadata.get(key))
        if type(value) is int and 0 < value < 10_000:
            safe[key] = value
    return safe


# --- small helpers ------------------------------------------------------


def text_of(value: Any) -> str:
    """A notebook's text field as one string (nbformat allows a list of lines)."""
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return value if isinstance(value, str) else ""


def plain(text: str) -> str:
    """Text without terminal colour codes (nbconvert would make style attributes of some of them)."""
    return ANSI_CODE.sub("", text) if "\x1b" in text else text


def count_or_none(value: Any) -> int | None:
    return value if type(value) is int else None


def cut_note(cut: int) -> str:
    return f"[{cut:,} more characters are not shown: the feedback page has a size limit.]"


def cut_outputs(cut: int) -> list[NotebookNode]:
    """The line that says how much of an output was cut (none if nothing was)."""
    return [text_output(cut_note(cut))] if cut else []


def cut_message(message: str) -> str:
    return message if len(message) <= MESSAGE_LIMIT else message[:MESSAGE_LIMIT] + "\n" + cut_note(
        len(message) - MESSAGE_LIMIT)


def text_output(text: str) -> NotebookNode:
    return NotebookNode(output_type="display_data", data={"text/plain": text}, metadata={})


def error_output(ename: str, text: str) -> NotebookNode:
    """An error output whose traceback is the text shown (the template shows the traceback)."""
    return NotebookNode(output_type="error", ename=ename, evalue="", traceback=[text])


# --- the page -----------------------------------------------------------


def with_content_security_policy(page: str) -> str:
    """The page with a Content-Security-Policy as the first element of its head: no script, no request
    (pictures only from data: URLs), and only the style elements of its head (by their hashes), so
    that no style that the student's content might carry applies.

    The @font-face rules of the head's CSS go (Bootstrap's icon font, which the page does not use
    and could not load): the browser would still ask for their files, and be refused.

    Raises:
        ValueError: the page has no head (then nbgrader writes no page for it, and says so).
    """
    head = HEAD_TAG.search(page)
    end = page.find("</head>")
    if head is None or end < head.end():
        raise ValueError("the feedback page has no <head> for its Content-Security-Policy")
    styles = FONT_FACE.sub("", page[head.end():end])
    hashes = " ".join(f"'sha256-{style_hash(css)}'" for css in STYLE_ELEMENT.findall(styles))
    policy = (f"default-src 'none'; script-src 'none'; img-src data:; style-src {hashes}; "
              "base-uri 'none'; form-action 'none'")
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    return page[:head.end()] + meta + styles + page[end:]


def style_hash(css: str) -> str:
    """The base64 SHA-256 of a style element's text, as a Content-Security-Policy names it."""
    return base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
