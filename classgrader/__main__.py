"""python -m classgrader: the grading command (see classgrader.cli)."""

import sys

from classgrader.cli import main

sys.exit(main())
