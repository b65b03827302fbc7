"""Assignment 4 (backpropagation): one realistic wrong answer per submission.

Each must lose exactly its question's points, and its failing test must say the given hint.
"""

from tests.grading_harness import Mistake

NOTEBOOK = "backpropagation"
AUTOGRADED_POINTS = 37
TOTAL_POINTS = 42

_P1_HEAD = (
    "def matrix_form_grads(X, W1, b1, W2, Delta_O):\n"
    "    Z_H = X @ W1.T + b1\n"
    "    U_H = 1.0 / (1.0 + np.exp(-Z_H))\n"
)

_P2_HEAD = (
    "def cross_entropy_backprop(X, y, W1, b1, W2, b2):\n"
    "    N = X.shape[0]\n"
    "    Z_H = X @ W1.T + b1\n"
    "    U_H = np.maximum(Z_H, 0.0)\n"
    "    Z_O = U_H @ W2.T + b2\n"
    "    shifted = Z_O - Z_O.max(axis=1, keepdims=True)\n"
    "    P = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)\n"
    "    R = np.eye(W2.shape[0])[y]\n"
    "    loss = np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(N), y])\n"
)

_P2_TAIL = (
    "    grads = {'W2': Delta_O.T @ U_H, 'b2': Delta_O.sum(axis=0)}\n"
    "    Delta_H = (Delta_O @ W2) * (Z_H > 0)\n"
    "    grads['W1'] = Delta_H.T @ X\n"
    "    grads['b1'] = Delta_H.sum(axis=0)\n"
    "    return loss, grads\n"
)

_P3_HEAD = (
    "def exp_model_grads(X, y, W1, b1, W2):\n"
    "    N = X.shape[0]\n"
    "    Z_H = X @ W1.T + b1\n"
    "    U_H = np.exp(Z_H)\n"
    "    y_hat = U_H @ W2[0]\n"
)

_P4_HEAD = (
    "def two_sigmoid_grads(x, y, W1, W2, W3):\n"
    "    u_1 = 1.0 / (1.0 + np.exp(-(W1 @ x)))\n"
    "    u_2 = 1.0 / (1.0 + np.exp(-(W2 @ u_1)))\n"
    "    y_hat = W3[0] @ u_2\n"
)


def _p5(delta_O="-2.0 * (y - y_hat) * y_hat * (1.0 - y_hat)", gate=" * (z_H > 0)",
        update="W_H_folded - eta * dW_H, W_O_folded - eta * dW_O"):
    return (
        "def anchor_sgd_step(x, y, W_H_folded, W_O_folded, eta):\n"
        "    x_tilde = np.concatenate([[1.0], x])\n"
        "    z_H = W_H_folded @ x_tilde\n"
        "    u_H = np.maximum(z_H, 0.0)\n"
        "    u_H_tilde = np.concatenate([[1.0], u_H])\n"
        "    z_O = float(W_O_folded[0] @ u_H_tilde)\n"
        "    y_hat = 1.0 / (1.0 + np.exp(-z_O))\n"
        "    J = (y - y_hat) ** 2\n"
        f"    delta_O = {delta_O}\n"
        "    dW_O = delta_O * u_H_tilde[None, :]\n"
        f"    dW_H = np.outer(delta_O * W_O_folded[0, 1:]{gate}, x_tilde)\n"
        f"    W_H_new, W_O_new = {update}\n"
        "    return {'z_H': z_H, 'u_H': u_H, 'z_O': z_O, 'y_hat': y_hat, 'J': J,\n"
        "            'dJ_dW_H_folded': dW_H, 'dJ_dW_O_folded': dW_O,\n"
        "            'W_H_folded_new': W_H_new, 'W_O_folded_new': W_O_new}\n"
    )


# Problem 5(b): the second step, from chapter 4's weights after one step. Two ways to write it: with 5(a)'s
# function, or by hand from the weights the chapter prints (to 6 digits, which the tolerances accept).
_P5_STEP2_HEAD = (
    "x_anchor = np.array([2.0, 5.0])\n"
    "first = anchor_sgd_step(x_anchor, 1.0, np.array([[2.0, 3.0, -1.0], [-1.0, -3.0, 1.0]]),\n"
    "                        np.array([[1.0, -2.0, 2.0]]), 2.0)\n"
    "second = anchor_sgd_step(x_anchor, 1.0, first['W_H_folded_new'], first['W_O_folded_new'], 2.0)\n"
)


