"""Test settings shared by every test file."""

import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]

# Figures are drawn off-screen in tests.
matplotlib.use("Agg")

# Under CI, property-based tests use a fixed sequence of examples, so a run is reproducible.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The student website, built once per test run from scratch, with warnings as errors.

    A chapter whose executed check fails, a broken cross-reference or a missing figure fails the
    build, and so every test that uses the site.
    """
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"],
        capture_output=True, text=True, timeout=1800,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"the book did not build cleanly:\n{log[-6000:]}"
    return out / "_build" / "html"


@pytest.fixture(scope="session")
def isolation():
    """Student code can be confined here (bubblewrap): skip locally if not, fail under CI."""
    from classgrader.sandbox import missing_isolation

    problem = missing_isolation()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"isolation is required under CI: {problem}")
        pytest.skip(f"no isolation on this machine: {problem}")
