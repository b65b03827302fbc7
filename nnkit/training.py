"""Training a TwoLayerNet with mini-batch SGD, and measuring how well it does.

    history = train(net, X_train, y_train, epochs=20, batch_size=32, learning_rate=0.1,
                    X_val=X_val, y_val=y_val, seed=0)

One epoch = shuffle the training rows, then one SGD step (``nnkit.optim``) per
mini-batch. After every epoch the loss (the mean over the rows, as in
``net.loss_and_grads``) and, for classifiers, the accuracy are measured on the
whole training set and on the validation set and appended to ``history``.
"""

import numpy as np
from numpy.typing import ArrayLike, NDArray

from nnkit.network import TwoLayerNet
from nnkit.optim import _check_learning_rate, _check_positive_whole_number, minibatches, sgd_step


def predict_classes(net: TwoLayerNet, X: ArrayLike) -> NDArray[np.int64]:
    """The predicted class of each row, shape (N,).

    sigmoid output: 1 where the probability is >= 0.5, else 0.
    softmax (or identity with several outputs, e.g. trained on one-hot targets): the argmax.
    """
    outputs = net.forward(X)
    if net.output == "sigmoid":
        return (outputs[:, 0] >= 0.5).astype(np.int64)
    if net.n_out < 2:
        raise ValueError("a net with one identity output is a regression model: it predicts no classes.")
    return np.argmax(outputs, axis=1).astype(np.int64)


def accuracy(net: TwoLayerNet, X: ArrayLike, labels: ArrayLike) -> float:
    """Fraction of rows whose predicted class equals the label: mean(predict_classes(net, X) == labels)."""
    labels = np.asarray(labels).reshape(-1)
    return float(np.mean(predict_classes(net, X) == labels))


def is_classifier(net: TwoLayerNet) -> bool:
    """True for a sigmoid or softmax output, whose targets are class labels."""
    return net.output in ("sigmoid", "softmax")


def evaluate(net: TwoLayerNet, X: ArrayLike, y: ArrayLike) -> dict[str, float]:
    """The mean loss on (X, y) and, for classifiers, the accuracy: {"loss": ..., "accuracy": ...}."""
    loss, _ = net.loss_and_grads(X, y)
    result = {"loss": loss}
    if is_classifier(net):
        result["accuracy"] = accuracy(net, X, y)
    return result


def train(
    net: TwoLayerNet,
    X_train: ArrayLike,
    y_train: ArrayLike,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    X_val: ArrayLike | None = None,
    y_val: ArrayLike | None = None,
    seed: int | None = None,
    progress: bool = False,
) -> dict[str, list]:
    """Train ``net`` in place with mini-batch SGD and return its training curves.

    Args:
        net: the network; its ``params`` are updated.
        X_train: inputs, shape (N, n_in).
        y_train: targets in the form ``net.loss_and_grads`` takes (N rows).
        epochs: number of passes over the training set.
        batch_size: rows per mini-batch (>= N means full-batch gradient descent).
        learning_rate: the SGD step size eta.
        X_val, y_val: optional validation set, measured after every epoch, never trained on.
        seed: seed for the shuffling, so a run can be repeated exactly.
        progress: print a line with the current numbers about ten times during the run.

    Returns:
        history, a dict of lists with one entry per epoch, starting with epoch 0
        (before the first step): "epoch", "train_loss", and "train_accuracy" for
        classifiers; "val_loss" (and "val_accuracy") if a validation set is given;
        and "diverged": True if training stopped early because the loss became
        infinite or NaN (the learning rate is too large), else False.
    """
    _check_positive_whole_number("epochs", epochs)
    _check_positive_whole_number("batch_size", batch_size)
    _check_learning_rate(learning_rate)
    if (X_val is None) != (y_val is None):
        raise ValueError("give both X_val and y_val for a validation set, or neither.")
    X_train, y_train = _check_rows(X_train, y_train, "X_train", "y_train")
    sets = {"train": (X_train, y_train)}
    if X_val is not None:
        sets["val"] = _check_rows(X_val, y_val, "X_val", "y_val")

    history = {"epoch": [], "diverged": False}
    _record(history, net, 0, sets)
    rng = np.random.default_rng(seed)
    print_every = max(1, epochs // 10)
    for epoch in range(1, epochs + 1):
        # A too-large learning rate can overflow; that is detected just below, not warned about.
        with np.errstate(over="ignore", invalid="ignore"):
            for X_batch, y_batch in minibatches(X_train, y_train, batch_size, seed=rng):
                _, grads = net.loss_and_grads(X_batch, y_batch)
                net.params = sgd_step(net.params, grads, learning_rate)
        _record(history, net, epoch, sets)
        if not np.isfinite(history["train_loss"][-1]):
            history["diverged"] = True
            if progress:
                print(f"epoch {epoch}: the training loss is {history['train_loss'][-1]}; stopping.")
            break
        if progress and (epoch % print_every == 0 or epoch == epochs):
            print(progress_line(history, epochs))
    return history


def progress_line(history: dict[str, list], epochs: int) -> str:
    """One line with the latest numbers, e.g. 'epoch  5/20  train loss 0.3121  acc 0.912  val loss ...'."""
    epoch = history["epoch"][-1]
    parts = [f"epoch {epoch:>{len(str(epochs))}}/{epochs}"]
    for name in ("train", "val"):
        if f"{name}_loss" in history:
            part = f"{name} loss {history[f'{name}_loss'][-1]:.4f}"
            if f"{name}_accuracy" in history:
                part += f"  acc {history[f'{name}_accuracy'][-1]:.3f}"
            parts.append(part)
    return "   ".join(parts)


def _record(history: dict[str, list], net: TwoLayerNet, epoch: int, sets: dict) -> None:
    """Append the epoch number and the loss (and accuracy) on every set to history."""
    history["epoch"].append(epoch)
    for name, (X, y) in sets.items():
        with np.errstate(over="ignore", invalid="ignore"):
            measured = evaluate(net, X, y)
        for key, value in measured.items():
            history.setdefault(f"{name}_{key}", []).append(value)


def _check_rows(X: ArrayLike, y: ArrayLike, x_name: str, y_name: str) -> tuple[np.ndarray, np.ndarray]:
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    if X.ndim != 2 or y.ndim == 0 or X.shape[0] != y.shape[0] or X.shape[0] == 0:
        raise ValueError(
            f"{x_name} must have shape (N, n_in) and {y_name} N rows, with N >= 1; "
            f"got shapes {X.shape} and {y.shape}."
        )
    return X, y
