"""Build the instructor's edition of the course website: the student site plus the reference solutions.

    python web/instructor_book.py [--path-output DIR]

The student site (`make book`) never contains a solution or a hidden test. This edition adds
a part "Reference solutions" with every source notebook of solutions/, and is written to its
own folder (default _build/instructor/_build/html) so the two sites are never mixed up.
It reuses _config.yml and _toc.yml; only the differences are set here.
"""

import argparse
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def instructor_config(config: dict) -> dict:
    """The book's settings, with the solutions no longer excluded and paths made absolute."""
    config = dict(config)
    config["title"] = f"{config['title']} (instructor's edition)"
    config["exclude_patterns"] = [p for p in config["exclude_patterns"] if p != "solutions"]
    sphinx = dict(config["sphinx"])
    # The settings file is written elsewhere, so the extension folder must not be relative.
    sphinx["local_extensions"] = {name: str(ROOT / path) for name, path in sphinx["local_extensions"].items()}
    config["sphinx"] = sphinx
    return config


def instructor_toc(toc: dict) -> dict:
    """The book's table of contents plus one entry per source notebook in solutions/."""
    solutions = sorted(ROOT.glob("solutions/*/*.ipynb"))
    if not solutions:
        raise SystemExit("error: no notebooks in solutions/: nothing to add to the instructor's edition.")
    part = {
        "caption": "Reference solutions (instructors only)",
        "chapters": [{"file": str(path.relative_to(ROOT).with_suffix(""))} for path in solutions],
    }
    return {**toc, "parts": [*toc["parts"], part]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path-output", default=str(ROOT / "_build" / "instructor"))
    args = parser.parse_args()
    out = Path(args.path_output)
    settings = out / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    config = instructor_config(yaml.safe_load((ROOT / "_config.yml").read_text()))
    toc = instructor_toc(yaml.safe_load((ROOT / "_toc.yml").read_text()))
    (settings / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    (settings / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [str(jupyter_book), "build", str(ROOT), "--path-output", str(out),
               "--config", str(settings / "_config.yml"), "--toc", str(settings / "_toc.yml")]
    result = subprocess.run(command)
    if result.returncode:
        raise SystemExit(result.returncode)
    print(f"\nThe instructor's edition is built (it contains the solutions; do not publish it to students):\n"
          f"    file://{out / '_build' / 'html' / 'index.html'}")


if __name__ == "__main__":
    main()
