"""Test settings shared by every test file."""

import os

import matplotlib
from hypothesis import settings

# Figures are drawn off-screen in tests.
matplotlib.use("Agg")

# Under CI, property-based tests use a fixed sequence of examples, so a run is reproducible.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
