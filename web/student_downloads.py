"""Sphinx extension: what a student with only the website needs to work on the exercises.

At every build of the book the site gets a folder downloads/ with
- the nnkit wheel, built from this source (pyproject.toml's version in its name), and
- requirements-student.txt: the packages of web/student_packages.txt, each pinned to its version
  in requirements.txt, so the two files can never disagree.
The page "Working on the exercises" (working_on_exercises.md) links to both and shows the exact
commands; its placeholders (PLACEHOLDERS below) are filled in here, from the same values. Every
exercise page gets a note, under its title, that links to that page.
"""

import ast
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parents[1]
STUDENT_PACKAGES = ROOT / "web" / "student_packages.txt"
DOWNLOADS = "downloads"
REQUIREMENTS_NAME = "requirements-student.txt"
SETUP_PAGE = "working_on_exercises"
# What goes into the wheel: the package's settings, its readme, and its packages' source.
WHEEL_SOURCES = ["pyproject.toml", "README.md", "nnkit", "classgrader"]
# Zip timestamps of the wheel: fixed, so the same source always gives the same file.
WHEEL_DATE_EPOCH = "315532800"  # 1980-01-01, the earliest a zip file can hold


@dataclass(frozen=True)
class StudentDownloads:
    """What the site offers a student, computed once per build from the course's files."""

    version: str  # nnkit's version, from pyproject.toml
    requirements: str  # the text of requirements-student.txt

    @property
    def wheel(self) -> str:
        return f"nnkit-{self.version}-py3-none-any.whl"

    @property
    def pins(self) -> str:
        """The requirement lines alone (no comments), as the page shows them."""
        return "\n".join(line for line in self.requirements.splitlines() if line and not line.startswith("#"))


def normalized(name: str) -> str:
    """A package name as pip compares them (PEP 503): lower case, runs of -_. as one -."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_versions(requirements: str) -> dict[str, str]:
    """The exact pins of a requirements file: normalized name -> 'name==version' as written there."""
    pins = {}
    for line in requirements.splitlines():
        match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s#;]+)\s*(#.*)?", line)
        if match:
            pins[normalized(match.group(1))] = f"{match.group(1)}=={match.group(2)}"
    return pins


def listed_names(text: str) -> list[str]:
    """The package names of web/student_packages.txt: one a line, # starts a comment."""
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def dependency_name(requirement: str) -> str:
    """The package name of a PEP 508 requirement ('numpy>=2; python_version>"3"' -> 'numpy')."""
    return re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement).group(1)


def student_downloads(root: Path = ROOT) -> StudentDownloads:
    """nnkit's version and the students' requirements file, checked against the course's files.

    Raises ExtensionError (one line, with the fix) when a student package is not pinned with ==
    in requirements.txt, or when nnkit depends on a package the students' list leaves out.
    """
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf8"))["project"]
    pins = pinned_versions((root / "requirements.txt").read_text(encoding="utf8"))
    names = listed_names((root / "web" / STUDENT_PACKAGES.name).read_text(encoding="utf8"))
    unpinned = [name for name in names if normalized(name) not in pins]
    if unpinned:
        raise ExtensionError(
            f"web/{STUDENT_PACKAGES.name} lists {', '.join(unpinned)}, which requirements.txt does not pin "
            "with ==: pin it there (the version the course is tested with)."
        )
    missing = [dep for dep in map(dependency_name, project.get("dependencies", []))
               if normalized(dep) not in {normalized(name) for name in names}]
    if missing:
        raise ExtensionError(
            f"nnkit depends on {', '.join(missing)} (pyproject.toml), which web/{STUDENT_PACKAGES.name} "
            "does not list: add it there, or students' environments will not have it pinned."
        )
    unlisted = unlisted_imports(root, names)
    if unlisted:
        raise ExtensionError(
            f"the exercises import {', '.join(unlisted)}, which web/{STUDENT_PACKAGES.name} does not list: "
            "add the package there, or students' environments will not have it."
        )
    version = project["version"]
    wheel = f"nnkit-{version}-py3-none-any.whl"
    header = [
        "# Backprop by Hand: the environment for working on the exercises (JupyterLab, nbgrader's",
        "# Validate, and what nnkit needs), pinned to the versions the course is tested with, on Python 3.11.",
        "# Made from the course's requirements.txt when its website was built. nnkit itself is the wheel",
        f"# offered next to this file ({wheel}); install both in one command:",
        f"#   python -m pip install -r {REQUIREMENTS_NAME} {wheel}",
    ]
    lines = header + [pins[normalized(name)] for name in names]
    return StudentDownloads(version=version, requirements="\n".join(lines) + "\n")


