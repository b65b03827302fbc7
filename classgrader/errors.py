"""The one exception of the grading command."""


class GradingError(Exception):
    """Something the instructor must fix before grading can go on; the message says what and how."""
