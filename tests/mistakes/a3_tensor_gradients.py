"""Assignment 3 (tensor gradients): one realistic wrong answer per submission.

Each must lose exactly its question's points, and its failing test must say the given hint.
Every answer function is self-contained (it does not call the student's earlier answers), so a
slip in one question does not cost the points of another.
"""

from tests.grading_harness import Mistake

NOTEBOOK = "tensor_gradients"
AUTOGRADED_POINTS = 24
TOTAL_POINTS = 28

MISTAKES = [
    # Problem 1: the Jacobian of f(x) = (x1 + x2 x3, x1^2 + 3 x2)
    Mistake(
        "jacobian_transposed",
        "p1_jacobian",
        "def jacobian_f(x):\n"
        "    x1, x2, x3 = x\n"
        "    return np.array([[1.0, 2 * x1], [x3, 3.0], [x2, 0.0]])  # one row per input",
        "your Jacobian is transposed",
    ),
    Mistake(
        "jacobian_missing_term",
        "p1_jacobian",
        "def jacobian_f(x):\n"
        "    x1, x2, x3 = x\n"
        "    return np.array([[1.0, x3, 0.0], [2 * x1, 3.0, 0.0]])  # d(x2 x3)/dx3 forgotten",
        "only entry [0, 2] is wrong: it is df_1/dx_3",
    ),
    Mistake(
        "jacobian_via_nnkit",
        "p1_jacobian",
        "from nnkit.tensors import jacobian\n\n"
        "def jacobian_f(x):\n"
        "    return jacobian(lambda v: np.array([v[0] + v[1] * v[2], v[0] ** 2 + 3 * v[1]]), x)",
        "don't call nnkit.tensors.jacobian",
    ),
    # Problem 2: the logistic loss
    Mistake(
        "logistic_lost_sign",
        "p2_dJ_dz",
        "def logistic_dJ_dz(X, y, w, b):\n"
        "    z = X @ w + b\n"
        "    return (y - 1 / (1 + np.exp(-z))) / len(y)",
        "the sign is flipped",
    ),
    Mistake(
        "logistic_sum",
        "p2_dJ_dz",
        "def logistic_dJ_dz(X, y, w, b):\n"
        "    z = X @ w + b\n"
        "    return 1 / (1 + np.exp(-z)) - y  # as if J were the sum",
        "J is the MEAN over the N samples",
    ),
    Mistake(
        "logistic_exp_for_sigma",
        "p2_dJ_dz",
        "def logistic_dJ_dz(X, y, w, b):\n"
        "    z = X @ w + b\n"
        "    return (np.exp(z) - y) / len(y)",
        "not e^z",
    ),
    Mistake(
        "grads_X_for_XT",
        "p2_grads",
        "def logistic_grads(X, y, w, b):\n"
        "    dJ_dz = (1 / (1 + np.exp(-(X @ w + b))) - y) / len(y)\n"
        "    return X @ dJ_dz, dJ_dz.sum()",
        "the ROWS of X, so it is X.T @ dJ_dz",
    ),
    Mistake(
        "grads_sum",
        "p2_grads",
        "def logistic_grads(X, y, w, b):\n"
        "    dJ_dz = 1 / (1 + np.exp(-(X @ w + b))) - y\n"
        "    return X.T @ dJ_dz, dJ_dz.sum()  # as if J were the sum",
        "J is the MEAN over the samples, not the sum",
    ),
    Mistake(
        "grads_one_sample",
        "p2_grads",
        "def logistic_grads(X, y, w, b):\n"
        "    dJ_dz = (1 / (1 + np.exp(-(X @ w + b))) - y) / len(y)\n"
        "    i = 0\n"
        "    return dJ_dz[i] * X[i], dJ_dz[i]  # dJ/dw_k = dJ/dz_i x_ik",
        "the chain rule sums over all samples i",
    ),
    # Problem 3: a sigmoid layer
    Mistake(
        "tensors_no_sigma_prime",
        "p3_tensors",
        "def sigmoid_layer_tensors(W, b, x):\n"
        "    m = W.shape[0]\n"
        "    du_dz = np.eye(m)\n"
        "    return du_dz, np.einsum('jp,k->jpk', du_dz, x), du_dz, W",
        "sigma'(z) is missing",
    ),
    Mistake(
        "tensors_diagonal_only",
        "p3_tensors",
        "def sigmoid_layer_tensors(W, b, x):\n"
        "    s = 1 / (1 + np.exp(-(W @ x + b)))\n"
        "    sp = s * (1 - s)\n"
        "    return sp, np.einsum('jp,k->jpk', np.diag(sp), x), np.diag(sp), sp[:, None] * W",
        "du/dz is the m x m matrix diag(sigma'(z))",
    ),
    Mistake(
        "tensors_dW_axes",
        "p3_tensors",
        "def sigmoid_layer_tensors(W, b, x):\n"
        "    s = 1 / (1 + np.exp(-(W @ x + b)))\n"
        "    du_dz = np.diag(s * (1 - s))\n"
        "    return du_dz, np.einsum('jp,k->jkp', du_dz, x), du_dz, du_dz @ W",
        "the axes of du/dW are (j, p, k)",
    ),
    Mistake(
        "tensors_seed_sigma_prime",
        "p3_tensors",
        "def sigmoid_layer_tensors(W, b, x):\n"
        "    z = W @ x + b\n"
        "    s = 1 / (1 + np.exp(-z))\n"
        "    du_dz = np.diag(s * (1 - np.exp(-z)))\n"
        "    return du_dz, np.einsum('jp,k->jpk', du_dz, x), du_dz, du_dz @ W",
        "not sigma(z) (1 - e^-z)",
    ),
    Mistake(
        "tensors_dx_wrong_axis",
        "p3_tensors",
        "def sigmoid_layer_tensors(W, b, x):\n"
        "    s = 1 / (1 + np.exp(-(W @ x + b)))\n"
        "    sp = s * (1 - s)\n"
        "    du_dz = np.diag(sp)\n"
        "    return du_dz, np.einsum('jp,k->jpk', du_dz, x), du_dz, W * sp",
        "sigma'(z_j) belongs to ROW j of W",
    ),
    Mistake(
        "grads_no_sigma_prime",
        "p3_grads",
        "def sigmoid_layer_grads(W, b, x, dJ_du):\n"
        "    dJ_dz = dJ_du\n"
        "    return dJ_dz, np.outer(dJ_dz, x), dJ_dz, W.T @ dJ_dz",
        "sigma'(z) is missing",
    ),
    Mistake(
        "grads_times_diag_matrix",
        "p3_grads",
        "def sigmoid_layer_grads(W, b, x, dJ_du):\n"
        "    s = 1 / (1 + np.exp(-(W @ x + b)))\n"
        "    dJ_dz = dJ_du * np.diag(s * (1 - s))\n"
        "    return dJ_dz, np.outer(dJ_dz, x), dJ_dz, W.T @ dJ_dz",
        "dJ/dz is a vector of length m",
    ),
    Mistake(
        "grads_outer_transposed",
        "p3_grads",
        "def sigmoid_layer_grads(W, b, x, dJ_du):\n"
        "    s = 1 / (1 + np.exp(-(W @ x + b)))\n"
        "    dJ_dz = dJ_du * s * (1 - s)\n"
        "    return dJ_dz, np.outer(x, dJ_dz), dJ_dz, W.T @ dJ_dz",
        "dJ/dW is transposed",
    ),
    Mistake(
        "grads_W_for_WT",
        "p3_grads",
        "def sigmoid_layer_grads(W, b, x, dJ_du):\n"
        "    s = 1 / (1 + np.exp(-(W @ x + b)))\n"
        "    dJ_dz = dJ_du * s * (1 - s)\n"
        "    return dJ_dz, np.outer(dJ_dz, x), dJ_dz, W @ dJ_dz",
        "so it is W.T @ dJ_dz",
    ),
    Mistake(
        "grads_via_nnkit",
        "p3_grads",
        "def sigmoid_layer_grads(W, b, x, dJ_du):\n"
        "    dJ_dz = dJ_du * nnkit.sigmoid_derivative(W @ x + b)\n"
        "    return dJ_dz, np.outer(dJ_dz, x), dJ_dz, W.T @ dJ_dz",
        "don't call nnkit.sigmoid_derivative",
    ),
    # Problem 4: the squared loss
    Mistake(
        "squared_lost_factor_2",
        "p4_grads",
        "def squared_loss_grads(W, b, x, y):\n"
        "    dJ_dz = W @ x + b - y\n"
        "    return dJ_dz, np.outer(dJ_dz, x), dJ_dz, W.T @ dJ_dz",
        "the factor 2",
    ),
    Mistake(
        "squared_sign",
        "p4_grads",
        "def squared_loss_grads(W, b, x, y):\n"
        "    dJ_dz = 2 * (y - (W @ x + b))\n"
        "    return dJ_dz, np.outer(dJ_dz, x), dJ_dz, W.T @ dJ_dz",
        "the sign is flipped",
    ),
    Mistake(
        "squared_dW_transposed",
        "p4_grads",
        "def squared_loss_grads(W, b, x, y):\n"
        "    dJ_dz = 2 * (W @ x + b - y)\n"
        "    return dJ_dz, np.outer(x, dJ_dz), dJ_dz, W.T @ dJ_dz",
        "dJ/dW is transposed",
    ),
    Mistake(
        "squared_dx_no_sum",
        "p4_grads",
        "def squared_loss_grads(W, b, x, y):\n"
        "    dJ_dz = 2 * (W @ x + b - y)\n"
        "    return dJ_dz, np.outer(dJ_dz, x), dJ_dz, dJ_dz[:, None] * W  # 2 (z_j - y_j) W_jk",
        "the sum over j is missing",
    ),
    # Problem 5: the tensor chain rule
    Mistake(
        "chain_wrong_axes",
        "p5_chain_rule",
        "def tensor_chain_rule(dY_dU, dU_dX, y_order, u_order, x_order):\n"
        "    letters = 'abcdefghijklmnopqrstuvwxyz'\n"
        "    u = letters[:u_order]\n"
        "    y = letters[u_order:u_order + y_order]\n"
        "    x = letters[u_order + y_order:u_order + y_order + x_order]\n"
        "    return np.einsum(f'{u}{y},{u}{x}->{y}{x}', dY_dU, dU_dX)",
        "FIRST axes of dY_dU",
    ),
    Mistake(
        "chain_via_nnkit",
        "p5_chain_rule",
        "from nnkit.tensors import chain_rule\n\n"
        "def tensor_chain_rule(dY_dU, dU_dX, y_order, u_order, x_order):\n"
        "    return chain_rule(dY_dU, dU_dX, u_order)",
        "don't call nnkit.tensors.chain_rule",
    ),
]
