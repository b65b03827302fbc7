"""Assignment 1 (the forward pass): one realistic wrong answer per submission.

Each must lose exactly its question's points, and its failing test must say the given hint.
"""

from tests.grading_harness import Mistake

NOTEBOOK = "forward_pass"
AUTOGRADED_POINTS = 34
TOTAL_POINTS = 40

MISTAKES = [
    Mistake("sizes_swapped", "p1_sizes", "N_h = 1\nN_o = 2", "rows of W^H"),
    Mistake(
        "p1_hardcoded",
        "p1_predict",
        "def p1_predict(x):\n    return np.array([1.0, 0.0, 1.0])  # the visible example",
        "shape of its input",
    ),
    Mistake(
        "interval_ends_flipped",
        "p1_zero_interval",
        "zero_from = 1\nzero_to = 3\nzero_includes_from = False\nzero_includes_to = True",
        "the step gives 1 at z = 0",
    ),
    Mistake(
        "threshold_past_5",
        "p2_weights",
        "Wh2 = np.array([[1.0], [1.0]])\nbh2 = np.array([-2.0, -6.0])\n"
        "Wo2 = np.array([[1.0, -2.0]])\nbo2 = np.array([-0.5])",
        "at x = 5 the answer should be 0",
    ),
    Mistake(
        "strict_step",
        "p2_intermediates",
        "def p2_intermediates(x, Wh, bh, Wo, bo):\n"
        "    z_h = Wh[:, 0] * x + bh\n"
        "    u_h = (z_h > 0).astype(float)\n"
        "    return z_h, u_h, float(Wo[0] @ u_h + bo[0])",
        "z >= 0",
    ),
    Mistake("new_point_inconsistent", "p2_new", "y_hat_35 = 0", "YOUR weights"),
    Mistake(
        "region_open",
        "p3_in_region",
        "def in_region(x1, x2):\n    return (x1 > 0) & (x2 > 0) & (x1 + x2 < 1)",
        "boundary lines",
    ),
    Mistake("pixels_per_side", "p4a_arch", 'arch_a = {"N_i": 20, "N_o": 26, "g_out": "softmax"}', "every pixel"),
    Mistake(
        "binary_softmax_one_output", "p4b_arch", 'arch_b = {"N_i": 120, "N_o": 1, "g_out": "softmax"}', "not right"
    ),
    Mistake("regression_sigmoid", "p4c_arch", 'arch_c = {"N_i": 5, "N_o": 1, "g_out": "sigmoid"}', "not right"),
    Mistake(
        "hidden_no_bias",
        "p5_hidden_layer",
        "def hidden_layer(X, Wh, bh):\n    return 1.0 / (1.0 + np.exp(-(X @ Wh.T)))",
        "bias is missing",
    ),
    Mistake(
        "hidden_aliased_nnkit",
        "p5_hidden_layer",
        "from nnkit.activations import sigmoid as squash\n\n"
        "def hidden_layer(X, Wh, bh):\n    return squash(X @ Wh.T + bh)",
        "don't call nnkit.sigmoid",
    ),
    Mistake(
        "hidden_transposed",
        "p5_hidden_layer",
        "def hidden_layer(X, Wh, bh):\n    return 1.0 / (1.0 + np.exp(-(X @ Wh + bh)))",
        "wrong way round",
    ),
    Mistake(
        "hidden_hardcoded",
        "p5_hidden_layer",
        "def hidden_layer(X, Wh, bh):\n"
        "    if X.shape == (1, 2):  # the visible example\n"
        "        return np.array([[0.7310585786300049, 0.5]])\n"
        "    return np.full((X.shape[0], Wh.shape[0]), 0.5)",
        "wrong values",
    ),
    Mistake(
        "sigmoid_via_nnkit",
        "p5_output_sigmoid",
        "def output_sigmoid(Uh, Wo, bo):\n    return nnkit.sigmoid(Uh @ Wo.T + bo)",
        "don't call nnkit.sigmoid",
    ),
    Mistake(
        "sigmoid_sign",
        "p5_output_sigmoid",
        "def output_sigmoid(Uh, Wo, bo):\n    return 1.0 / (1.0 + np.exp(Uh @ Wo.T + bo))",
        "sigmoid(-z)",
    ),
    Mistake(
        "softmax_seed_axis",
        "p5_output_softmax",
        "def output_softmax(Uh, Wo, bo):\n"
        "    Zo = Uh.dot(Wo.T) + bo[None, :]\n"
        "    expZo = np.exp(Zo)\n"
        "    return expZo / np.sum(expZo, axis=1)[None, :]",
        "wrong axis",
    ),
    Mistake(
        "shapes_transposed",
        "p6_shapes",
        "num_weight_matrices = 2\nW_H_folded_shape = (3, 2)\nW_O_folded_shape = (1, 3)",
        "one row per hidden unit",
    ),
    Mistake(
        "bias_last",
        "p6_forward",
        "def anchor_forward(x, W_H_folded, W_O_folded, y):\n"
        "    z_H = W_H_folded @ np.append(x, 1.0)\n"
        "    u_H = np.maximum(z_H, 0.0)\n"
        "    z_O = float(W_O_folded[0] @ np.append(u_H, 1.0))\n"
        "    y_hat = 1.0 / (1.0 + np.exp(-z_O))\n"
        "    return z_H, u_H, z_O, y_hat, int(y_hat >= 0.5), (y - y_hat) ** 2",
        "bias goes FIRST",
    ),
    Mistake(
        "loss_not_squared",
        "p6_values",
        "z_H_anchor = np.array([3.0, -2.0])\nu_H_anchor = np.array([3.0, 0.0])\nz_O_anchor = -5.0\n"
        "y_hat_anchor = 0.0067\nclass_anchor = 0\nloss_anchor = 1 - 0.0067",
        "loss is squared",
    ),
    Mistake(
        "total_off_by_one",
        "p7_counts",
        "params_first_linear = 6\nparams_first_activation = 0\nparams_total = 8",
        "entries of W_H_folded and W_O_folded",
    ),
    Mistake(
        "count_via_nnkit",
        "p7_count_params",
        "def count_params(n_in, n_hidden, n_out):\n"
        "    return nnkit.TwoLayerNet(n_in, n_hidden, n_out).num_params()",
        "don't call nnkit.TwoLayerNet",
    ),
]
