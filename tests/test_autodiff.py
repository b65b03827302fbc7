"""nnkit.autodiff: every operation's backward rule against central differences, on random shapes.

Each test builds a scalar loss L = Σ (op(inputs) ⊙ R) with a fixed random R (so every entry of the
result matters, with its own weight), runs L.backward() and compares each input's grad with
nnkit.numerical_gradient of the same computation (nnkit.check_gradient names the worst entry).
Then the engine against TwoLayerNet.loss_and_grads, and the L-layer recursion it implies.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import nnkit
from nnkit import autodiff as ad
from nnkit import deepnet
from tests.strategies import batch_sizes, class_counts, layer_sizes, seeds

FAST = settings(max_examples=25, deadline=None)


def check_backward(build, inputs: list[np.ndarray], what: str) -> None:
    """Compare the engine's gradient of L = Σ build(*tensors) ⊙ R with finite differences, input by input."""
    rng = np.random.default_rng(0)
    weights = rng.normal(size=np.shape(build(*[ad.Tensor(x) for x in inputs]).value))

    tensors = [ad.Tensor(x) for x in inputs]
    loss = ad.reduce_sum(ad.multiply(build(*tensors), weights))
    loss.backward()
    for index, (tensor, x) in enumerate(zip(tensors, inputs)):
        def f(moved: np.ndarray, index: int = index) -> float:
            values = [moved if i == index else v for i, v in enumerate(inputs)]
            return float(np.sum(build(*[ad.Tensor(v) for v in values]).value * weights))

        assert tensor.grad.shape == x.shape, (
            f"{what}: the gradient of operand {index} has shape {tensor.grad.shape}, but the operand has shape "
            f"{x.shape} (a broadcast gradient must be summed back to the operand's shape)."
        )
        nnkit.check_gradient(f, tensor.grad, x.copy(), name=f"{what}, operand {index} of shape {x.shape}")


@st.composite
def broadcast_pairs(draw):
    """(a, b): a of shape (N, n) and b of a shape that broadcasts against it, in either order."""
    n_rows, n_cols = draw(batch_sizes), draw(layer_sizes)
    rng = np.random.default_rng(draw(seeds))
    other = draw(st.sampled_from([(n_rows, n_cols), (n_cols,), (1, n_cols), (n_rows, 1), ()]))
    a, b = rng.normal(size=(n_rows, n_cols)), rng.normal(size=other)
    return (b, a) if draw(st.booleans()) else (a, b)


@FAST
@given(broadcast_pairs())
def test_add_sends_the_gradient_to_both_operands_summed_to_their_shapes(pair):
    check_backward(ad.add, list(pair), f"add of shapes {pair[0].shape} and {pair[1].shape}")


@FAST
@given(broadcast_pairs())
def test_multiply_sends_each_operand_the_gradient_times_the_other(pair):
    check_backward(ad.multiply, list(pair), f"multiply of shapes {pair[0].shape} and {pair[1].shape}")


@FAST
@given(broadcast_pairs())
def test_maximum_routes_the_gradient_to_the_larger_operand(pair):
    a, b = pair
    assume(np.min(np.abs(a - b)) > 1e-3)  # max has no derivative where the operands tie
    check_backward(ad.maximum, [a, b], f"maximum of shapes {a.shape} and {b.shape}")


@FAST
@given(layer_sizes, layer_sizes, layer_sizes, seeds)
def test_matmul_backward_is_out_grad_times_the_other_transposed(m, k, n, seed):
    rng = np.random.default_rng(seed)
    check_backward(ad.matmul, [rng.normal(size=(m, k)), rng.normal(size=(k, n))], f"matmul ({m}, {k}) @ ({k}, {n})")


@FAST
@given(batch_sizes, layer_sizes, seeds, st.sampled_from([None, 0, 1]))
def test_transpose_and_sum(n_rows, n_cols, seed, axis):
    A = np.random.default_rng(seed).normal(size=(n_rows, n_cols))
    check_backward(ad.transpose, [A], f"transpose of {A.shape}")
    check_backward(lambda a: ad.reduce_sum(a, axis=axis), [A], f"sum over axis {axis} of {A.shape}")


