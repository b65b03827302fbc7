"""Making student notebooks for the tests: the released notebook with answers filled in.

The functions live in classgrader.notebooks (the demo class uses them too); REPO is this course.
"""

from pathlib import Path

from classgrader.notebooks import MARKERS, filled_release, nbgrader_meta, reference_answers, without_markers

REPO = Path(__file__).resolve().parents[1]

__all__ = ["MARKERS", "REPO", "filled_release", "nbgrader_meta", "reference_answers", "without_markers"]
