"""Activation functions, their derivatives, and the output maps.

Every function here works elementwise on an array of any shape (except
``softmax`` and ``logsumexp``, which work along the last axis) and returns
float64. Each activation ``f`` has its derivative ``f_derivative`` right
beside it, written as a function of the pre-activation ``z``.
"""

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def _as_float(z: ArrayLike) -> Array:
    return np.asarray(z, dtype=np.float64)


def step(z: ArrayLike) -> Array:
    """Hard threshold: 1 where z >= 0, else 0."""
    return (_as_float(z) >= 0).astype(np.float64)


def step_derivative(z: ArrayLike) -> Array:
    """0 everywhere. (At z = 0 the step has no derivative; we use 0 there too.)

    This is why hard-threshold networks cannot be trained by gradient descent:
    no gradient flows back through a step.
    """
    return np.zeros_like(_as_float(z))


def sigmoid(z: ArrayLike) -> Array:
    """sigma(z) = 1 / (1 + e^-z).

    Computed as (1 + tanh(z / 2)) / 2, the same function, which never
    overflows: e^-z would overflow for z < -709.
    """
    return 0.5 * (1.0 + np.tanh(0.5 * _as_float(z)))


def sigmoid_derivative(z: ArrayLike) -> Array:
    """sigma'(z) = sigma(z) (1 - sigma(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


def relu(z: ArrayLike) -> Array:
    """ReLU(z) = max(0, z)."""
    return np.maximum(0.0, _as_float(z))


def relu_derivative(z: ArrayLike) -> Array:
    """1 where z > 0, else 0. (At z = 0 ReLU has no derivative; we use 0.)"""
    return (_as_float(z) > 0).astype(np.float64)


def tanh(z: ArrayLike) -> Array:
    """tanh(z) = (e^z - e^-z) / (e^z + e^-z)."""
    return np.tanh(_as_float(z))


def tanh_derivative(z: ArrayLike) -> Array:
    """tanh'(z) = 1 - tanh(z)^2."""
    return 1.0 - np.tanh(_as_float(z)) ** 2


def identity(z: ArrayLike) -> Array:
    """identity(z) = z."""
    return _as_float(z).copy()


def identity_derivative(z: ArrayLike) -> Array:
    """1 everywhere."""
    return np.ones_like(_as_float(z))


def logsumexp(z: ArrayLike) -> Array:
    """ln sum_k e^(z_k) along the last axis, without overflow.

    Args:
        z: shape (..., K).

    Returns:
        shape (...,): the last axis is summed away.
    """
    z = _as_float(z)
    z_max = np.max(z, axis=-1, keepdims=True)
    return np.log(np.sum(np.exp(z - z_max), axis=-1)) + z_max[..., 0]


def softmax(z: ArrayLike) -> Array:
    """softmax(z)_k = e^(z_k) / sum_l e^(z_l), along the last axis.

    Each row of a batch (N, K) is normalised on its own, so every row sums
    to 1. Subtracting the row maximum first changes nothing mathematically
    and keeps e^z from overflowing.

    Args:
        z: logits, shape (..., K).

    Returns:
        probabilities, same shape as z.
    """
    z = _as_float(z)
    shifted = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return shifted / np.sum(shifted, axis=-1, keepdims=True)


# name -> (function, derivative), for the hidden layer of TwoLayerNet.
ACTIVATIONS = {
    "step": (step, step_derivative),
    "sigmoid": (sigmoid, sigmoid_derivative),
    "relu": (relu, relu_derivative),
    "tanh": (tanh, tanh_derivative),
    "identity": (identity, identity_derivative),
}