def imported_modules(notebook: Path) -> set[str]:
    """The top-level modules the code cells of a notebook import (cells that are not Python are skipped)."""
    modules = set()
    for cell in json.loads(notebook.read_text(encoding="utf8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        # IPython's magics and shell lines are not Python.
        code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.split(".")[0])
    return modules


def unlisted_imports(root: Path, names: list[str]) -> list[str]:
    """Modules the released exercises import that no listed package provides ('sklearn (scikit-learn)')."""
    listed = {normalized(name) for name in names} | {"nnkit"}
    providers = importlib.metadata.packages_distributions()
    modules = set().union(*(imported_modules(path) for path in sorted((root / "exercises").glob("*/*.ipynb"))))
    unlisted = []
    for module in sorted(modules - set(sys.stdlib_module_names) - {"nnkit"}):
        dists = providers.get(module, [])
        if not any(normalized(dist) in listed for dist in dists):
            unlisted.append(f"{module} ({', '.join(dists) or 'not installed here'})")
    return unlisted


def source_fingerprint(root: Path) -> str:
    """A hash of every file that goes into the wheel (caches and bytecode left out)."""
    digest = hashlib.sha256()
    for name in WHEEL_SOURCES:
        path = root / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc":
                digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def build_wheel(root: Path, target: Path, expected_name: str) -> Path:
    """Build nnkit's wheel from a copy of the source (the working tree is left untouched).

    Returns the wheel's path in `target`; raises ExtensionError with setuptools' output if the
    build fails or names the wheel otherwise than `expected_name`.
    """
    with tempfile.TemporaryDirectory(prefix="nnkit-wheel-") as scratch:
        source, dist = Path(scratch) / "source", Path(scratch) / "dist"
        for name in WHEEL_SOURCES:
            if (root / name).is_dir():
                shutil.copytree(root / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                source.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / name, source / name)
        result = subprocess.run(
            [sys.executable, "-c", f"import setuptools.build_meta as b; print(b.build_wheel({str(dist)!r}))"],
            cwd=source, capture_output=True, text=True, timeout=300,
            env=dict(os.environ, SOURCE_DATE_EPOCH=WHEEL_DATE_EPOCH),
        )
        built = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
        if result.returncode != 0 or built != expected_name:
            raise ExtensionError(
                f"building the nnkit wheel failed (expected {expected_name}, got {built or 'nothing'}):\n"
                + (result.stdout + result.stderr)[-3000:]
            )
        target.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy2(dist / built, target / built))


PLACEHOLDERS = {
    "@NNKIT_VERSION@": lambda d: d.version,
    "@NNKIT_WHEEL@": lambda d: d.wheel,
    "@STUDENT_REQUIREMENTS@": lambda d: REQUIREMENTS_NAME,
    "@STUDENT_PINS@": lambda d: d.pins,
}


def compute_downloads(app: Sphinx, config: object) -> None:
    """Check and compute the downloads once per build; a change in them re-reads the pages."""
    downloads = student_downloads()
    app.student_downloads = downloads
    config.student_downloads_stamp = hashlib.sha256((downloads.version + downloads.requirements).encode()).hexdigest()


def fill_placeholders(app: Sphinx, docname: str, source: list[str]) -> None:
    """Put nnkit's version, the wheel's name and the pins into the pages that ask for them."""
    for placeholder, value in PLACEHOLDERS.items():
        if placeholder in source[0]:
            source[0] = source[0].replace(placeholder, value(app.student_downloads))


def add_setup_note(app: Sphinx, doctree: nodes.document) -> None:
    """Under the title of every exercise page: a note that links to the setup page."""
    docname = app.env.docname
    if not docname.startswith("exercises/"):
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    link = addnodes.pending_xref(
        "", nodes.inline("", "Working on the exercises"),
        refdomain="std", reftype="doc", reftarget=f"/{SETUP_PAGE}", refexplicit=True, refwarn=True,
        refdoc=docname,
    )
    paragraph = nodes.paragraph(
        "", "",
        nodes.Text("To work on this notebook, download it (the download button at the top of this page, "
                   "then .ipynb), open it in JupyterLab and press Validate to run its visible tests. "
                   "The page "),
        link,
        nodes.Text(" shows how to install JupyterLab with nbgrader's Validate and nnkit, once, "
                   "on Linux, macOS or Windows."),
    )
    note = nodes.admonition("", nodes.title("", "Before you start"), paragraph, classes=["tip", "exercise-setup-note"])
    title_index = next((i for i, child in enumerate(section.children) if isinstance(child, nodes.title)), -1)
    section.insert(title_index + 1, note)


def write_downloads(app: Sphinx, exception: Exception | None) -> None:
    """After a successful HTML build: downloads/ with the requirements file and the nnkit wheel."""
    if exception is not None or app.builder.format != "html":
        return
    downloads: StudentDownloads = app.student_downloads
    folder = Path(app.outdir) / DOWNLOADS
    folder.mkdir(parents=True, exist_ok=True)
    (folder / REQUIREMENTS_NAME).write_text(downloads.requirements, encoding="utf8")
    # Building the wheel takes about a second: only when its source changed since the last build.
    stamp, fingerprint = Path(app.doctreedir) / "nnkit-wheel-source", source_fingerprint(ROOT)
    if (folder / downloads.wheel).exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return
    for old in folder.glob("nnkit-*.whl"):
        old.unlink()
    build_wheel(ROOT, folder, downloads.wheel)
    stamp.write_text(fingerprint)


def setup(app: Sphinx) -> dict:
    app.add_config_value("student_downloads_stamp", "", "env")
    app.connect("config-inited", compute_downloads)
    app.connect("source-read", fill_placeholders)
    app.connect("doctree-read", add_setup_note)
    app.connect("build-finished", write_downloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
