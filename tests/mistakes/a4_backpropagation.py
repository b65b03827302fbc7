"""Assignment 4 (backpropagation): one realistic wrong answer per submission.

Each must lose exactly its question's points, and its failing test must say the given hint.
"""

from tests.grading_harness import Mistake

NOTEBOOK = "backpropagation"
AUTOGRADED_POINTS = 37
TOTAL_POINTS = 42

_P1_HEAD = (
    "def matrix_form_grads(X, W1, b1, W2, B2):\n"
    "    Z1 = X @ W1.T + b1\n"
    "    A1 = 1.0 / (1.0 + np.exp(-Z1))\n"
)

_P2_HEAD = (
    "def cross_entropy_backprop(X, y, W1, b1, W2, b2):\n"
    "    N = X.shape[0]\n"
    "    Z1 = X @ W1.T + b1\n"
    "    U1 = np.maximum(Z1, 0.0)\n"
    "    Z2 = U1 @ W2.T + b2\n"
    "    shifted = Z2 - Z2.max(axis=1, keepdims=True)\n"
    "    P = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)\n"
    "    R = np.eye(W2.shape[0])[y]\n"
    "    loss = np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(N), y])\n"
)

_P2_TAIL = (
    "    grads = {'W2': dZ2.T @ U1, 'b2': dZ2.sum(axis=0)}\n"
    "    dZ1 = (dZ2 @ W2) * (Z1 > 0)\n"
    "    grads['W1'] = dZ1.T @ X\n"
    "    grads['b1'] = dZ1.sum(axis=0)\n"
    "    return loss, grads\n"
)

_P3_HEAD = (
    "def exp_model_grads(X, y, W, b, alpha):\n"
    "    Z = X @ W.T + b\n"
    "    U = np.exp(Z)\n"
    "    y_hat = U @ alpha\n"
)

_P4_HEAD = (
    "def two_sigmoid_grads(x, y, P, S, w):\n"
    "    h = 1.0 / (1.0 + np.exp(-(P @ x)))\n"
    "    z = 1.0 / (1.0 + np.exp(-(S @ h)))\n"
    "    y_hat = w @ z\n"
)


def _p5(dJ_db="-2.0 * (y - y_hat) * y_hat * (1.0 - y_hat)", gate=" * (a > 0)", update="W1 - eta * dW1, W2 - eta * dW2"):
    return (
        "def anchor_sgd_step(x, y, W1, W2, eta):\n"
        "    x1 = np.concatenate([[1.0], x])\n"
        "    a = W1 @ x1\n"
        "    z = np.maximum(a, 0.0)\n"
        "    z1 = np.concatenate([[1.0], z])\n"
        "    b = float(W2[0] @ z1)\n"
        "    y_hat = 1.0 / (1.0 + np.exp(-b))\n"
        "    J = (y - y_hat) ** 2\n"
        f"    dJ_db = {dJ_db}\n"
        "    dW2 = dJ_db * z1[None, :]\n"
        f"    dW1 = np.outer(dJ_db * W2[0, 1:]{gate}, x1)\n"
        f"    W1_new, W2_new = {update}\n"
        "    return {'a': a, 'z': z, 'b': b, 'y_hat': y_hat, 'J': J, 'dW1': dW1, 'dW2': dW2,\n"
        "            'W1_new': W1_new, 'W2_new': W2_new}\n"
    )


# Problem 5(b): the second step, from chapter 4's W1', W2'. Two ways to write it: with 5(a)'s function, or by hand
# from the weights the chapter prints (to 6 digits, which the tolerances accept).
_P5_STEP2_HEAD = (
    "x_anchor = np.array([2.0, 5.0])\n"
    "first = anchor_sgd_step(x_anchor, 1.0, np.array([[2.0, 3.0, -1.0], [-1.0, -3.0, 1.0]]),\n"
    "                        np.array([[1.0, -2.0, 2.0]]), 2.0)\n"
    "second = anchor_sgd_step(x_anchor, 1.0, first['W1_new'], first['W2_new'], 2.0)\n"
)


def _p5_step2(grads="second", W1_step2="second['W1_new']", W2_step2="second['W2_new']",
              a_step2="W1_step2 @ np.array([1.0, 2.0, 5.0])",
              J_step2="anchor_sgd_step(x_anchor, 1.0, W1_step2, W2_step2, 2.0)['J']"):
    return _P5_STEP2_HEAD + (
        f"dJ_dW211_step2 = {grads}['dW2'][0, 1]\n"
        f"dJ_dW112_step2 = {grads}['dW1'][0, 2]\n"
        f"W1_step2, W2_step2 = {W1_step2}, {W2_step2}\n"
        f"a_step2 = {a_step2}\n"
        f"J_step2 = {J_step2}\n"
    )


