"""Drawing basics shared by the course's figures: short number labels and the geometry of an edge.

``nnkit.plotting`` (network diagrams) and ``nnkit.graph_drawing`` (computation graphs) both draw
circles joined by lines and write numbers beside them; these two helpers are what they share.
"""

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def format_number(value: float, digits: int = 3) -> str:
    """A short label: ``digits`` significant digits and a real minus sign, e.g. −0.0396 (−0 is written 0)."""
    return f"{float(value) + 0.0:.{digits}g}".replace("-", "\N{MINUS SIGN}")  # + 0.0 turns −0 into 0


def rim_points(start: ArrayLike, end: ArrayLike, radius: float) -> tuple[Array, Array]:
    """Where the segment between two circle centres leaves the first circle and enters the second.

    Args:
        start, end: the centres (x, y), shape (2,); they must differ.
        radius: the circles' radius (both the same).

    Returns:
        (tail, head), each shape (2,): draw the edge from tail to head so it touches both rims.
    """
    start, end = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
    length = np.linalg.norm(end - start)
    if length == 0:
        raise ValueError(f"an edge needs two different centres; both are at {tuple(start)}.")
    direction = (end - start) / length
    return start + radius * direction, end - radius * direction
