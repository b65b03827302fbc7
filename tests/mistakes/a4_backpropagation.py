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


_W1_NEW = "np.array([[1.9471715, 2.894343, -1.2641425], [-1.0, -3.0, 1.0]])"  # right
_W2_NEW = "np.array([[1.0264142, -1.9207573, 2.0]])"  # right


def _p5_values(dW211, dW112, W211, W112, J, W1_new=_W1_NEW, W2_new=_W2_NEW):
    return (f"dJ_dW211 = {dW211}\ndJ_dW112 = {dW112}\nW211_new = {W211}\nW112_new = {W112}\n"
            f"W1_new_003 = {W1_new}\nW2_new_003 = {W2_new}\nJ_after = {J}\n")


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
    # Problem 5(b): the anchor numbers
    Mistake(
        "p5_values_seed_derivative",
        "p5_anchor_values",
        _p5_values(5.880066, -19.600221, -13.760132, 38.200441, 0.5),
        "not g(b)(1 - e^-b)",
    ),
    Mistake(
        "p5_values_update_sign",
        "p5_anchor_values",
        _p5_values(-0.0396214, 0.1320712, -2.0792427, -0.7358575, 0.99),
        "the step goes the wrong way",
    ),
    Mistake(
        "p5_values_no_eta",
        "p5_anchor_values",
        _p5_values(-0.0396214, 0.1320712, -1.9603786, -1.1320712, 0.8),
        "eta = 2 is missing",
    ),
    Mistake(
        "p5_values_only_two_weights",
        "p5_anchor_values",
        _p5_values(-0.0396214, 0.1320712, -1.9207573, -1.2641425, 0.7131,
                   W1_new="np.array([[2.0, 3.0, -1.2641425], [-1.0, -3.0, 1.0]])",
                   W2_new="np.array([[1.0, -1.9207573, 2.0]])"),
        "every entry of W1 takes a step",
    ),
    Mistake(
        "p5_values_no_relu_gate",
        "p5_anchor_values",
        _p5_values(-0.0396214, 0.1320712, -1.9207573, -1.2641425, 0.7130997,
                   W1_new="np.array([[2.0, 3.0, -1.0], [-1.0, -3.0, 1.0]]) - 2.0 * np.outer("
                          "-0.0132071244 * np.array([-2.0, 2.0]), [1.0, 2.0, 5.0])"),
        "row 2 of W1 must not change",
    ),
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