def _p5_step2_by_hand(slope="y_hat * (1.0 - y_hat)", w211="W2_one[0, 1]"):
    return (
        "x1 = np.array([1.0, 2.0, 5.0])\n"
        "W1_one = np.array([[1.94717, 2.89434, -1.26414], [-1.0, -3.0, 1.0]])   # chapter 4, after the first step\n"
        "W2_one = np.array([[1.02641, -1.92076, 2.0]])\n"
        "a = W1_one @ x1\n"
        "z1 = np.concatenate([[1.0], np.maximum(a, 0.0)])\n"
        "b = W2_one[0] @ z1\n"
        "y_hat = 1.0 / (1.0 + np.exp(-b))\n"
        f"dJ_db = -2.0 * (1.0 - y_hat) * {slope}\n"
        "dJ_dW211_step2 = dJ_db * z1[1]\n"
        f"dJ_dW112_step2 = dJ_db * {w211} * 1.0 * x1[2]\n"
        "W1_step2 = W1_one - 2.0 * np.outer(dJ_db * W2_one[0, 1:] * (a > 0), x1)\n"
        "W2_step2 = W2_one - 2.0 * dJ_db * z1[None, :]\n"
        "a_step2 = W1_step2 @ x1\n"
        "J_step2 = (1.0 - 1.0 / (1.0 + np.exp(-(W2_step2[0] @ np.concatenate([[1.0], np.maximum(a_step2, 0.0)]))))) ** 2\n"
    )


def _p6(body):
    return "def count_parameters(layer_sizes, biases=True):\n" + body


