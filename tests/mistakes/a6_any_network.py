"""Assignment 6 (backpropagation for any network): one realistic wrong answer per submission.

Each must lose exactly its question's points, and its failing test must say the given hint.
Problems 3 and 4 are built on the student's earlier answers: 3(a) runs on their engine (the rules of
Problem 1 and the order of Problem 2), 3(b) and 4(a) call their 3(a). A test of 3 or 4 that fails is
tried once more with those earlier answers put right (``grading.check_on_its_own``), and 3(d) grades
the settings with nnkit's reference training, so a slip in one question does not cost the points of
another, even a slip that breaks the engine (a rule's result of the wrong shape, an order that runs
the rules backwards, a 3(a) that raises).
"""

from tests.grading_harness import Mistake

NOTEBOOK = "any_network"
AUTOGRADED_POINTS = 34
TOTAL_POINTS = 40

# Answers that are a free choice: any value that passes is right (see tests/mutants.py).
OPEN_CHOICES = {
    "p3_settings": "any learning rate and number of steps within the budget that reach the validation accuracy "
                   "is a right answer",
}

MISTAKES = [
    Mistake(
        "unbroadcast_mean",
        "p1_unbroadcast",
        "def unbroadcast(grad, shape):\n"
        "    grad = np.asarray(grad, dtype=float)\n"
        "    while grad.ndim > len(shape):\n"
        "        grad = grad.mean(axis=0)\n"
        "    for axis, size in enumerate(shape):\n"
        "        if size == 1 and grad.shape[axis] != 1:\n"
        "            grad = grad.mean(axis=axis, keepdims=True)\n"
        "    return grad",
        "gets the SUM",
    ),
    Mistake("multiply_same_operand", "p1_multiply",
            "def multiply_backward(grad_out, A, B):\n    return grad_out * A, grad_out * B", "the OTHER operand"),
    Mistake("matmul_divided_by_rows", "p1_matmul",
            "def matmul_backward(grad_out, A, B):\n    return grad_out @ B.T, A.T @ grad_out / len(A)",
            "the mean over the batch is already in grad_out"),
    Mistake("matmul_shape_slip", "p1_matmul",
            "def matmul_backward(grad_out, A, B):\n    return grad_out @ B, A.T @ grad_out", "shape"),
    Mistake(
        "sigmoid_source_derivative",
        "p1_activations",
        "def relu_backward(grad_out, Z):\n    return grad_out * (Z > 0)\n\n\n"
        "def sigmoid_backward(grad_out, Z):\n    s = 1 / (1 + np.exp(-Z))\n    return grad_out * s * (1 - np.exp(-Z))",
        "not sigma(z) (1 - e^-z)",
    ),
    Mistake(
        "cross_entropy_sum",
        "p1_cross_entropy",
        "def cross_entropy_backward(Z, y):\n"
        "    E = np.exp(Z - Z.max(axis=1, keepdims=True))\n"
        "    P = E / E.sum(axis=1, keepdims=True)\n"
        "    P[np.arange(len(y)), y] -= 1\n"
        "    return P",
        "instead of the mean",
    ),
    Mistake(
        "order_without_visited",
        "p2_topological_order",
        "def topological_order(parents, root):\n"
        "    order = []\n\n"
        "    def visit(name):\n"
        "        for parent in parents[name]:\n"
        "            visit(parent)\n"
        "        order.append(name)\n\n"
        "    visit(root)\n"
        "    return order",
        "more than once",
    ),
    Mistake(
        "order_root_first",
        "p2_topological_order",
        "def topological_order(parents, root):\n"
        "    order, visited = [], set()\n\n"
        "    def visit(name):\n"
        "        if name in visited:\n"
        "            return\n"
        "        visited.add(name)\n"
        "        for parent in parents[name]:\n"
        "            visit(parent)\n"
        "        order.append(name)\n\n"
        "    visit(root)\n"
        "    return order[::-1]",
        "It looks reversed",
    ),
    Mistake(
        "deep_grads_bias_not_a_tensor",
        "p3_deep_grads",
        "def deep_loss_and_grads(X, y, params, activation='relu'):\n"
        "    g = relu if activation == 'relu' else sigmoid\n"
        "    U = Tensor(X)\n"
        "    weights = [Tensor(W) for W, b in params]\n"
        "    for l, (W, (_, b)) in enumerate(zip(weights, params), start=1):\n"
        "        Z = add(matmul(U, transpose(W)), b)\n"
        "        U = g(Z) if l < len(params) else Z\n"
        "    loss = cross_entropy(U, y)\n"
        "    backward(loss)\n"
        "    return float(loss.value), [(W.grad, np.zeros_like(b)) for W, (_, b) in zip(weights, params)]",
        "has no attribute 'value'",
    ),
    Mistake(
        "activation_on_logits",
        "p3_deep_grads",
        "def deep_loss_and_grads(X, y, params, activation='relu'):\n"
        "    g = relu if activation == 'relu' else sigmoid\n"
        "    U = Tensor(X)\n"
        "    tensors = [(Tensor(W), Tensor(b)) for W, b in params]\n"
        "    for W, b in tensors:\n"
        "        U = g(add(matmul(U, transpose(W)), b))\n"
        "    loss = cross_entropy(U, y)\n"
        "    backward(loss)\n"
        "    return float(loss.value), [(W.grad, b.grad) for W, b in tensors]",
        "applied to the logits too",
    ),
    Mistake(
        "step_uphill",
        "p3_step",
        "def gradient_descent_step(X, y, params, learning_rate, activation='relu'):\n"
        "    loss, grads = deep_loss_and_grads(X, y, params, activation)\n"
        "    return [(W + learning_rate * dW, b + learning_rate * db) for (W, b), (dW, db) in zip(params, grads)], loss",
        "the sign is wrong",
    ),
    Mistake(
        "init_unscaled",
        "p3_init",
        "def init_params(sizes, rng):\n"
        "    return [(rng.normal(0.0, 1.0, size=(n_out, n_in)), np.zeros(n_out)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]",
        "not scaled",
    ),
    Mistake(
        "init_uniform",
        "p3_init",
        "def init_params(sizes, rng):\n"
        "    return [(rng.uniform(-np.sqrt(3 / n_in), np.sqrt(3 / n_in), size=(n_out, n_in)), np.zeros(n_out))\n"
        "            for n_in, n_out in zip(sizes[:-1], sizes[1:])]",
        "do not look normally distributed",
    ),
    Mistake("settings_too_timid", "p3_settings", "learning_rate_deep = 0.05\nsteps_deep = 20", "Take larger steps"),
    Mistake(
        "sizes_reversed",
        "p4_gradient_sizes",
        "def gradient_sizes(X, y, params, activation='relu'):\n"
        "    _, grads = deep_loss_and_grads(X, y, params, activation)\n"
        "    return np.array([np.linalg.norm(dW) for dW, _ in grads][::-1])",
        "in reverse",
    ),
]