@FAST
@given(batch_sizes, layer_sizes, seeds, st.sampled_from(["sigmoid", "relu", "tanh", "identity"]))
def test_activations_multiply_by_their_derivative(n_rows, n_cols, seed, name):
    Z = np.random.default_rng(seed).normal(0.0, 2.0, size=(n_rows, n_cols))
    Z = np.where(np.abs(Z) < 1e-2, 0.5, Z)  # ReLU has no derivative at 0
    check_backward(ad.ACTIVATIONS[name], [Z], f"{name} on {Z.shape}")


def test_step_sends_back_nothing():
    z = ad.Tensor([[-1.0, 0.5, 2.0]])
    loss = ad.reduce_sum(ad.step(z) * 3.0)
    loss.backward()
    assert loss.value == 6.0 and np.array_equal(z.grad, np.zeros((1, 3)))


@FAST
@given(batch_sizes, class_counts, seeds)
def test_losses_from_logits_against_finite_differences(n_rows, k, seed):
    rng = np.random.default_rng(seed)
    Z = rng.normal(0.0, 3.0, size=(n_rows, k))
    targets = {
        "squared_error": rng.normal(size=(n_rows, k)),
        "categorical_cross_entropy": rng.integers(0, k, size=n_rows),
    }
    for name, y in targets.items():
        loss_fn = getattr(ad, name)
        z = ad.Tensor(Z)
        loss = loss_fn(z, y)
        loss.backward()
        assert loss.shape == () and np.isclose(loss.value, getattr(nnkit, name)(Z, y)[0])
        nnkit.check_gradient(lambda M: float(loss_fn(M, y).value), z.grad, Z.copy(), name=f"{name} on {Z.shape}")
    z_binary, y_binary = Z[:, :1], rng.integers(0, 2, size=n_rows)
    z = ad.Tensor(z_binary)
    ad.binary_cross_entropy(z, y_binary).backward()
    nnkit.check_gradient(lambda M: float(ad.binary_cross_entropy(M, y_binary).value), z.grad, z_binary.copy(),
                         name=f"binary_cross_entropy on {z_binary.shape}")


def test_a_value_used_twice_gets_the_sum_of_both_gradients():
    a = ad.Tensor([1.0, -2.0, 3.0])
    loss = ad.reduce_sum(a * a) + ad.reduce_sum(a)  # Σ a² + Σ a: gradient 2a + 1
    loss.backward()
    assert np.allclose(a.grad, [3.0, -3.0, 7.0])
    hidden = ad.sigmoid(a)  # a diamond: hidden feeds two branches that meet again
    loss = ad.reduce_sum(hidden * 2.0 + ad.tanh(hidden))
    loss.backward()
    nnkit.check_gradient(lambda v: float(np.sum(2 * nnkit.sigmoid(v) + np.tanh(nnkit.sigmoid(v)))), a.grad,
                         a.value.copy(), name="a diamond through sigmoid")


def test_backward_twice_gives_the_same_gradients():
    W = ad.Tensor([[1.0, 2.0], [3.0, 4.0]])
    loss = ad.reduce_sum(ad.matmul(W, W))
    loss.backward()
    first = W.grad.copy()
    loss.backward()
    assert np.array_equal(W.grad, first)


@FAST
@given(st.integers(min_value=1, max_value=30), seeds)
def test_topological_order_puts_every_tensor_after_its_parents(size, seed):
    rng = np.random.default_rng(seed)
    tensors = [ad.Tensor(1.0)]
    for _ in range(size):
        chosen = rng.choice(len(tensors), size=min(2, len(tensors)), replace=False)
        tensors.append(ad.add(*[tensors[i] for i in chosen]) if len(chosen) == 2 else ad.sigmoid(tensors[chosen[0]]))
    order = ad.topological_order(tensors[-1])
    position = {id(t): i for i, t in enumerate(order)}
    assert order[-1] is tensors[-1] and len(position) == len(order)
    assert all(position[id(parent)] < position[id(t)] for t in order for parent in t.parents)