MISTAKES = [
    # Problem 1(b): the matrix forms for a batch
    Mistake(
        "p1_dW2_transposed",
        "p1_matrix_forms",
        _P1_HEAD + "    B1 = B2 @ W2\n    dZ1 = B1 * A1 * (1.0 - A1)\n"
        "    return {'W2': A1.T @ B2, 'b2': B2.sum(axis=0), 'B1': B1, 'W1': dZ1.T @ X, 'b1': dZ1.sum(axis=0)}\n",
        "transposed",
    ),
    Mistake(
        "p1_no_sigma_prime",
        "p1_matrix_forms",
        _P1_HEAD + "    B1 = B2 @ W2\n"
        "    return {'W2': B2.T @ A1, 'b2': B2.sum(axis=0), 'B1': B1, 'W1': B1.T @ X, 'b1': B1.sum(axis=0)}\n",
        "sigma'(z1) is missing",
    ),
    Mistake(
        "p1_mean_not_sum",
        "p1_matrix_forms",
        _P1_HEAD + "    N = X.shape[0]\n    B1 = B2 @ W2\n    dZ1 = B1 * A1 * (1.0 - A1)\n"
        "    return {'W2': B2.T @ A1 / N, 'b2': B2.mean(axis=0), 'B1': B1, 'W1': dZ1.T @ X / N,\n"
        "            'b1': dZ1.mean(axis=0)}\n",
        "you divided by N",
    ),
    Mistake(
        "p1_W_not_W_transpose",
        "p1_matrix_forms",
        _P1_HEAD + "    B1 = B2 @ W2.T\n    dZ1 = B1 * A1 * (1.0 - A1)\n"
        "    return {'W2': B2.T @ A1, 'b2': B2.sum(axis=0), 'B1': B1, 'W1': dZ1.T @ X, 'b1': dZ1.sum(axis=0)}\n",
        "wrong way round",
    ),
    # Problem 2: K-class cross-entropy with ReLU
    Mistake(
        "p2_no_one_hot",
        "p2_cross_entropy",
        _P2_HEAD + "    dZ2 = P / N\n" + _P2_TAIL,
        "one-hot target is not subtracted",
    ),
    Mistake(
        "p2_sum_not_mean",
        "p2_cross_entropy",
        _P2_HEAD.replace("loss = np.mean(", "loss = np.sum(") + "    dZ2 = P - R\n" + _P2_TAIL,
        "instead of the mean",
    ),
    Mistake(
        "p2_no_relu_prime",
        "p2_cross_entropy",
        _P2_HEAD + "    dZ2 = (P - R) / N\n" + _P2_TAIL.replace(" * (Z1 > 0)", ""),
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
        "p3_mean_loss",
        "p3_forward",
        "def exp_model_forward(X, y, W, b, alpha):\n"
        "    Z = X @ W.T + b\n    U = np.exp(Z)\n    y_hat = U @ alpha\n"
        "    return Z, U, y_hat, np.mean((y - y_hat) ** 2)\n",
        "SUM of the squared errors",
    ),
    Mistake(
        "p3_sign_flipped",
        "p3_grads",
        _P3_HEAD + "    dy_hat = 2.0 * (y - y_hat)\n    dZ = np.outer(dy_hat, alpha) * U\n"
        "    return {'alpha': U.T @ dy_hat, 'W': dZ.T @ X, 'b': dZ.sum(axis=0)}\n",
        "sign is flipped",
    ),
    Mistake(
        "p3_u_for_x",
        "p3_grads",
        _P3_HEAD + "    dy_hat = 2.0 * (y_hat - y)\n    dZ = np.outer(dy_hat, alpha) * U\n"
        "    return {'alpha': U.T @ dy_hat, 'W': dZ.T @ U, 'b': dZ.sum(axis=0)}\n",
        "the INPUT, not u_ik",
    ),
    Mistake(
        "p3_no_exp_factor",
        "p3_grads",
        _P3_HEAD + "    dy_hat = 2.0 * (y_hat - y)\n    dZ = np.outer(dy_hat, alpha)\n"
        "    return {'alpha': U.T @ dy_hat, 'W': dZ.T @ X, 'b': dZ.sum(axis=0)}\n",
        "exp(z_ij) is missing",
    ),
    # Problem 4: two sigmoid hidden layers
    Mistake(
        "p4_one_path",
        "p4_two_sigmoid",
        _P4_HEAD + "    delta_2 = 2.0 * (y_hat - y) * w * z * (1.0 - z)\n"
        "    delta_1 = np.diag(S) * delta_2 * h * (1.0 - h)   # only the path through z_m\n"
        "    return {'w': 2.0 * (y_hat - y) * z, 'S': np.outer(delta_2, h), 'P': np.outer(delta_1, x)}\n",
        "only one path is summed",
    ),
    Mistake(
        "p4_two_sqrt_f",
        "p4_two_sigmoid",
        _P4_HEAD + "    df_dyhat = 2.0 * np.sqrt((y_hat - y) ** 2)   # the seed's 2 sqrt(f)\n"
        "    delta_2 = df_dyhat * w * z * (1.0 - z)\n"
        "    delta_1 = (S.T @ delta_2) * h * (1.0 - h)\n"
        "    return {'w': df_dyhat * z, 'S': np.outer(delta_2, h), 'P': np.outer(delta_1, x)}\n",
        "not 2 sqrt(f)",
    ),
    # Problem 5(a): the general anchor step
    Mistake(
        "p5_seed_sigmoid_derivative",
        "p5_sgd_step",
        _p5(dJ_db="-2.0 * (y - y_hat) * y_hat * (1.0 - np.exp(-b))"),
        "not g(b)(1 - e^-b)",
    ),
    Mistake("p5_no_relu_gate", "p5_sgd_step", _p5(gate=""), "ReLU'(a) is missing"),
    Mistake("p5_update_sign", "p5_sgd_step", _p5(update="W1 + eta * dW1, W2 + eta * dW2"), "wrong way"),
    Mistake("p5_no_eta", "p5_sgd_step", _p5(update="W1 - dW1, W2 - dW2"), "eta is missing"),
    Mistake(
        "p5_in_place",
        "p5_sgd_step",
        _p5(update="W1, W2\n    W1 -= eta * dW1\n    W2 -= eta * dW2"),
        "changed the W1 or W2",
    ),
    # Problem 5(b): the second step
    Mistake(
        "p5_step2_stale_gradient",
        "p5_anchor_values",
        _p5_step2(W1_step2="first['W1_new'] - 2.0 * first['dW1']", W2_step2="first['W2_new'] - 2.0 * first['dW2']"),
        "uses the FIRST step's gradient",
    ),
    Mistake("p5_step2_first_gradient", "p5_anchor_values", _p5_step2(grads="first"), "gradient of the FIRST step"),
    Mistake(
        "p5_step2_forward_before_update",
        "p5_anchor_values",
        _p5_step2(a_step2="second['a']", J_step2="second['J']"),
        "before the second step",
    ),
    Mistake(
        "p5_step2_seed_derivative",
        "p5_anchor_values",
        _p5_step2_by_hand(slope="y_hat * (1.0 - np.exp(-b))"),
        "not g(b)(1 - e^-b)",
    ),
    Mistake("p5_step2_old_W211", "p5_anchor_values", _p5_step2_by_hand(w211="-2.0"), "UPDATED W_2,1,1"),
    # Problem 6: counting parameters
    Mistake(
        "p6_no_biases",
        "p6_count",
        _p6("    return sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))\n"),
        "the biases are missing",
    ),
    Mistake(
        "p6_bias_per_input",
        "p6_count",
        _p6("    extra = 1 if biases else 0\n"
            "    return sum((a + extra) * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:])) + extra * layer_sizes[0]\n"),
        "the inputs have no biases",
    ),
]
