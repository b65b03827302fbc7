"""Chapter 3's explorer: the gradient tensors of a linear layer, their shapes and einsum strings.

A linear layer on a batch (rows are samples) is Z = X W^T + 1_N b^T, with
X (N, n), W (m, n), b (m,), Z (N, m): N samples, n inputs, m outputs (the
course's notation page); for one sample, z = W x + b. The pure functions below compute what the explorer shows, so
they can be tested without a browser:

- ``linear_layer_shapes``: every array and gradient tensor, its shape, and
  the einsum string that computes it;
- ``weight_entry_masks``: which entries of dz/dW can be non-zero, and which
  ones are derivatives with respect to one chosen weight W[row, col];
- ``draw_linear_layer_gradient``: the picture of W, x, z and dz/dW.

The functions take numpy's 0-based indices; the labels they draw count from 1,
as the formulas of the course do, so W[0, 1] is drawn as W_12.
"""

import html

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from numpy.typing import NDArray

from nnkit.widgets.picture import picture, show

# Colours of the picture.
NONZERO_FILL = "#fde2c8"  # entries of dz/dW that can be non-zero (i == k)
SELECTED_FILL = "#c55a11"  # the chosen weight and the one derivative it has
SELECTED_EDGE = "#1f4e9c"  # outline of all derivatives with respect to the chosen weight
ZERO_TEXT = "0.6"


def linear_layer_shapes(batch_size: int, n_in: int, n_out: int) -> list[dict]:
    """Every tensor of a linear layer Z = X W^T + b on a batch, and how it is computed.

    Index letters in the einsum strings, as in chapter 3: i (and h) for samples, j (and p)
    for outputs, k for inputs, so that Z_ij = Σ_k X_ik W_jk + b_j. The loss J is a
    number; Δ = ∂J/∂Z is given.

    Args:
        batch_size: N, the number of samples (rows of X).
        n_in: n, the number of inputs.
        n_out: m, the number of outputs.

    Returns:
        one dict per tensor with keys "name" (str), "shape" (tuple), "entries"
        (int, the product of the shape) and "einsum" (str, "" for given arrays).
    """
    N, n, m = batch_size, n_in, n_out
    rows = [
        ("X", (N, n), ""),
        ("W", (m, n), ""),
        ("b", (m,), ""),
        ("Z = X Wᵀ + b", (N, m), "ik,jk->ij  (then + b)"),
        ("∂Z/∂W", (N, m, m, n), "jp,ik->ijpk  (δ_jp X_ik)"),
        ("∂Z/∂b", (N, m, m), "i,jp->ijp  (1 · δ_jp for every i)"),
        ("∂Z/∂X", (N, m, N, n), "ih,jk->ijhk  (δ_ih W_jk)"),
        ("∂J/∂Z", (N, m), ""),
        ("∂J/∂W  (chain rule)", (m, n), "ij,ijpk->pk"),
        ("∂J/∂W  (shortcut)", (m, n), "ij,ik->jk  (Δᵀ X)"),
        ("∂J/∂b  (chain rule)", (m,), "ij,ijp->p"),
        ("∂J/∂b  (shortcut)", (m,), "ij->j  (column sums of Δ)"),
        ("∂J/∂X  (chain rule)", (N, n), "ij,ijhk->hk"),
        ("∂J/∂X  (shortcut)", (N, n), "ij,jk->ik  (Δ W)"),
    ]
    return [
        {"name": name, "shape": shape, "entries": int(np.prod(shape)), "einsum": einsum}
        for name, shape, einsum in rows
    ]


def shapes_table_html(batch_size: int, n_in: int, n_out: int) -> str:
    """``linear_layer_shapes`` as an HTML table (Δ stands for ∂J/∂Z)."""
    cells = "".join(
        f"<tr><td>{html.escape(row['name'])}</td><td>{row['shape']}</td>"
        f"<td style='text-align:right'>{row['entries']}</td><td><code>{html.escape(row['einsum'])}</code></td></tr>"
        for row in linear_layer_shapes(batch_size, n_in, n_out)
    )
    header = "<tr><th>tensor</th><th>shape</th><th>entries</th><th>np.einsum</th></tr>"
    return f"<table>{header}{cells}</table>"


