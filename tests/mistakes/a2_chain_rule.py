"""Assignment 2 (the multivariate chain rule): one realistic wrong answer per submission.

Each must lose exactly its question's points, and its failing test must say the given hint.
"""

from tests.grading_harness import Mistake

NOTEBOOK = "chain_rule"
AUTOGRADED_POINTS = 17
TOTAL_POINTS = 24

MISTAKES = [
    Mistake(
        "gap_weights_swapped",
        "p1_smallest_gap",
        "def smallest_gap(f, starts, ends, alphas):\n"
        "    gaps = [(1 - a) * f(x1) + a * f(x2) - f(a * x1 + (1 - a) * x2)\n"
        "            for x1, x2 in zip(starts, ends) for a in alphas]\n"
        "    return float(min(gaps))",
        "the weights are swapped",
    ),
    Mistake(
        "gap_via_nnkit",
        "p1_smallest_gap",
        "from nnkit.calculus import smallest_chord_gap\n\n"
        "def smallest_gap(f, starts, ends, alphas):\n"
        "    return smallest_chord_gap(f, starts, ends, alphas)[0]",
        "don't call nnkit.calculus.smallest_chord_gap",
    ),
    Mistake(
        "sigmoid_convex",
        "p1_classify",
        'is_convex = {"exp": True, "cube": False, "abs": True, "sigmoid": True, "softplus": True, '
        '"product": False}',
        "bends downward",
    ),
    Mistake(
        "one_path_only",
        "p2_paths",
        "def dy_dx_paths(x, w, b, c):\n"
        "    z = np.tanh(w * x + b)\n"
        "    s = np.sum(c * z)\n"
        "    return float(2 * s * c[0] * (1 - z[0] ** 2) * w[0])",
        "only the path through z_1",
    ),
    Mistake(
        "sum_of_squares",
        "p2_paths",
        "def dy_dx_paths(x, w, b, c):\n"
        "    z = np.tanh(w * x + b)\n"
        "    return float(np.sum(2 * c * z * c * (1 - z**2) * w))",
        "square of the SUM",
    ),
    Mistake(
        "cos_sign_lost",
        "p3_dy_dx",
        "def dy_dx(x):\n    return -x**2 * np.cos(x) + 2 * x * np.sin(x)",
        "sign of cos is lost",
    ),
    Mistake(
        "product_term_dropped",
        "p3_dy_dx",
        "def dy_dx(x):\n    return x**2 * np.cos(x)",
        "path through v = x^2 is missing",
    ),
    Mistake(
        "finite_difference",
        "p3_dy_dx",
        "def dy_dx(x):\n"
        "    h = 1e-5\n"
        "    return (np.sin(x + h) * (x + h)**2 - np.sin(x - h) * (x - h)**2) / (2 * h)",
        "finite difference",
    ),
    Mistake(
        "quotient_sign_swapped",
        "p4_rules",
        "def product_rule(u, du_dx, v, dv_dx):\n    return v * du_dx + u * dv_dx\n\n\n"
        "def quotient_rule(u, du_dx, v, dv_dx):\n    return (u * dv_dx - v * du_dx) / v**2",
        "numerator's sign is swapped",
    ),
    Mistake(
        "quotient_v_not_squared",
        "p4_rules",
        "def product_rule(u, du_dx, v, dv_dx):\n    return v * du_dx + u * dv_dx\n\n\n"
        "def quotient_rule(u, du_dx, v, dv_dx):\n    return (v * du_dx - u * dv_dx) / v",
        "the denominator is v^2",
    ),
    Mistake(
        "layouts_swapped",
        "p5_simple_layouts",
        "def dy_dx_linear(A, layout):\n    return A.T if layout == 'numerator' else A\n\n\n"
        "def dy_dx_tanh(x, layout):\n    return np.diag(1 - np.tanh(x) ** 2)",
        "other layout",
    ),
    Mistake(
        "tanh_vector",
        "p5_simple_layouts",
        "def dy_dx_linear(A, layout):\n    return A if layout == 'numerator' else A.T\n\n\n"
        "def dy_dx_tanh(x, layout):\n    return 1 - np.tanh(x) ** 2",
        "np.diag builds it",
    ),
    Mistake(
        "flat_vectors",
        "p5_chain_layouts",
        "def chain_factors(A, b, c, v, layout):\n"
        "    g = np.tanh(A @ v + b)\n"
        "    jac = (1 - g**2)[:, None] * A\n"
        "    if layout == 'numerator':\n"
        "        return g - c, jac, (g - c) @ jac\n"
        "    return g - c, jac.T, jac.T @ (g - c)",
        "reshape it",
    ),
    Mistake(
        "chain_missing_tanh_slope",
        "p5_chain_layouts",
        "def chain_factors(A, b, c, v, layout):\n"
        "    g = np.tanh(A @ v + b)\n"
        "    row = (g - c).reshape(1, -1)\n"
        "    if layout == 'numerator':\n"
        "        return row, A, row @ A\n"
        "    return row.T, A.T, A.T @ row.T",
        "derivative of tanh is missing",
    ),
]
