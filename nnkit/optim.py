"""Stochastic gradient descent: the update step and the mini-batches it is computed on.

The update theta^(t+1) = theta^t - eta dJ/dtheta (eta the learning rate), applied to every
parameter array (W1, b1, W2, b2), with the gradient computed on a mini-batch.
An *epoch* is one pass over the training set: the rows are shuffled, cut into
mini-batches, and every row is used exactly once.
"""

from typing import Iterator

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def sgd_step(params: dict[str, Array], grads: dict[str, Array], learning_rate: float) -> dict[str, Array]:
    """One SGD update, theta <- theta - learning_rate * dJ/dtheta, for every entry of ``params``.

    Args:
        params: parameter arrays by name, e.g. ``net.params`` (W1, b1, W2, b2).
        grads: dJ/dtheta with the same keys and shapes, e.g. from ``net.loss_and_grads``.
        learning_rate: the step size eta, a positive number.

    Returns:
        a new dict of new arrays; ``params`` itself is left unchanged, so use it as
        ``net.params = sgd_step(net.params, grads, learning_rate)``.
    """
    _check_learning_rate(learning_rate)
    if set(params) != set(grads):
        raise ValueError(
            f"params and grads must have the same keys; params has {sorted(params)}, grads has {sorted(grads)}."
        )
    updated = {}
    for name, value in params.items():
        value = np.asarray(value, dtype=np.float64)
        gradient = np.asarray(grads[name], dtype=np.float64)
        if gradient.shape != value.shape:
            raise ValueError(
                f"grads[{name!r}] has shape {gradient.shape}, but params[{name!r}] has shape {value.shape}."
            )
        updated[name] = value - learning_rate * gradient
    return updated


def minibatch_indices(
    n_samples: int,
    batch_size: int,
    seed: int | np.random.Generator | None = None,
    shuffle: bool = True,
) -> Iterator[NDArray[np.int64]]:
    """The row indices of the mini-batches of one epoch.

    The indices 0..n_samples-1 are shuffled (with ``seed``) and cut into
    consecutive pieces of ``batch_size``; the last piece is smaller when
    batch_size does not divide n_samples. Every index appears exactly once.

    Args:
        n_samples: N, the number of rows in the training set.
        batch_size: B, rows per mini-batch (1 <= B; B >= N gives one batch, full-batch gradient descent).
        seed: an int for a reproducible order, a ``np.random.Generator`` (draws from it,
            so successive epochs get different orders), or None for a fresh random order.
        shuffle: if False, the batches are 0..B-1, B..2B-1, ... in order.

    Yields:
        integer arrays of shape (B,) (the last one possibly shorter).
    """
    _check_positive_whole_number("n_samples", n_samples)
    _check_positive_whole_number("batch_size", batch_size)
    order = np.arange(n_samples)
    if shuffle:
        order = np.random.default_rng(seed).permutation(n_samples)
    for start in range(0, n_samples, batch_size):
        yield order[start : start + batch_size]


def minibatches(
    X: ArrayLike,
    y: ArrayLike,
    batch_size: int,
    seed: int | np.random.Generator | None = None,
    shuffle: bool = True,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The mini-batches (X_batch, y_batch) of one epoch; rows of X and y stay paired.

    Args:
        X: inputs, shape (N, n_in).
        y: targets, N rows (shape (N,) or (N, k)).
        batch_size, seed, shuffle: as in ``minibatch_indices``.

    Yields:
        (X[rows], y[rows]) for each mini-batch of row indices.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y must have one row per sample and the same number of rows; got shapes {X.shape} and {y.shape}."
        )
    for rows in minibatch_indices(X.shape[0], batch_size, seed=seed, shuffle=shuffle):
        yield X[rows], y[rows]


def _check_learning_rate(learning_rate: float) -> None:
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float, np.number)):
        raise ValueError(f"learning_rate must be a positive number; got {learning_rate!r}.")
    if not np.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"learning_rate must be a positive, finite number; got {learning_rate!r}.")


def _check_positive_whole_number(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive whole number; got {value!r}.")