def weight_entry_masks(n_out: int, n_in: int, row: int, col: int) -> dict[str, NDArray[np.bool_]]:
    """Where the entries of dz/dW (shape (m, m, n), entry [j, p, k] = dz_j/dW_pk) stand for one weight.

    For one sample, as in chapter 3: z_j = Σ_k W_jk x_k + b_j, so dz_j/dW_pk = δ_jp x_k.

    Args:
        n_out, n_in: m and n, the shape of W.
        row, col: the chosen weight W[row, col].

    Returns:
        {"nonzero": True where dz_j/dW_pk = delta_jp x_k can be non-zero (j == p),
         "selected": True on the derivatives of every z_j with respect to W[row, col],
         "selected_nonzero": both: the single entry [row, row, col]}, each of shape (m, m, n).
    """
    if not (0 <= row < n_out and 0 <= col < n_in):
        raise ValueError(f"W[{row}, {col}] is not an entry of a ({n_out}, {n_in}) matrix")
    i, k, _ = np.indices((n_out, n_out, n_in))
    nonzero = i == k
    selected = np.zeros((n_out, n_out, n_in), dtype=bool)
    selected[:, row, col] = True
    return {"nonzero": nonzero, "selected": selected, "selected_nonzero": nonzero & selected}


def _draw_grid(
    ax: Axes,
    left: float,
    top: float,
    labels: list[list[str]],
    fills: list[list[str]],
    edges: list[list[bool]] | None = None,
) -> None:
    """A grid of unit squares, top-left corner at (left, top), one label and fill per cell."""
    for r, (label_row, fill_row) in enumerate(zip(labels, fills)):
        for c, (label, fill) in enumerate(zip(label_row, fill_row)):
            outlined = edges is not None and edges[r][c]
            ax.add_patch(
                Rectangle(
                    (left + c, top - r - 1), 1, 1,
                    facecolor=fill,
                    edgecolor=SELECTED_EDGE if outlined else "0.3",
                    linewidth=2.5 if outlined else 0.8,
                    zorder=3 if outlined else 2,
                )
            )
            color = "white" if fill == SELECTED_FILL else (ZERO_TEXT if label == "0" else "black")
            ax.text(left + c + 0.5, top - r - 0.5, label, ha="center", va="center", fontsize=8, color=color, zorder=4)