def test_a_long_chain_needs_no_recursion():
    x = ad.Tensor(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_bad_input_gets_a_clear_message():
    with pytest.raises(ValueError, match="scalar loss"):
        ad.Tensor(np.ones(3)).backward()
    with pytest.raises(ValueError, match=r"\(m, k\) and \(k, n\)"):
        ad.matmul(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="unknown init"):
        deepnet.init_params([2, 3], init="large")
    with pytest.raises(ValueError, match="activation must be one of"):
        deepnet.loss_and_grads(np.ones((1, 2)), [0], deepnet.init_params([2, 2]), activation="swish")


@FAST
@given(batch_sizes, layer_sizes, layer_sizes, class_counts, seeds,
       st.sampled_from(["sigmoid", "relu", "tanh", "step"]), st.sampled_from(["identity", "sigmoid", "softmax"]))
def test_the_engine_gives_the_gradients_of_two_layer_net(n_rows, n_in, n_hidden, k, seed, activation, output):
    n_out = 1 if output == "sigmoid" else k
    net = nnkit.TwoLayerNet(n_in, n_hidden, n_out, activation=activation, output=output, seed=seed % 1000)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_in))
    y = {"identity": rng.normal(size=(n_rows, n_out)), "sigmoid": rng.integers(0, 2, size=n_rows),
         "softmax": rng.integers(0, n_out, size=n_rows)}[output]
    params = [(net.params["W1"], net.params["b1"]), (net.params["W2"], net.params["b2"])]
    loss, grads = deepnet.loss_and_grads(X, y, params, activation, output)
    expected_loss, expected = net.loss_and_grads(X, y)
    assert np.isclose(loss, expected_loss, rtol=1e-12, atol=1e-12)
    for (dW, db), layer in zip(grads, ("1", "2")):
        assert np.allclose(dW, expected["W" + layer], rtol=1e-10, atol=1e-12), f"W{layer}, {activation}/{output}"
        assert np.allclose(db, expected["b" + layer], rtol=1e-10, atol=1e-12), f"b{layer}, {activation}/{output}"


@FAST
@given(st.lists(layer_sizes, min_size=2, max_size=5), class_counts, batch_sizes, seeds,
       st.sampled_from(["sigmoid", "relu", "tanh"]))
def test_deep_gradients_against_finite_differences_and_the_delta_recursion(hidden, k, n_rows, seed, activation):
    sizes = [hidden[0], *hidden[1:], k]
    params = deepnet.init_params(sizes, seed=seed % 1000)
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n_rows, sizes[0])), rng.integers(0, k, size=n_rows)
    _, grads = deepnet.loss_and_grads(X, y, params, activation)
    for l, ((W, b), (dW, db)) in enumerate(zip(params, grads), start=1):
        def f(moved, l=l):
            changed = [(moved, pb) if i == l else (pW, pb) for i, (pW, pb) in enumerate(params, start=1)]
            return deepnet.loss_and_grads(X, y, changed, activation)[0]
        nnkit.check_gradient(f, dW, W.copy(), name=f"∂L/∂W^({l}) of a {sizes} {activation} network")
    # δ^(l) = (δ^(l+1) W^(l+1)) ⊙ g′(z^(l)): rows are samples, so W multiplies from the right.
    _, pre_activations, _ = deepnet.build_graph(X, y, params, activation)
    deltas = deepnet.deltas(X, y, params, activation)
    g_prime = {"sigmoid": nnkit.sigmoid_derivative, "relu": nnkit.relu_derivative, "tanh": nnkit.tanh_derivative}
    for l in range(len(params) - 1):
        recursion = (deltas[l + 1] @ params[l + 1][0]) * g_prime[activation](pre_activations[l].value)
        assert np.allclose(deltas[l], recursion, atol=1e-12)
        assert np.allclose(grads[l][0], deltas[l].T @ (X if l == 0 else _activate(pre_activations[l - 1], activation)))


def _activate(z: ad.Tensor, activation: str) -> np.ndarray:
    return ad.ACTIVATIONS[activation](z.value).value


def test_momentum_descends_faster_on_a_badly_scaled_problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2)) * np.array([1.0, 0.05])
    y = X @ np.array([[2.0], [-30.0]])
    params = [(np.zeros((1, 2)), np.zeros(1))]
    _, plain = deepnet.train(X, y, params, 0.4, 100, output="identity")
    _, heavy = deepnet.train(X, y, params, 0.4, 100, output="identity", momentum=0.9)
    assert heavy[-1] < 0.1 * plain[-1]
    assert np.array_equal(params[0][0], np.zeros((1, 2))), "train must leave the parameters it was given unchanged"
