"""The version of the course's environment: what must be equal on every machine that grades.

Two machines grade a submission alike if they run the same Python, the same grading packages and
the same course code (nnkit, classgrader). `environment_version` names all of these, as JSON, so
that the grading command can check each worker's against its own when it connects, and each task
again on the worker that runs it.
"""

import functools
import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path

import classgrader
import nnkit

# The packages whose version can change a grade, a feedback page or what is stored in the gradebook.
PACKAGES = ("nbgrader", "nbconvert", "nbclient", "nbformat", "jupyter_client", "ipykernel", "traitlets",
            "numpy", "matplotlib", "sqlalchemy", "nh3", "dask", "distributed")


def code_digest(*packages: object) -> str:
    """A hash of the Python source of the given packages (their .py files, by path inside each package)."""
    digest = hashlib.sha256()
    for package in packages:
        folder = Path(package.__file__).parent
        for path in sorted(folder.rglob("*.py")):
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


@functools.cache
def environment_version() -> str:
    """This environment's version: Python's, each of PACKAGES', and the course code's digest, as JSON."""
    version = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            version[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            version[name] = "not installed"
    version["course code (nnkit, classgrader)"] = code_digest(nnkit, classgrader)
    return json.dumps(version, sort_keys=True)
