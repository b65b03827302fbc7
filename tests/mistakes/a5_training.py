"""Assignment 5 (training): one realistic wrong answer per submission.

Each must lose exactly its question's points, and its failing test must say the given hint.
The tests of Problem 4(a) replay an epoch with the student's own minibatch_indices and sgd_step,
Problem 4(b) grades the settings with nnkit's reference loop, and Problem 5(b) accepts the
accuracy of the student's own least-squares fit and network, so a slip in one question does not
cost the points of another.
"""

from tests.grading_harness import Mistake

NOTEBOOK = "training"
AUTOGRADED_POINTS = 34
TOTAL_POINTS = 40

# Answers that are a free choice: any value that passes is right (see tests/mutants.py).
OPEN_CHOICES = {
    "p4_settings": "any batch size, learning rate and number of epochs within the budget that reach the "
                   "validation accuracy is a right answer",
}

MISTAKES = [
    Mistake("objective_sum", "p1_objective", "def objective(losses):\n    return float(np.sum(losses))",
            "instead of the mean"),
    Mistake(
        "mean_gradient_sum",
        "p1_mean_gradient",
        "def mean_gradient(per_sample_grads):\n"
        "    return {name: sum(grads[name] for grads in per_sample_grads) for name in per_sample_grads[0]}",
        "instead of the mean",
    ),
    Mistake(
        "mean_gradient_fixed_names",
        "p1_mean_gradient",
        "def mean_gradient(per_sample_grads):\n"
        "    return {name: np.mean([g[name] for g in per_sample_grads], axis=0) for name in ['W1', 'b1', 'W2', 'b2']}",
        "take the names from the dicts",
    ),
    Mistake("alpha_times_B", "p1_sum_vs_mean", "sum_to_mean_ratio = 32\nalpha_sum = 0.1 * 32", "B times SMALLER"),
    Mistake(
        "step_in_place",
        "p2_sgd_step",
        "def sgd_step(params, grads, learning_rate):\n"
        "    for name in params:\n"
        "        params[name] -= learning_rate * grads[name]\n"
        "    return params",
        "instead of updating in place",
    ),
    Mistake(
        "step_uphill",
        "p2_sgd_step",
        "def sgd_step(params, grads, learning_rate):\n"
        "    return {name: params[name] + learning_rate * grads[name] for name in params}",
        "the sign is wrong",
    ),
    Mistake(
        "step_without_rate",
        "p2_sgd_step",
        "def sgd_step(params, grads, learning_rate):\n"
        "    return {name: params[name] - grads[name] for name in params}",
        "the learning rate is missing",
    ),
    Mistake(
        "last_batch_dropped",
        "p3_minibatch_indices",
        "def minibatch_indices(n, batch_size, rng):\n"
        "    order = rng.permutation(n)\n"
        "    return [order[start : start + batch_size] for start in range(0, n - batch_size + 1, batch_size)]",
        "the last, smaller mini-batch",
    ),
    Mistake(
        "batches_with_replacement",
        "p3_minibatch_indices",
        "def minibatch_indices(n, batch_size, rng):\n"
        "    sizes = [min(batch_size, n - start) for start in range(0, n, batch_size)]\n"
        "    return [rng.integers(0, n, size=size) for size in sizes]",
        "exactly once",
    ),
    Mistake(
        "fixed_seed_inside",
        "p3_minibatch_indices",
        "def minibatch_indices(n, batch_size, rng):\n"
        "    order = np.random.default_rng(0).permutation(n)\n"
        "    return [order[start : start + batch_size] for start in range(0, n, batch_size)]",
        "same order for different seeds",
    ),
    Mistake(
        "one_full_batch_step",
        "p4_train_epoch",
        "def train_epoch(net, X, y, batch_size, learning_rate, rng):\n"
        "    batches = minibatch_indices(len(X), batch_size, rng)\n"
        "    loss, grads = net.loss_and_grads(X, y)\n"
        "    net.params = sgd_step(net.params, grads, learning_rate)\n"
        "    return [loss] * len(batches)",
        "ONE step with the gradient of the whole set",
    ),
    Mistake(
        "update_not_assigned",
        "p4_train_epoch",
        "def train_epoch(net, X, y, batch_size, learning_rate, rng):\n"
        "    losses = []\n"
        "    for rows in minibatch_indices(len(X), batch_size, rng):\n"
        "        loss, grads = net.loss_and_grads(X[rows], y[rows])\n"
        "        sgd_step(net.params, grads, learning_rate)\n"
        "        losses.append(loss)\n"
        "    return losses",
        "did not change net.params",
    ),
    Mistake(
        "epoch_via_nnkit",
        "p4_train_epoch",
        "from nnkit.optim import minibatches as make_batches, sgd_step as nnkit_step\n\n"
        "def train_epoch(net, X, y, batch_size, learning_rate, rng):\n"
        "    losses = []\n"
        "    for X_batch, y_batch in make_batches(X, y, batch_size, seed=rng):\n"
        "        loss, grads = net.loss_and_grads(X_batch, y_batch)\n"
        "        net.params = nnkit_step(net.params, grads, learning_rate)\n"
        "        losses.append(loss)\n"
        "    return losses",
        "calls nnkit.optim",
    ),
    Mistake("rate_too_small", "p4_settings", 'settings = {"batch_size": 32, "learning_rate": 1e-4, "epochs": 10}',
            "below 0.90"),
    Mistake("over_budget", "p4_settings", 'settings = {"batch_size": 8, "learning_rate": 0.05, "epochs": 20}',
            "over the budget"),
    Mistake(
        "least_squares_no_bias",
        "p5_least_squares",
        "def least_squares_classifier(X, y, K):\n"
        "    coefficients, *_ = np.linalg.lstsq(X, np.eye(K)[y], rcond=None)\n"
        "    return coefficients.T, np.zeros(K)",
        "the bias is missing",
    ),
    Mistake(
        "network_on_training_set",
        "p5_accuracies",
        "W_ls, b_ls = least_squares_classifier(X_train, y_train, N_CLASSES)\n"
        "acc_linear = np.mean(np.argmax(X_test @ W_ls.T + b_ls, axis=1) == y_test)\n"
        "acc_logistic = logreg.score(X_test, y_test)\n"
        "acc_network = np.mean(np.argmax(net.forward(X_train), axis=1) == y_train)",
        "accuracy on the training set",
    ),
    Mistake(
        "collapse_without_b2",
        "p5_collapse",
        "def collapse_linear(W1, b1, W2, b2):\n    return W2 @ W1, W2 @ b1",
        "b2 is missing",
    ),
]
