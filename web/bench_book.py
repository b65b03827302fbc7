"""Benchmark the website build: cold, no-op, and after editing one chapter.

    python web/bench_book.py

Builds a copy of the book in a temporary folder three times and prints each time and its
ratio to the cold build. The executed notebooks are cached (jupyter-cache), so a build with
nothing changed and a build after editing one chapter should redo only what changed.
Targets: no-op <= 0.10 of cold, one chapter <= 0.25 of cold. This is a benchmark, not a test:
it reports, it does not fail on a slow machine.
"""

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK_FILES = ["_config.yml", "_toc.yml", "intro.md", "chapters", "exercises", "appendix", "web"]
EDITED_CHAPTER = "chapters/02_chain_rule.md"
TARGETS = {"no-op": 0.10, "one chapter edited": 0.25}


def copy_book(target: Path) -> None:
    """The book's sources, without builds; the installed npm packages are linked, not copied."""
    for name in BOOK_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("node_modules", "_build"))
        elif source.exists():
            shutil.copy2(source, target / name)
    (target / "web" / "node_modules").symlink_to(ROOT / "web" / "node_modules")


def timed_build(book: Path) -> float:
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    start = time.perf_counter()
    result = subprocess.run([str(jupyter_book), "build", str(book)], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode:
        raise SystemExit(f"the build failed:\n{(result.stdout + result.stderr)[-3000:]}")
    return seconds


def edit_one_chapter(book: Path) -> None:
    """Add a sentence and a code cell, so the chapter is re-read and executed again."""
    chapter = book / EDITED_CHAPTER
    edit = "\nA sentence added by the build benchmark.\n\n```{code-cell} ipython3\n1 + 1\n```\n"
    chapter.write_text(chapter.read_text() + edit)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        book = Path(folder)
        copy_book(book)
        print("building the book cold (every chapter executes)...", flush=True)
        times = {"cold": timed_build(book)}
        print("building again with nothing changed...", flush=True)
        times["no-op"] = timed_build(book)
        print(f"building after editing {EDITED_CHAPTER}...", flush=True)
        edit_one_chapter(book)
        times["one chapter edited"] = timed_build(book)
    cold = times["cold"]
    print(f"\n{'build':<20} {'seconds':>8} {'ratio to cold':>14} {'target':>8}")
    for name, seconds in times.items():
        target = f"<= {TARGETS[name]:.2f}" if name in TARGETS else ""
        verdict = "" if name not in TARGETS else ("  met" if seconds / cold <= TARGETS[name] else "  MISSED")
        print(f"{name:<20} {seconds:>8.1f} {seconds / cold:>14.3f} {target:>8}{verdict}")


if __name__ == "__main__":
    main()