def draw_linear_layer_gradient(n_in: int, n_out: int, row: int = 0, col: int = 0, ax: Axes | None = None) -> Axes:
    """Picture of z = W x + b and of the gradient tensor dz/dW, one weight W[row, col] picked out.

    Top: W (m x n), x (n), b (m) and z (m) as grids of cells. Bottom: dz/dW
    drawn as m slices, slice j being the m x n matrix dz_j/dW. Labels count from 1. Shaded cells
    can be non-zero (only row j of slice j, equal to x^T); outlined cells are
    the derivatives with respect to the chosen weight; the dark cell is the
    only one of them that is not zero.

    Args:
        n_in, n_out: n and m.
        row, col: the chosen weight W[row, col].
        ax: where to draw; a new figure if None.

    Returns:
        the Axes.
    """
    masks = weight_entry_masks(n_out, n_in, row, col)
    m, n = n_out, n_in
    if ax is None:
        width = max(2 * n + 7, m * (n + 1)) + 1
        _, ax = plt.subplots(figsize=(0.45 * width + 0.5, 0.45 * (2 * max(m, n) + 4)))

    def fill(chosen: bool) -> str:
        return SELECTED_FILL if chosen else "white"

    # Top row: W x + b = z.
    top = 0.0
    w_labels = [[f"$W_{{{i + 1}{j + 1}}}$" for j in range(n)] for i in range(m)]
    w_fills = [[fill(i == row and j == col) for j in range(n)] for i in range(m)]
    _draw_grid(ax, 0, top, w_labels, w_fills)
    x_left = n + 0.5
    _draw_grid(ax, x_left, top, [[f"$x_{{{j + 1}}}$"] for j in range(n)], [[fill(j == col)] for j in range(n)])
    b_left = x_left + 2
    ax.text(b_left - 0.5, top - m / 2, "+", ha="center", va="center", fontsize=12)
    _draw_grid(ax, b_left, top, [[f"$b_{{{i + 1}}}$"] for i in range(m)], [["white"] for _ in range(m)])
    z_left = b_left + 2
    ax.text(z_left - 0.5, top - m / 2, "=", ha="center", va="center", fontsize=12)
    _draw_grid(ax, z_left, top, [[f"$z_{{{i + 1}}}$"] for i in range(m)], [[fill(i == row)] for i in range(m)])
    for left, width, text in [
        (0, n, f"W  ({m}, {n})"),
        (x_left, 1, f"x  ({n},)"),
        (b_left, 1, f"b  ({m},)"),
        (z_left, 1, f"z  ({m},)"),
    ]:
        ax.text(left + width / 2, top + 0.3, text, ha="center", va="bottom", fontsize=9)

    # Bottom row: the m slices of dz/dW.
    slice_top = top - max(m, n) - 1.6
    for i in range(m):
        left = i * (n + 1)
        labels = [[f"$x_{{{j + 1}}}$" if masks["nonzero"][i, k, j] else "0" for j in range(n)] for k in range(m)]
        fills = [
            [
                SELECTED_FILL if masks["selected_nonzero"][i, k, j] else (NONZERO_FILL if masks["nonzero"][i, k, j] else "white")
                for j in range(n)
            ]
            for k in range(m)
        ]
        edges = [[bool(masks["selected"][i, k, j]) for j in range(n)] for k in range(m)]
        _draw_grid(ax, left, slice_top, labels, fills, edges)
        ax.text(left + n / 2, slice_top + 0.3, f"$\\partial z_{{{i + 1}}}/\\partial W$", ha="center", va="bottom", fontsize=9)
    ax.text(
        0, slice_top - m - 0.4,
        f"$\\partial z/\\partial W$  ({m}, {m}, {n}): slice $j$ holds $\\partial z_j/\\partial W_{{pk}} = \\delta_{{jp}}\\, x_k$",
        ha="left", va="top", fontsize=9,
    )

    right = max(z_left + 1, m * (n + 1) - 1)
    ax.set_xlim(-0.3, right + 0.3)
    ax.set_ylim(slice_top - m - 1.2, top + 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def linear_layer_explorer() -> widgets.VBox:
    """Sliders for N, n, m and the chosen weight W_jk (row j, column k, counted from 1); shows the picture and the table."""
    style = {"description_width": "150px"}
    batch_size = widgets.IntSlider(value=4, min=1, max=8, description="samples N (table)", style=style)
    n_in = widgets.IntSlider(value=3, min=1, max=5, description="inputs n", style=style)
    n_out = widgets.IntSlider(value=2, min=1, max=4, description="outputs m", style=style)
    row = widgets.IntSlider(value=1, min=1, max=2, description="weight row j", style=style)
    col = widgets.IntSlider(value=1, min=1, max=3, description="weight column k", style=style)
    image = picture(
        "The linear layer's tensors as grids of cells: W, x, b and z on top, and below them the gradient"
        " tensor dz/dW, with the chosen weight W_jk and the entries of dz/dW it feeds marked dark."
    )
    table = widgets.HTML()

    def update(_change=None) -> None:
        row.max, col.max = n_out.value, n_in.value
        table.value = shapes_table_html(batch_size.value, n_in.value, n_out.value)
        ax = draw_linear_layer_gradient(n_in.value, n_out.value, row.value - 1, col.value - 1)
        show(image, ax.figure)
        plt.close(ax.figure)

    for slider in (batch_size, n_in, n_out, row, col):
        slider.observe(update, names="value")
    update()
    return widgets.VBox([n_in, n_out, row, col, batch_size, image, table])
