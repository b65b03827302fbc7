"""Grading a whole class with nbgrader, with each submission's code confined by the operating system.

Modules, one concept each:

- errors: GradingError, the one exception the grading command raises for the instructor.
- sandbox: the confined kernel (bubblewrap namespaces, an unprivileged user, rlimits).
"""

from classgrader.errors import GradingError

__all__ = ["GradingError"]