def _p5_step2(grads="second", W_H_step2="second['W_H_folded_new']", W_O_step2="second['W_O_folded_new']",
              z_H_step2="W_H_folded_step2 @ np.array([1.0, 2.0, 5.0])",
              J_step2="anchor_sgd_step(x_anchor, 1.0, W_H_folded_step2, W_O_folded_step2, 2.0)['J']"):
    return _P5_STEP2_HEAD + (
        f"dJ_dWO11_step2 = {grads}['dJ_dW_O_folded'][0, 1]\n"
        f"dJ_dWH12_step2 = {grads}['dJ_dW_H_folded'][0, 2]\n"
        f"W_H_folded_step2, W_O_folded_step2 = {W_H_step2}, {W_O_step2}\n"
        f"z_H_step2 = {z_H_step2}\n"
        f"J_step2 = {J_step2}\n"
    )


def _p5_step2_by_hand(slope="y_hat * (1.0 - y_hat)", w_O_11="W_O_one[0, 1]"):
    return (
        "x_tilde = np.array([1.0, 2.0, 5.0])\n"
        "W_H_one = np.array([[1.94717, 2.89434, -1.26414], [-1.0, -3.0, 1.0]])   # chapter 4, after the first step\n"
        "W_O_one = np.array([[1.02641, -1.92076, 2.0]])\n"
        "z_H = W_H_one @ x_tilde\n"
        "u_H_tilde = np.concatenate([[1.0], np.maximum(z_H, 0.0)])\n"
        "z_O = W_O_one[0] @ u_H_tilde\n"
        "y_hat = 1.0 / (1.0 + np.exp(-z_O))\n"
        f"delta_O = -2.0 * (1.0 - y_hat) * {slope}\n"
        "dJ_dWO11_step2 = delta_O * u_H_tilde[1]\n"
        f"dJ_dWH12_step2 = delta_O * {w_O_11} * 1.0 * x_tilde[2]\n"
        "W_H_folded_step2 = W_H_one - 2.0 * np.outer(delta_O * W_O_one[0, 1:] * (z_H > 0), x_tilde)\n"
        "W_O_folded_step2 = W_O_one - 2.0 * delta_O * u_H_tilde[None, :]\n"
        "z_H_step2 = W_H_folded_step2 @ x_tilde\n"
        "u_H_tilde_step2 = np.concatenate([[1.0], np.maximum(z_H_step2, 0.0)])\n"
        "J_step2 = (1.0 - 1.0 / (1.0 + np.exp(-(W_O_folded_step2[0] @ u_H_tilde_step2)))) ** 2\n"
    )


def _p6(body):
    return "def count_parameters(layer_sizes, biases=True):\n" + body


