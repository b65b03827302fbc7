"""A neural network with one hidden layer, its forward pass and its backpropagation.

Batch convention: the rows of ``X`` are samples, so

    Z_h = X W1^T + b1        U_h = g_act(Z_h)          shapes (N, n_hidden)
    Z_o = U_h W2^T + b2      U_o = g_out(Z_o)          shapes (N, n_out)

The loss is computed from the logits Z_o (see ``nnkit.losses``) and is the
mean over the N rows. ``loss_and_grads`` runs the forward pass, then walks the
same steps backwards, each gradient written right below the step it undoes.
"""

import numpy as np
from numpy.typing import ArrayLike, NDArray

from nnkit.activations import ACTIVATIONS, identity, sigmoid, softmax
from nnkit.losses import binary_cross_entropy, categorical_cross_entropy, squared_error

Array = NDArray[np.float64]

HIDDEN_ACTIVATIONS = ("sigmoid", "relu", "tanh", "step")

# output map -> (function from logits to outputs, loss from logits)
OUTPUTS = {
    "identity": (identity, squared_error),
    "sigmoid": (sigmoid, binary_cross_entropy),
    "softmax": (softmax, categorical_cross_entropy),
}


class TwoLayerNet:
    """A one-hidden-layer network: n_in inputs -> n_hidden units -> n_out outputs.

    Args:
        n_in: number of inputs N_i.
        n_hidden: number of hidden units N_h.
        n_out: number of outputs N_o.
        activation: hidden activation, one of "sigmoid", "relu", "tanh", "step".
        output: output map, one of "identity" (regression, squared error),
            "sigmoid" (binary classification, binary cross-entropy) or
            "softmax" (K-class classification, categorical cross-entropy).
        seed: seed for the random initial weights; the same seed gives the same net.

    Attributes:
        params: dict with W1 (n_hidden, n_in), b1 (n_hidden,), W2 (n_out, n_hidden),
            b2 (n_out,). Entries can be replaced, e.g. ``net.params["W1"] = W``.
    """

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        n_out: int,
        activation: str = "relu",
        output: str = "identity",
        seed: int | None = None,
    ) -> None:
        for name, size in (("n_in", n_in), ("n_hidden", n_hidden), ("n_out", n_out)):
            if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 1:
                raise ValueError(f"{name} must be a positive whole number; got {size!r}.")
        if activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(
                f"unknown activation {activation!r}; choose one of {', '.join(HIDDEN_ACTIVATIONS)}."
            )
        if output not in OUTPUTS:
            raise ValueError(f"unknown output {output!r}; choose one of {', '.join(OUTPUTS)}.")
        if output == "softmax" and n_out < 2:
            raise ValueError("a softmax output needs n_out >= 2 classes; use output='sigmoid' for two classes with one output.")
        self.n_in, self.n_hidden, self.n_out = int(n_in), int(n_hidden), int(n_out)
        self.activation, self.output = activation, output
        rng = np.random.default_rng(seed)
        # Scaled so that each unit's pre-activation starts with variance about 1.
        self.params = {
            "W1": rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_hidden, n_in)),
            "b1": np.zeros(n_hidden),
            "W2": rng.normal(0.0, 1.0 / np.sqrt(n_hidden), size=(n_out, n_hidden)),
            "b2": np.zeros(n_out),
        }

    def __repr__(self) -> str:
        return (
            f"TwoLayerNet(n_in={self.n_in}, n_hidden={self.n_hidden}, n_out={self.n_out}, "
            f"activation={self.activation!r}, output={self.output!r})"
        )

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape each entry of ``params`` must have."""
        return {
            "W1": (self.n_hidden, self.n_in),
            "b1": (self.n_hidden,),
            "W2": (self.n_out, self.n_hidden),
            "b2": (self.n_out,),
        }

    def num_params(self) -> int:
        """Number of learned numbers: n_hidden (n_in + 1) + n_out (n_hidden + 1)."""
        return sum(int(np.prod(shape)) for shape in self.param_shapes().values())

    def trace(self, X: ArrayLike) -> dict[str, Array]:
        """The forward pass, keeping every intermediate.

        Args:
            X: inputs, shape (N, n_in).

        Returns:
            dict with z_hidden and u_hidden (N, n_hidden), z_out and u_out (N, n_out).
        """
        X = self._check_inputs(X)
        W1, b1, W2, b2 = self._checked_params()
        g_act, _ = ACTIVATIONS[self.activation]
        g_out, _ = OUTPUTS[self.output]
        z_hidden = X @ W1.T + b1
        u_hidden = g_act(z_hidden)
        z_out = u_hidden @ W2.T + b2
        return {"z_hidden": z_hidden, "u_hidden": u_hidden, "z_out": z_out, "u_out": g_out(z_out)}

    def forward(self, X: ArrayLike) -> Array:
        """The network's output U_o, shape (N, n_out): probabilities for sigmoid and softmax."""
        return self.trace(X)["u_out"]

    def loss_and_grads(self, X: ArrayLike, y: ArrayLike) -> tuple[float, dict[str, Array]]:
        """Mean loss over the batch and its gradient with respect to every parameter.

        Args:
            X: inputs, shape (N, n_in).
            y: targets: (N, n_out) floats for "identity"; (N,) or (N, 1) zeros and
                ones for "sigmoid"; (N,) integer labels 0..K-1 for "softmax".

        Returns:
            (loss, grads): loss is a float, grads a dict with the keys and shapes of params.
        """
        X = self._check_inputs(X)
        W1, b1, W2, b2 = self._checked_params()
        _, d_act = ACTIVATIONS[self.activation]
        _, loss_fn = OUTPUTS[self.output]
        steps = self.trace(X)

        # Forward ends in the loss; backward starts there.
        loss, dz_out = loss_fn(steps["z_out"], self._check_targets(y, X.shape[0]))
        # z_out = u_hidden W2^T + b2
        grads = {"W2": dz_out.T @ steps["u_hidden"], "b2": dz_out.sum(axis=0)}
        du_hidden = dz_out @ W2
        # u_hidden = g_act(z_hidden), elementwise
        dz_hidden = du_hidden * d_act(steps["z_hidden"])
        # z_hidden = X W1^T + b1
        grads["W1"] = dz_hidden.T @ X
        grads["b1"] = dz_hidden.sum(axis=0)
        return loss, grads

    def _check_inputs(self, X: ArrayLike) -> Array:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_in or X.shape[0] < 1:
            hint = " (for one sample x, pass x.reshape(1, -1))" if X.ndim == 1 else ""
            raise ValueError(
                f"X must have shape (N, {self.n_in}): one row per sample, {self.n_in} inputs; "
                f"got shape {X.shape}{hint}."
            )
        if not np.all(np.isfinite(X)):
            raise ValueError("X contains NaN or infinite values.")
        return X

    def _check_targets(self, y: ArrayLike, n: int) -> Array:
        y = np.asarray(y)
        if self.output == "identity":
            if y.shape == (n,) and self.n_out == 1:
                y = y.reshape(n, 1)
            if y.shape != (n, self.n_out):
                raise ValueError(
                    f"for output='identity', y must have shape ({n}, {self.n_out}); got shape {y.shape}."
                )
        return y

    def _checked_params(self) -> tuple[Array, Array, Array, Array]:
        missing = set(self.param_shapes()) - set(self.params)
        if missing:
            raise ValueError(f"params is missing {sorted(missing)}; it needs W1, b1, W2 and b2.")
        checked = []
        for name, shape in self.param_shapes().items():
            value = np.asarray(self.params[name], dtype=np.float64)
            if value.shape != shape:
                raise ValueError(f"params[{name!r}] must have shape {shape}; got shape {value.shape}.")
            checked.append(value)
        return tuple(checked)
