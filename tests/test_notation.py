"""What students read cites the sources by title and numbers classes the way the notation page says.

These read the sources of the pages (chapters, front page, appendix, released exercises, nnkit's
docstrings) without building the book, so they take well under a second.
"""

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# "seed 001", "Seed-003", "seed problem 2", "the seed's": the internal names of the source documents.
SOURCE_NUMBER = re.compile(r"(?i)\bseed[ -]?00[0-9]\b|\bseed problem\b|\bthe seed'?s\b")


def markdown_pages() -> list[Path]:
    return sorted((ROOT / "chapters").glob("*.md")) + sorted((ROOT / "appendix").glob("*.md")) + [ROOT / "intro.md"]


def exercise_cells() -> list[tuple[str, str]]:
    """(where, text) for every cell of every released exercise notebook."""
    cells = []
    for path in sorted((ROOT / "exercises").glob("*/*.ipynb")):
        notebook = json.loads(path.read_text())
        for number, cell in enumerate(notebook["cells"]):
            cells.append((f"{path.relative_to(ROOT)} cell {number}", "".join(cell["source"])))
    return cells


def nnkit_docstrings() -> list[tuple[str, str]]:
    """(where, docstring) for every module, class and function of nnkit, and its comments."""
    found = []
    for path in sorted((ROOT / "nnkit").rglob("*.py")):
        source = path.read_text()
        tree = ast.parse(source)
        for node in [tree, *ast.walk(tree)]:
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node)
                if doc:
                    found.append((f"{path.relative_to(ROOT)}: {getattr(node, 'name', 'module')}", doc))
        comments = [line for line in source.splitlines() if line.strip().startswith("#")]
        found.append((f"{path.relative_to(ROOT)}: comments", "\n".join(comments)))
    return found


def source_numbers(text: str) -> list[str]:
    return [text[max(0, m.start() - 40) : m.end() + 20] for m in SOURCE_NUMBER.finditer(text)]


def test_the_source_pattern_finds_what_it_should_and_nothing_else():
    assert source_numbers("as in seed 001, eq. 14") and source_numbers("Seed-003's network")
    assert source_numbers("Seed problem 2 fits") and source_numbers("as the seed's solution does")
    assert not source_numbers("TwoLayerNet(2, 2, 1, seed=0); a seed makes the shuffle reproducible")


