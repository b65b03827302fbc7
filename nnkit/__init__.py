"""nnkit: the helper package of the course Backprop by Hand.

Small and readable on purpose: every function is meant to be read next to the
chapter that explains it. Arrays are float64 and batches have one sample per
row.

    import nnkit
    net = nnkit.TwoLayerNet(2, 3, 1, activation="relu", output="sigmoid", seed=0)
    loss, grads = net.loss_and_grads(X, y)

Modules: ``activations``, ``losses``, ``network``, ``gradcheck`` (imported
here), ``autodiff`` (reverse-mode differentiation on arrays) and ``deepnet``
(networks of L dense layers on it), ``compgraph`` (computation graphs as
data), ``graph_drawing`` and ``course_graphs`` (their drawing and the course's
examples), ``plotting`` (figures; ``drawing`` holds what the figures share),
``widgets`` (ipywidgets explorers) and ``grading`` (the checks used by the
exercises' test cells).
"""

from nnkit.activations import (
    identity,
    identity_derivative,
    logsumexp,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    step,
    step_derivative,
    tanh,
    tanh_derivative,
)
from nnkit.gradcheck import check_gradient, numerical_gradient
from nnkit.losses import binary_cross_entropy, categorical_cross_entropy, one_hot, squared_error
from nnkit.network import TwoLayerNet

__version__ = "0.1.0"

__all__ = [
    "TwoLayerNet",
    "binary_cross_entropy",
    "categorical_cross_entropy",
    "check_gradient",
    "identity",
    "identity_derivative",
    "logsumexp",
    "numerical_gradient",
    "one_hot",
    "relu",
    "relu_derivative",
    "sigmoid",
    "sigmoid_derivative",
    "softmax",
    "squared_error",
    "step",
    "step_derivative",
    "tanh",
    "tanh_derivative",
]
