"""A demo class for one assignment: correct, partial, wrong and broken submissions.

    python -m classgrader.demo ASSIGNMENT FOLDER [--copies N]

makes FOLDER a course folder (the course's nbgrader_config.py and the assignment's source)
with submitted/<student>/<assignment>/ for a small class, so that `make grade` can be tried on
it, or timed (make bench-grade). The submissions are made from the released notebook in
exercises/ and the reference answers in solutions/:

- correct: every answer is the reference;
- partial: the first half of the answers are the reference, the rest untouched;
- wrong: every numeric constant in the code answers is changed (the answers run, with wrong values);
- untouched: the release as handed out;
- broken: not valid JSON;
- misnamed: the correct notebook under another file name;
- hangs: the correct notebook whose first answer never finishes.
"""

import argparse
import ast
import shutil
import sys
from pathlib import Path

import nbformat

from classgrader.notebooks import filled_release, nbgrader_meta, reference_answers

ROOT = Path(__file__).resolve().parents[1]


def answer_cells(notebook) -> list:
    return [cell for cell in notebook.cells if nbgrader_meta(cell).get("solution")]


class ChangeConstants(ast.NodeTransformer):
    """Every int or float constant plus one: code that runs, with wrong values."""

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return ast.copy_location(ast.Constant(node.value + 1), node)
        return node


def wrong_version(code: str) -> str:
    try:
        return ast.unparse(ChangeConstants().visit(ast.parse(code)))
    except SyntaxError:  # a written answer (markdown), left as it is
        return code


def demo_submissions(assignment: str) -> dict[str, tuple[str, object]]:
    """student -> (file name, notebook or raw text)."""
    source = next((ROOT / "solutions" / assignment).glob("*.ipynb"))
    release = ROOT / "exercises" / assignment / source.name
    reference = reference_answers(source)
    names = list(reference)
    first_code = next(nbgrader_meta(cell)["grade_id"] for cell in answer_cells(nbformat.read(source, as_version=4))
                      if cell.cell_type == "code")
    return {
        "correct": (source.name, filled_release(release, reference)),
        "partial": (source.name, filled_release(release, {name: reference[name] for name in names[: len(names) // 2]})),
        "wrong": (source.name, filled_release(release, {name: wrong_version(code) for name, code in reference.items()})),
        "untouched": (source.name, nbformat.read(release, as_version=4)),
        "broken": (source.name, '{"cells": [ {"cell_type": "code", "source": '),
        "misnamed": (f"{source.stem} (1).ipynb", filled_release(release, reference)),
        "hangs": (source.name, filled_release(release, {**reference, first_code: "while True:\n    pass"})),
    }


def make_demo_class(assignment: str, folder: Path, copies: int = 1, kinds: list[str] | None = None) -> list[str]:
    """Write the course folder and the class (all kinds, or only `kinds`); return the student ids."""
    if not (ROOT / "solutions" / assignment).is_dir():
        known = ", ".join(sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir()))
        raise SystemExit(f"no assignment {assignment!r} in solutions/ (known: {known})")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.rmtree(folder / "solutions" / assignment, ignore_errors=True)
    shutil.copytree(ROOT / "solutions" / assignment, folder / "solutions" / assignment)
    students = []
    for copy in range(1, copies + 1):
        for kind, (name, content) in demo_submissions(assignment).items():
            if kinds and kind not in kinds:
                continue
            student = f"{kind}{copy:02d}" if copies > 1 else kind
            target = folder / "submitted" / student / assignment
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            if isinstance(content, str):
                (target / name).write_text(content)
            else:
                nbformat.write(content, target / name)
            students.append(student)
    return students


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classgrader.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--copies", type=int, default=1, help="how many submissions of each kind")
    args = parser.parse_args(argv)
    students = make_demo_class(args.assignment, args.folder.resolve(), args.copies)
    print(f"A demo class of {len(students)} submissions of {args.assignment} in {args.folder}/submitted/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
