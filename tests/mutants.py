"""Typical wrong variants of each reference answer, and whether the question's tests catch them.

For every autograded answer cell of a source notebook, small mutations of the reference code
make the kinds of mistakes students make: an operator swapped (+ for -, * for /, < for <=), a
constant changed, a transpose dropped, a term dropped, a sign lost, a result scaled. Each
variant replaces the reference answer and the question's test cell (visible and hidden tests)
runs on it; a variant is caught when the test cell fails.

    python -m tests.mutants solutions/<assignment>/<notebook>.ipynb

prints a JSON report. It runs the notebook's code in this process, so the test suite calls it
in a subprocess, one per assignment.

Some answers are a free choice (a learning rate, a batch size): any value that works is right,
so a changed constant is not a mistake. Such questions are named, with the reason, in
`OPEN_CHOICES` of tests/mistakes/<assignment>.py; their variants are reported but not counted.
"""

import ast
import contextlib
import copy
import importlib
import io
import json
import signal
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import nbformat  # noqa: E402

from tests.notebooks import nbgrader_meta, without_markers  # noqa: E402

MAX_VARIANTS_PER_ANSWER = 16
SECONDS_PER_VARIANT = 20

SWAPS = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.MatMult: ast.Mult, ast.Pow: ast.Mult, ast.FloorDiv: ast.Div,
}
COMPARE_SWAPS = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
}


class Mutation(ast.NodeTransformer):
    """Applies the mutation number `target` (in visiting order) and records what it did."""

    def __init__(self, target: int) -> None:
        self.target, self.count, self.description = target, 0, None

    def _hit(self, description: str) -> bool:
        hit = self.count == self.target
        if hit:
            self.description = description
        self.count += 1
        return hit

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if type(node.op) in SWAPS and self._hit(f"operator {type(node.op).__name__} swapped"):
            return ast.BinOp(node.left, SWAPS[type(node.op)](), node.right)
        if isinstance(node.op, (ast.Add, ast.Sub)) and self._hit("a term dropped"):
            return node.left
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        op = type(node.ops[0])
        if op in COMPARE_SWAPS and self._hit(f"comparison {op.__name__} swapped"):
            return ast.Compare(node.left, [COMPARE_SWAPS[op]()] + node.ops[1:], node.comparators)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return node
        if self._hit(f"constant {value!r} changed"):
            return ast.Constant(value + 1 if isinstance(value, int) else (value * 2 if value else 1.0))
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        if node.attr == "T" and self._hit("a transpose dropped"):
            return node.value
        return node

    def visit_Return(self, node: ast.Return) -> ast.AST:
        self.generic_visit(node)
        if node.value is None or isinstance(node.value, (ast.Tuple, ast.Dict, ast.List)):
            return node
        if self._hit("the returned value's sign flipped"):
            return ast.Return(ast.UnaryOp(ast.USub(), node.value))
        if self._hit("the returned value scaled by 2"):
            return ast.Return(ast.BinOp(ast.Constant(2), ast.Mult(), node.value))
        return node


def variants(code: str) -> list[tuple[str, str]]:
    """(description, code) of up to MAX_VARIANTS_PER_ANSWER single mutations, spread evenly."""
    tree = ast.parse(code)
    counter = Mutation(-1)
    counter.visit(copy.deepcopy(tree))
    total = counter.count
    step = max(1, -(-total // MAX_VARIANTS_PER_ANSWER))
    result = []
    for target in range(0, total, step):
        mutation = Mutation(target)
        mutated = ast.fix_missing_locations(mutation.visit(copy.deepcopy(tree)))
        result.append((mutation.description, ast.unparse(mutated)))
    return result


class TimeLimit(Exception):
    pass


def _raise_time_limit(signum, frame):
    raise TimeLimit()


def run_quietly(code: str, namespace: dict) -> bool:
    """Execute code in namespace; True if it ran to the end without an exception."""
    signal.signal(signal.SIGALRM, _raise_time_limit)
    signal.alarm(SECONDS_PER_VARIANT)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(compile(code, "<cell>", "exec"), namespace)
        return True
    except BaseException:  # noqa: BLE001 (a failing test cell may raise anything, even SystemExit)
        return False
    finally:
        signal.alarm(0)


def snapshot(namespace: dict) -> dict:
    """A copy of a namespace in which arrays, lists and dicts are copied too (modules are shared)."""
    copied = {}
    for name, value in namespace.items():
        try:
            copied[name] = copy.deepcopy(value)
        except Exception:  # noqa: BLE001 (modules, generators and the like are shared)
            copied[name] = value
    return copied


def open_choices(source: Path) -> dict[str, str]:
    """{grade_id: why any value is right} from tests/mistakes/<assignment>.py, if it names any."""
    try:
        spec = importlib.import_module(f"tests.mistakes.{source.parent.name}")
    except ModuleNotFoundError:
        return {}
    return dict(getattr(spec, "OPEN_CHOICES", {}))


def measure(source: Path) -> dict:
    """Run every variant of every autograded answer of a source notebook against its tests.

    Returns {"notebook", "questions": {grade_id: [variant outcomes]}, "open": {grade_id: reason}};
    the questions named in "open" are free choices, not counted in the share caught.
    """
    cells = nbformat.read(source, as_version=4).cells
    namespace: dict = {"__name__": "__main__"}
    report = {"notebook": str(source), "questions": {}, "open": open_choices(source)}
    for index, cell in enumerate(cells):
        meta = nbgrader_meta(cell)
        if cell.cell_type != "code":
            continue
        code = without_markers(cell.source)
        is_answer = meta.get("solution") and not meta.get("grade")
        test = cells[index + 1] if index + 1 < len(cells) else None
        if is_answer and test is not None and nbgrader_meta(test).get("grade"):
            before = snapshot(namespace)
            results = []
            for description, variant in variants(code):
                trial = snapshot(before)
                caught = not (run_quietly(variant, trial) and run_quietly(test.source, trial))
                results.append({"mutation": description, "caught": caught, "code": variant})
            report["questions"][meta["grade_id"]] = results
        if not meta.get("grade") or meta.get("solution"):
            if not run_quietly(code, namespace):
                raise SystemExit(f"the reference notebook fails in cell {index} ({meta.get('grade_id')})")
        elif not run_quietly(cell.source, namespace):
            raise SystemExit(f"the reference answer fails its own test cell {meta.get('grade_id')}")
    return report


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]))))
