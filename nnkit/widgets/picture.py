"""An explorer's picture: a matplotlib figure shown as a PNG with alt text that says what it shows.

ipywidgets' Image has no alt text (and a tooltip on it stops the widget from being drawn, in
JupyterLab and on the website alike: its view reads a description that images do not have), and
a figure shown in an Output widget has none either. A ``Picture`` is an HTML widget holding one
``<img>`` with the PNG inline and the description as its ``alt``, so a screen reader says what
the picture shows, in JupyterLab and on the course website.

    image = Picture("The loss against epochs for the chosen learning rate.")
    show(image, figure)          # draws the figure into it; image.png holds the PNG bytes
"""

import base64
import html
import io

import ipywidgets
from matplotlib.figure import Figure


class Picture(ipywidgets.HTML):
    """An ``<img>`` with alt text, redrawn by ``show`` (or ``set_png``).

    Attributes:
        alt: what the picture shows (its alt text).
        png: the PNG bytes shown now (b"" before the first drawing).
    """

    def __init__(self, alt: str) -> None:
        if not alt.strip():
            raise ValueError("a picture needs a description of what it shows (its alt text)")
        super().__init__()
        self.alt = alt
        self.png = b""

    def set_png(self, png: bytes) -> None:
        """Show these PNG bytes."""
        if png[:8] != b"\x89PNG\r\n\x1a\n":
            raise ValueError("a picture shows PNG images only")
        self.png = png
        data = base64.b64encode(png).decode("ascii")
        self.value = f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}">'


def picture(alt: str) -> Picture:
    """An empty picture whose alt text is ``alt``; fill it with ``show``."""
    return Picture(alt)


def show(image: Picture, figure: Figure, dpi: int = 80) -> None:
    """Draw ``figure`` into ``image`` as a PNG (tight bounding box)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    image.set_png(buffer.getvalue())