@pytest.mark.parametrize("page", markdown_pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_cite_sources_by_title_not_by_number(page):
    assert source_numbers(page.read_text()) == [], f"{page.name} names a source by its number"


def test_exercises_cite_sources_by_title_not_by_number():
    found = {where: source_numbers(text) for where, text in exercise_cells() if source_numbers(text)}
    assert found == {}


def test_nnkit_docstrings_cite_sources_by_title_not_by_number():
    found = {where: source_numbers(text) for where, text in nnkit_docstrings() if source_numbers(text)}
    assert found == {}


def counts_classes_from_zero_but_sums_from_one(text: str) -> bool:
    """True for a text that numbers labels 0..K-1, sums classes k = 1..K, and sets r_ik = 1 when y_i = k.

    That text is wrong either way: with labels from 0 and classes from 1, the one-hot code is
    r_ik = 1 when y_i = k - 1 (the notation page: code counts from 0, formulas from 1).
    """
    labels_from_zero = re.search(r"y_i \\in \\\{0, \\dots, K ?- ?1\\\}", text)
    sum_from_one = re.search(r"\\sum_\{k ?= ?1\}\^\{?K\}?", text)
    one_hot_same_k = re.search(r"r_\{ik\} = 1 \\text\{ if \} y_i = k(?!\s*-\s*1)", text)
    return bool(labels_from_zero and sum_from_one and one_hot_same_k)


def test_the_class_numbering_check_tells_the_old_slip_from_its_fix():
    slip = (r"labels $y_i \in \{0, \dots, K-1\}$ ... \sum_{k=1}^{K} r_{ik}\, z_{ik}, "
            r"\qquad r_{ik} = 1 \text{ if } y_i = k, \text{ else } 0")
    assert counts_classes_from_zero_but_sums_from_one(slip)
    assert not counts_classes_from_zero_but_sums_from_one(slip.replace("y_i = k,", "y_i = k - 1,"))


def test_formulas_number_classes_the_way_the_code_does():
    texts = [(str(p.relative_to(ROOT)), p.read_text()) for p in markdown_pages()]
    texts += [(where, text) for where, text in exercise_cells()]
    texts += [(str(p.relative_to(ROOT)) + f" cell {n}", "".join(c["source"]))
              for p in sorted((ROOT / "solutions").glob("*/*.ipynb"))
              for n, c in enumerate(json.loads(p.read_text())["cells"])]
    wrong = [where for where, text in texts if counts_classes_from_zero_but_sums_from_one(text)]
    assert wrong == []


# --------------------------------------------------------------------------- figure labels

GRAPHS = ["one_hidden_layer_graph", "exp_model_graph", "anchor_network_graph", "two_sigmoid_layers_graph"]
# Letters of each graph's source that are also, with another meaning, on the notation page
# (r_ik is the one-hot code, alpha the weight on a chord): the symbol check alone lets them through.
SOURCE_LETTERS = {
    "exp_model_graph": {r"\alpha", "L"},
    "anchor_network_graph": {"a", "b", "z", "W"},
    "two_sigmoid_layers_graph": {"p", "q", "r", "s", "u", "v", "w", "h", "z", "f"},
}


def symbol_skeleton(math: str) -> str:
    """A symbol with what varies from use to use taken off: dollars, bold, subscripts, the layer's number.

    "$\\mathbf{u}^{\\rm H}_i$" -> "u^{\\rm H}", "$W^{(1)}_{1,:}$" -> "W^{(l)}", "$\\hat{y}_i$" -> "\\hat y".
    """
    s = math.strip().strip("$").strip()
    s = re.sub(r"\\(?:mathbf|boldsymbol)\{?(\\?[A-Za-z]+)\}?", r"\1", s)
    s = re.sub(r"\\(hat|tilde|bar)\{(\\?[A-Za-z]+)\}", r"\\\1 \2", s)
    s = re.sub(r"_\{[^{}]*\}|_\\?[A-Za-z0-9]", "", s)
    s = re.sub(r"\^\{\((?:[0-9]|l|L)\)\}", "^{(l)}", s)
    return s.strip()


def notation_symbols() -> set[str]:
    """The skeletons of every symbol in the notation page's tables (its section Symbols)."""
    page = (ROOT / "appendix" / "notation.md").read_text()
    tables = page[page.index("## Symbols"):page.index("(app-notation-translation)")]
    symbols = set()
    for math in re.findall(r"\$([^$]+)\$", tables):
        for piece in re.split(r"=|,|\+", math):
            symbols.add(symbol_skeleton(piece))
    return symbols


def label_slips(nodes, edges, symbols: set[str]) -> list[str]:
    """What in a graph's labels the notation page does not write: unknown symbols, bold matrices, a loss not J."""
    slips = [node.label for node in nodes if symbol_skeleton(node.label) not in symbols]
    slips += [node.label for node in nodes if re.search(r"\\mathbf\{?[A-Z]", node.label)]
    sinks = [node for node in nodes if not any(start == node.name for start, _ in edges)]
    slips += [f"loss {node.label}" for node in sinks if node.label != "$J$"]
    return slips


def test_the_skeleton_keeps_the_letter_and_its_layer():
    assert symbol_skeleton(r"$\mathbf{u}^{\rm H}_i$") == r"u^{\rm H}"
    assert symbol_skeleton(r"$W^{(1)}_{1,:}$") == symbol_skeleton(r"W^{(l)}") == "W^{(l)}"
    assert symbol_skeleton(r"$\hat{y}_i$") == r"\hat y"
    assert symbol_skeleton(r"$\tilde W^{\rm O}$") == r"\tilde W^{\rm O}"
    symbols = notation_symbols()
    assert {r"z^{\rm H}", r"\tilde W^{\rm H}", "W^{(l)}", "u^{(l)}", "J", "x", "y", r"\hat y"} <= symbols
    assert not {"h", "p", "s", "w", "W^{H}", "a", "L^{(l)}"} & symbols


def test_the_label_check_catches_the_sources_letters():
    from nnkit.compgraph import Node

    old = [Node("p", r"$\mathbf{p}$", "parameter", (0, 0)), Node("h1", r"$h_1$", "operation", (1, 0)),
           Node("WH", r"$\mathbf{W}^{H}$", "parameter", (0, 1)), Node("f", r"$f$", "operation", (2, 0))]
    edges = [("p", "h1"), ("WH", "h1"), ("h1", "f")]
    assert label_slips(old, edges, notation_symbols()) == [
        r"$\mathbf{p}$", "$h_1$", r"$\mathbf{W}^{H}$", "$f$", r"$\mathbf{W}^{H}$", "loss $f$"]


@pytest.mark.parametrize("graph", GRAPHS)
def test_course_graph_labels_use_the_notation(graph):
    from nnkit import course_graphs

    nodes, edges = getattr(course_graphs, graph)()
    assert label_slips(nodes, edges, notation_symbols()) == []
    assert [node.label for node in nodes if symbol_skeleton(node.label) in SOURCE_LETTERS.get(graph, set())] == []


@pytest.mark.parametrize("sizes", [(2, 2, 1), (3, 4, 2), (2, 3, 3, 1)])
def test_network_diagram_labels_use_the_notation(sizes):
    from nnkit.plotting import default_unit_labels

    symbols = notation_symbols()
    labels = [label for layer in default_unit_labels(sizes) for label in layer]
    assert [label for label in labels if symbol_skeleton(label) not in symbols] == []
