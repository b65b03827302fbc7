"""Shared input ranges for the property-based tests (one place, as in MiniTorch)."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# Moderate values: where finite differences are accurate to ~1e-8.
moderate_floats = st.floats(min_value=-5.0, max_value=5.0, allow_nan=False, allow_infinity=False)
# Huge logits: the losses must stay finite up to |z| = 1000.
huge_floats = st.floats(min_value=-1000.0, max_value=1000.0, allow_nan=False, allow_infinity=False)

batch_sizes = st.integers(min_value=1, max_value=5)
layer_sizes = st.integers(min_value=1, max_value=4)
class_counts = st.integers(min_value=2, max_value=5)
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def arrays(shape: tuple[int, ...], elements=moderate_floats) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of a fixed shape."""
    return hnp.arrays(np.float64, shape, elements=elements)


@st.composite
def matrices(draw, elements=moderate_floats) -> np.ndarray:
    """A float64 matrix of random shape (rows, cols), each in 1..5."""
    rows, cols = draw(batch_sizes), draw(st.integers(min_value=1, max_value=5))
    return draw(arrays((rows, cols), elements))


# Values that cross between the grader and a student's kernel as plain data (classgrader.wire).
wire_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
    st.complex_numbers(allow_nan=False), st.builds(np.float64, st.floats(allow_nan=False)),
    hnp.arrays(st.one_of(hnp.boolean_dtypes(), hnp.integer_dtypes(), hnp.unsigned_integer_dtypes(),
                         hnp.floating_dtypes(), hnp.complex_number_dtypes()),
               hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)),
)
wire_values = st.recursive(
    wire_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.tuples(children, children),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), children, max_size=4),
    ),
    max_leaves=12,
)
