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
# plotting.py is being rewritten in another change, which brings it to the notation.
NOT_YET = {"plotting.py"}


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
        if path.name in NOT_YET:
            continue
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