MISTAKES = [
    # Problem 1(b): the matrix forms for a batch
    Mistake(
        "p1_dW2_transposed",
        "p1_matrix_forms",
        _P1_HEAD + "    U_bar_H = Delta_O @ W2\n    Delta_H = U_bar_H * U_H * (1.0 - U_H)\n"
        "    return {'W2': U_H.T @ Delta_O, 'b2': Delta_O.sum(axis=0), 'U_bar_H': U_bar_H, 'W1': Delta_H.T @ X,\n"
        "            'b1': Delta_H.sum(axis=0)}\n",
        "transposed",
    ),
    Mistake(
        "p1_no_sigma_prime",
        "p1_matrix_forms",
        _P1_HEAD + "    U_bar_H = Delta_O @ W2\n"
        "    return {'W2': Delta_O.T @ U_H, 'b2': Delta_O.sum(axis=0), 'U_bar_H': U_bar_H, 'W1': U_bar_H.T @ X,\n"
        "            'b1': U_bar_H.sum(axis=0)}\n",
        "sigma'(Z^H) is missing",
    ),
    Mistake(
        "p1_mean_not_sum",
        "p1_matrix_forms",
        _P1_HEAD + "    N = X.shape[0]\n    U_bar_H = Delta_O @ W2\n    Delta_H = U_bar_H * U_H * (1.0 - U_H)\n"
        "    return {'W2': Delta_O.T @ U_H / N, 'b2': Delta_O.mean(axis=0), 'U_bar_H': U_bar_H,\n"
        "            'W1': Delta_H.T @ X / N, 'b1': Delta_H.mean(axis=0)}\n",
        "you divided by N",
    ),
    Mistake(
        "p1_W_not_W_transpose",
        "p1_matrix_forms",
        _P1_HEAD + "    U_bar_H = Delta_O @ W2.T\n    Delta_H = U_bar_H * U_H * (1.0 - U_H)\n"
        "    return {'W2': Delta_O.T @ U_H, 'b2': Delta_O.sum(axis=0), 'U_bar_H': U_bar_H, 'W1': Delta_H.T @ X,\n"
        "            'b1': Delta_H.sum(axis=0)}\n",
        "wrong way round",
    ),
    # Problem 2: K-class cross-entropy with ReLU
    Mistake(
        "p2_no_one_hot",
        "p2_cross_entropy",
        _P2_HEAD + "    Delta_O = P / N\n" + _P2_TAIL,
        "one-hot target is not subtracted",
    ),
    Mistake(
        "p2_sum_not_mean",
        "p2_cross_entropy",
        _P2_HEAD.replace("loss = np.mean(", "loss = np.sum(") + "    Delta_O = P - R\n" + _P2_TAIL,
        "instead of the mean",
    ),
    Mistake(
        "p2_no_relu_prime",
        "p2_cross_entropy",
        _P2_HEAD + "    Delta_O = (P - R) / N\n" + _P2_TAIL.replace(" * (Z_H > 0)", ""),
        "ReLU'(z^H) is missing",
    ),
    Mistake(
        "p2_calls_twolayernet",
        "p2_cross_entropy",
        "def cross_entropy_backprop(X, y, W1, b1, W2, b2):\n"
        "    net = nnkit.TwoLayerNet(X.shape[1], W1.shape[0], W2.shape[0], activation='relu', output='softmax')\n"
        "    net.params = {'W1': W1, 'b1': b1, 'W2': W2, 'b2': b2}\n"
        "    return net.loss_and_grads(X, y)\n",
        "don't call nnkit.TwoLayerNet",
    ),
    # Problem 3: the exponential model
    Mistake(
        "p3_sum_loss",
        "p3_forward",
        "def exp_model_forward(X, y, W1, b1, W2):\n"
        "    Z_H = X @ W1.T + b1\n    U_H = np.exp(Z_H)\n    y_hat = U_H @ W2[0]\n"
        "    return Z_H, U_H, y_hat, np.sum((y - y_hat) ** 2)   # the lecture notes' L\n",
        "MEAN of the squared errors",
    ),
    Mistake(
        "p3_sign_flipped",
        "p3_grads",
        _P3_HEAD + "    dJ_dy_hat = 2.0 * (y - y_hat) / N\n    Delta_H = np.outer(dJ_dy_hat, W2[0]) * U_H\n"
        "    return {'W2': (dJ_dy_hat @ U_H)[None, :], 'W1': Delta_H.T @ X, 'b1': Delta_H.sum(axis=0)}\n",
        "sign is flipped",
    ),
    Mistake(
        "p3_sum_not_mean",
        "p3_grads",
        _P3_HEAD + "    dJ_dy_hat = 2.0 * (y_hat - y)   # the gradient of the lecture notes' sum L\n"
        "    Delta_H = np.outer(dJ_dy_hat, W2[0]) * U_H\n"
        "    return {'W2': (dJ_dy_hat @ U_H)[None, :], 'W1': Delta_H.T @ X, 'b1': Delta_H.sum(axis=0)}\n",
        "with the 1/N",
    ),
    Mistake(
        "p3_u_for_x",
        "p3_grads",
        _P3_HEAD + "    dJ_dy_hat = 2.0 * (y_hat - y) / N\n    Delta_H = np.outer(dJ_dy_hat, W2[0]) * U_H\n"
        "    return {'W2': (dJ_dy_hat @ U_H)[None, :], 'W1': Delta_H.T @ U_H, 'b1': Delta_H.sum(axis=0)}\n",
        "the INPUT, not u^H_ik",
    ),
    Mistake(
        "p3_no_exp_factor",
        "p3_grads",
        _P3_HEAD + "    dJ_dy_hat = 2.0 * (y_hat - y) / N\n    Delta_H = np.outer(dJ_dy_hat, W2[0])\n"
        "    return {'W2': (dJ_dy_hat @ U_H)[None, :], 'W1': Delta_H.T @ X, 'b1': Delta_H.sum(axis=0)}\n",
        "exp(z^H_ij) is missing",
    ),
    # Problem 4: two sigmoid hidden layers
    Mistake(
        "p4_one_path",
        "p4_two_sigmoid",
        _P4_HEAD + "    delta_2 = 2.0 * (y_hat - y) * W3[0] * u_2 * (1.0 - u_2)\n"
        "    delta_1 = np.diag(W2) * delta_2 * u_1 * (1.0 - u_1)   # only the path through u_2[m]\n"
        "    return {'W3': 2.0 * (y_hat - y) * u_2[None, :], 'W2': np.outer(delta_2, u_1), 'W1': np.outer(delta_1, x)}\n",
        "only one path is summed",
    ),
    Mistake(
        "p4_two_sqrt_J",
        "p4_two_sigmoid",
        _P4_HEAD + "    dJ_dyhat = 2.0 * np.sqrt((y_hat - y) ** 2)   # the derivation's 2 sqrt(f)\n"
        "    delta_2 = dJ_dyhat * W3[0] * u_2 * (1.0 - u_2)\n"
        "    delta_1 = (W2.T @ delta_2) * u_1 * (1.0 - u_1)\n"
        "    return {'W3': dJ_dyhat * u_2[None, :], 'W2': np.outer(delta_2, u_1), 'W1': np.outer(delta_1, x)}\n",
        "not 2 sqrt(J)",
    ),
    Mistake(
        "p4_W3_flat",
        "p4_two_sigmoid",
        _P4_HEAD + "    dJ_dyhat = 2.0 * (y_hat - y)\n"
        "    delta_2 = dJ_dyhat * W3[0] * u_2 * (1.0 - u_2)\n"
        "    delta_1 = (W2.T @ delta_2) * u_1 * (1.0 - u_1)\n"
        "    return {'W3': dJ_dyhat * u_2, 'W2': np.outer(delta_2, u_1), 'W1': np.outer(delta_1, x)}\n",
        "a row, not a flat vector",
    ),
    # Problem 5(a): the general anchor step
    Mistake(
        "p5_seed_sigmoid_derivative",
        "p5_sgd_step",
        _p5(delta_O="-2.0 * (y - y_hat) * y_hat * (1.0 - np.exp(-z_O))"),
        "not g(z)(1 - e^-z)",
    ),
    Mistake("p5_no_relu_gate", "p5_sgd_step", _p5(gate=""), "ReLU'(z^H) is missing"),
    Mistake("p5_update_sign", "p5_sgd_step", _p5(update="W_H_folded + eta * dW_H, W_O_folded + eta * dW_O"),
            "wrong way"),
    Mistake("p5_no_eta", "p5_sgd_step", _p5(update="W_H_folded - dW_H, W_O_folded - dW_O"), "eta is missing"),
    Mistake(
        "p5_in_place",
        "p5_sgd_step",
        _p5(update="W_H_folded, W_O_folded\n    W_H_folded -= eta * dW_H\n    W_O_folded -= eta * dW_O"),
        "changed the W_H_folded or W_O_folded",
    ),
    # Problem 5(b): the second step
    Mistake(
        "p5_step2_stale_gradient",
        "p5_anchor_values",
        _p5_step2(W_H_step2="first['W_H_folded_new'] - 2.0 * first['dJ_dW_H_folded']",
                  W_O_step2="first['W_O_folded_new'] - 2.0 * first['dJ_dW_O_folded']"),
        "uses the FIRST step's gradient",
    ),
    Mistake("p5_step2_first_gradient", "p5_anchor_values", _p5_step2(grads="first"), "gradient of the FIRST step"),
    Mistake(
        "p5_step2_forward_before_update",
        "p5_anchor_values",
        _p5_step2(z_H_step2="second['z_H']", J_step2="second['J']"),
        "before the second step",
    ),
    Mistake(
        "p5_step2_seed_derivative",
        "p5_anchor_values",
        _p5_step2_by_hand(slope="y_hat * (1.0 - np.exp(-z_O))"),
        "not g(z)(1 - e^-z)",
    ),
    Mistake("p5_step2_old_WO11", "p5_anchor_values", _p5_step2_by_hand(w_O_11="-2.0"), "UPDATED W^O_11"),
    # Problem 6: counting parameters
    Mistake(
        "p6_no_biases",
        "p6_count",
        _p6("    return sum(N_prev * N_l for N_prev, N_l in zip(layer_sizes[:-1], layer_sizes[1:]))\n"),
        "the biases are missing",
    ),
    Mistake(
        "p6_bias_per_input",
        "p6_count",
        _p6("    extra = 1 if biases else 0\n"
            "    pairs = zip(layer_sizes[:-1], layer_sizes[1:])\n"
            "    return sum((N_prev + extra) * N_l for N_prev, N_l in pairs) + extra * layer_sizes[0]\n"),
        "the inputs have no biases",
    ),
]
