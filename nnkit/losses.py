"""Loss functions, each computed from the output layer's pre-activation z.

Every loss takes the logits ``z`` of a batch (rows are samples) and the
targets ``y``, and returns ``(loss, dz)``:

- ``loss``: a float, the MEAN over the N rows of the per-sample loss;
- ``dz``: d loss / d z, an array with the shape of ``z``.

Working from z rather than from the output probabilities is what makes the
losses numerically stable: ln(1 + e^z) and ln sum e^z are evaluated without
ever forming e^z for large z, and the gradients come out as the famous
"prediction minus target".
"""

import numpy as np
from numpy.typing import ArrayLike, NDArray

from nnkit.activations import logsumexp, sigmoid, softmax

Array = NDArray[np.float64]


def squared_error(z: ArrayLike, y: ArrayLike) -> tuple[float, Array]:
    """Squared error: loss_i = sum_k (z_ik - y_ik)^2.

    Args:
        z: predictions, shape (N, K).
        y: targets, shape (N, K).

    Returns:
        (mean over rows of loss_i, dz of shape (N, K) = 2 (z - y) / N).
    """
    z, y = np.asarray(z, dtype=np.float64), np.asarray(y, dtype=np.float64)
    _check_same_shape(z, y)
    n = z.shape[0]
    diff = z - y
    return float(np.sum(diff**2) / n), 2.0 * diff / n


def binary_cross_entropy(z: ArrayLike, y: ArrayLike) -> tuple[float, Array]:
    """Binary cross-entropy from the logit: loss_i = ln(1 + e^z_i) - y_i z_i.

    Args:
        z: logits, shape (N,) or (N, 1).
        y: labels 0 or 1, shape (N,) or (N, 1).

    Returns:
        (mean over rows of loss_i, dz with the shape of z = (sigmoid(z) - y) / N).
    """
    z = np.asarray(z, dtype=np.float64)
    y = _binary_labels(y, z.shape)
    n = z.shape[0]
    # ln(1 + e^z) = logaddexp(0, z), which never overflows.
    per_sample = np.logaddexp(0.0, z) - y * z
    return float(np.sum(per_sample) / n), (sigmoid(z) - y) / n


def categorical_cross_entropy(z: ArrayLike, y: ArrayLike) -> tuple[float, Array]:
    """Categorical cross-entropy: loss_i = ln sum_l e^z_il - z_i,y_i.

    Args:
        z: logits, shape (N, K).
        y: integer class labels in 0..K-1, shape (N,).

    Returns:
        (mean over rows of loss_i, dz of shape (N, K) = (softmax(z) - onehot(y)) / N).
    """
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"categorical_cross_entropy needs logits of shape (N, K); got shape {z.shape}.")
    n, k = z.shape
    labels = _class_labels(y, n, k)
    rows = np.arange(n)
    per_sample = logsumexp(z) - z[rows, labels]
    dz = softmax(z)
    dz[rows, labels] -= 1.0
    return float(np.sum(per_sample) / n), dz / n


def one_hot(labels: ArrayLike, num_classes: int) -> Array:
    """One-hot rows: R[i, k] = 1 if labels[i] == k else 0.

    Code counts from 0, formulas from 1: r_ik of the formulas is R[i - 1, k - 1].

    Args:
        labels: integers in 0..num_classes-1, shape (N,).
        num_classes: K.

    Returns:
        shape (N, K).
    """
    labels = np.asarray(labels).astype(np.int64).reshape(-1)
    encoded = np.zeros((labels.size, num_classes))
    encoded[np.arange(labels.size), labels] = 1.0
    return encoded


def _binary_labels(y: ArrayLike, z_shape: tuple[int, ...]) -> Array:
    y = np.asarray(y, dtype=np.float64)
    if y.size != int(np.prod(z_shape)) or y.ndim > 2:
        raise ValueError(
            f"binary_cross_entropy needs one label per logit: logits have shape {z_shape}, "
            f"labels have shape {y.shape}. Pass labels of shape (N,) or (N, 1)."
        )
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("binary_cross_entropy needs labels 0 or 1; got other values.")
    return y.reshape(z_shape)


def _class_labels(y: ArrayLike, n: int, k: int) -> NDArray[np.int64]:
    y = np.asarray(y)
    if y.shape not in ((n,), (n, 1)):
        raise ValueError(
            f"categorical_cross_entropy needs {n} integer labels, shape ({n},); got shape {y.shape}."
        )
    y = y.reshape(-1)
    if not np.all(np.isfinite(y.astype(np.float64))) or np.any(y != np.round(y)):
        raise ValueError("categorical_cross_entropy needs integer class labels 0..K-1; got non-integers.")
    if np.any(y < 0) or np.any(y >= k):
        raise ValueError(
            f"categorical_cross_entropy needs labels in 0..{k - 1} for {k} classes; "
            f"got labels from {y.min()} to {y.max()}."
        )
    return y.astype(np.int64)


def _check_same_shape(z: Array, y: Array) -> None:
    if z.shape != y.shape:
        raise ValueError(
            f"squared_error needs predictions and targets of the same shape; "
            f"got z {z.shape} and y {y.shape}."
        )
