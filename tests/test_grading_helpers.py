"""Unit tests for nnkit.grading, the checks the exercises' test cells run."""

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import nnkit
from nnkit import grading
from nnkit.activations import softmax as aliased_softmax

RTOL, ATOL = grading.DEFAULT_RTOL, grading.DEFAULT_ATOL


def sigmoid_np(z: np.ndarray) -> np.ndarray:
    """A plain numpy sigmoid, as a student would write it."""
    return 1.0 / (1.0 + np.exp(-z))


@pytest.fixture
def batch() -> dict[str, np.ndarray]:
    """A small batch with a square weight matrix, so X @ W runs without a shape error."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 3))
    W = rng.normal(size=(3, 3))
    b = rng.normal(size=3)
    return {"X": X, "W": W, "b": b, "expected": sigmoid_np(X @ W.T + b)}


def failure_message(answer, expected, mistakes=(), **kwargs) -> str:
    """The message check_array raises (the test fails if it raises nothing)."""
    with pytest.raises(AssertionError) as caught:
        grading.check_array(answer, expected, "answer", mistakes=mistakes, **kwargs)
    return str(caught.value)


# --- check_array and check_value ------------------------------------------------


def test_check_array_accepts_a_correct_answer_and_array_likes(batch):
    grading.check_array(batch["expected"].copy(), batch["expected"], "answer")
    grading.check_array(batch["expected"].tolist(), batch["expected"], "answer")


def test_check_array_accepts_differences_within_tolerance():
    grading.check_array([1.0 + 1e-9], [1.0], "answer")
    grading.check_array([0.0067], [0.0066929], "answer", atol=1e-4)


def test_check_array_reports_shape_with_expected_and_got():
    message = failure_message(np.zeros((3, 2)), np.zeros((2, 3)))
    assert "expected: shape (2, 3)" in message and "got:      shape (3, 2)" in message
    assert "Same number of entries" in message


def test_check_array_reports_the_worst_entry_and_the_tolerance():
    message = failure_message([1.0, 2.0, 3.5], [1.0, 2.0, 3.0])
    assert "1 of 3 entries differ" in message
    assert "largest difference at [2]: expected 3, got 3.5" in message
    assert "rtol=1e-07" in message


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [(None, "forget a return"), ("0.5", "should be an array"), ([[1.0], [1.0, 2.0]], "should be an array")],
)
def test_check_array_explains_answers_that_are_not_arrays(answer, fragment):
    assert fragment in failure_message(answer, [0.5])


def test_check_array_rejects_nan():
    assert "NaN" in failure_message([np.nan], [0.5])


def test_check_value_accepts_numbers_numpy_scalars_and_size_one_arrays():
    for answer in (-5, -5.0, np.float64(-5.0), np.array([-5.0]), np.array([[-5.0]])):
        grading.check_value(answer, -5.0, "b")


def test_check_value_reports_expected_got_and_tolerance():
    with pytest.raises(AssertionError) as caught:
        grading.check_value(0.5, 0.25, "y_hat", atol=1e-4)
    assert "expected: 0.25" in str(caught.value) and "got:      0.5" in str(caught.value)
    assert "atol=0.0001" in str(caught.value)


def test_check_value_rejects_an_array_of_several_numbers():
    with pytest.raises(AssertionError, match="single number"):
        grading.check_value(np.array([1.0, 2.0]), 1.0, "b")


# --- the mistake detectors: each recognises its mistake and is silent otherwise -------


def test_transposed(batch):
    detect = grading.transposed()
    expected = batch["expected"]
    assert detect(expected, expected, RTOL, ATOL) is None
    assert "transposed" in detect(expected.T, expected, RTOL, ATOL)
    assert "transposed" in failure_message(expected.T, expected, [detect])


def test_transposed_is_silent_for_a_symmetric_answer():
    symmetric = np.array([[1.0, 2.0], [2.0, 1.0]])
    assert grading.transposed()(symmetric, symmetric, RTOL, ATOL) is None


def test_transposed_weights(batch):
    X, W, b, expected = batch["X"], batch["W"], batch["b"], batch["expected"]
    detect = grading.transposed_weights(sigmoid_np(X @ W + b))
    assert detect(expected, expected, RTOL, ATOL) is None
    assert "X @ W.T" in failure_message(sigmoid_np(X @ W + b), expected, [detect])


def test_missing_bias(batch):
    X, W, expected = batch["X"], batch["W"], batch["expected"]
    detect = grading.missing_bias(sigmoid_np(X @ W.T))
    assert detect(expected, expected, RTOL, ATOL) is None
    assert "bias is missing" in failure_message(sigmoid_np(X @ W.T), expected, [detect])


def test_wrong_sign():
    expected = np.array([[1.0, -2.0], [0.5, 3.0]])
    detect = grading.wrong_sign()
    assert detect(expected, expected, RTOL, ATOL) is None
    assert "sign is flipped" in failure_message(-expected, expected, [detect])


def test_constant_factor():
    expected = np.array([0.5, -1.0, 2.0])
    detect = grading.constant_factor()
    assert detect(expected, expected, RTOL, ATOL) is None
    assert detect(-expected, expected, RTOL, ATOL) is None  # that one is wrong_sign's
    assert detect(expected + 1.0, expected, RTOL, ATOL) is None
    assert "2 times the expected" in failure_message(2.0 * expected, expected, [detect])


def test_sum_instead_of_mean():
    mean_gradient = np.array([0.25, -0.5])
    detect = grading.sum_instead_of_mean(8)
    assert detect(mean_gradient, mean_gradient, RTOL, ATOL) is None
    assert "sum over the 8 samples" in failure_message(8 * mean_gradient, mean_gradient, [detect])


def test_softmax_wrong_axis_recognises_both_slips():
    logits = np.random.default_rng(1).normal(size=(3, 3))
    expected = nnkit.softmax(logits)
    exp = np.exp(logits)
    detect = grading.softmax_wrong_axis(logits)
    assert detect(expected, expected, RTOL, ATOL) is None
    columns_normalised = exp / exp.sum(axis=0, keepdims=True)
    seed_slip = exp / np.sum(exp, axis=1)[None, :]  # the lecture notes' code
    for wrong in (columns_normalised, seed_slip):
        assert "wrong axis" in failure_message(wrong, expected, [detect])


def test_looks_like_and_first_matching_detector_wins():
    expected = np.array([1.0, 2.0])
    detectors = [grading.looks_like([9.0, 9.0], "first"), grading.looks_like([3.0, 4.0], "second")]
    message = failure_message([3.0, 4.0], expected, detectors)
    assert "common mistake: second" in message and "first" not in message


def test_no_detector_named_for_an_unrecognised_answer(batch):
    message = failure_message(batch["expected"] + 0.1, batch["expected"], [grading.transposed(), grading.wrong_sign()])
    assert "common mistake" not in message


def test_detectors_work_in_check_value():
    with pytest.raises(AssertionError, match="squared"):
        grading.check_value(0.9933, 0.9866, "loss", mistakes=[grading.looks_like(0.9933, "the loss is squared")])


# --- the small checks ------------------------------------------------------------


def test_check_labels_names_the_first_wrong_input():
    x = np.array([0.0, 1.0, 3.0])
    grading.check_labels(np.array([True, False, True]), [1.0, 0.0, 1.0], "p1_predict(x)", {"x": x})
    with pytest.raises(AssertionError, match=r"at x = 1 the answer should be 0, got 1"):
        grading.check_labels([1.0, 1.0, 1.0], [1.0, 0.0, 1.0], "p1_predict(x)", {"x": x})
    with pytest.raises(AssertionError, match="shape of its input"):
        grading.check_labels([1.0], [1.0, 0.0, 1.0], "p1_predict(x)", {"x": x})


def test_whole_numbers_bools_and_integers():
    grading.check_integer(2, 2, "N_h")
    grading.check_integer(np.int64(2), 2, "N_h")
    grading.check_integer(2.0, 2, "N_h")
    grading.check_integer(np.array([2]), 2, "N_h")
    for not_whole in (True, 2.5, "2", None, [1, 2], [[1], [1, 2]], float("nan")):
        with pytest.raises(AssertionError):
            grading.check_whole_number(not_whole, "N_h")
    with pytest.raises(AssertionError, match="Hint: rows of W"):
        grading.check_integer(1, 2, "N_h", hint="rows of W")
    grading.check_bool(np.bool_(True), "flag", expected=True)
    with pytest.raises(AssertionError, match="True or False"):
        grading.check_bool(1, "flag")


def test_choice_keys_tuple_shape_and_equal():
    choices = ["identity", "sigmoid", "softmax"]
    grading.check_choice(" Softmax ", ["softmax"], "g_out", choices)
    with pytest.raises(AssertionError, match="one of"):
        grading.check_choice("relu", ["softmax"], "g_out", choices)
    with pytest.raises(AssertionError, match="not right"):
        grading.check_choice("sigmoid", ["softmax"], "g_out", choices)
    grading.check_keys({"N_i": 1, "N_o": 1}, ["N_o", "N_i"], "arch")
    with pytest.raises(AssertionError, match="keys"):
        grading.check_keys({"N_i": 1}, ["N_i", "N_o"], "arch")
    grading.check_tuple((2, 3), 2, "W1_shape")
    with pytest.raises(AssertionError, match="2 items"):
        grading.check_tuple((2, 3, 4), 2, "W1_shape")
    grading.check_shape(np.zeros((2, 1)), (2, 1), "Wh2")
    with pytest.raises(AssertionError, match=r"shape \(2, 1\)"):
        grading.check_shape(np.zeros(2), (2, 1), "Wh2")
    with pytest.raises(AssertionError, match="not right"):
        grading.check_equal((3, 2), (2, 3), "W1_shape")


# --- fixed random inputs -----------------------------------------------------------


def test_fixed_rng_repeats_for_a_label_and_differs_between_labels():
    first = grading.fixed_rng("p5_hidden_layer").normal(size=5)
    again = grading.fixed_rng("p5_hidden_layer").normal(size=5)
    other = grading.fixed_rng("p5_output_softmax").normal(size=5)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_fixed_rng_does_not_depend_on_python_hash_randomisation():
    code = "from nnkit import grading; print(grading.fixed_rng('label').integers(0, 10**9))"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code], env={"PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


# --- calling the student's code --------------------------------------------------------


def student_numpy(z):
    return sigmoid_np(z)


def student_direct(z):
    return nnkit.sigmoid(z)


def student_aliased(z):
    return aliased_softmax(z)


def student_network(n_in, n_hidden, n_out):
    return nnkit.TwoLayerNet(n_in, n_hidden, n_out).num_params()


def test_call_without_nnkit_returns_the_result_of_numpy_code():
    z = np.array([[0.0, 1.0]])
    np.testing.assert_allclose(grading.call_without_nnkit(student_numpy, z), sigmoid_np(z))


@pytest.mark.parametrize(
    ("student", "args", "called"),
    [
        (student_direct, (np.zeros(2),), "nnkit.sigmoid"),
        (student_aliased, (np.zeros((1, 2)),), "nnkit.softmax"),
        (student_network, (2, 2, 1), "nnkit.TwoLayerNet"),
    ],
)
def test_call_without_nnkit_catches_direct_aliased_and_class_calls(student, args, called):
    with pytest.raises(AssertionError) as caught:
        grading.call_without_nnkit(student, *args)
    assert f"implement it yourself with numpy, don't call {called}." in str(caught.value)


def test_call_without_nnkit_catches_a_method_of_an_existing_object():
    net = nnkit.TwoLayerNet(2, 2, 1, seed=0)
    with pytest.raises(AssertionError, match=r"don't call nnkit\.TwoLayerNet\.num_params"):
        grading.call_without_nnkit(lambda: net.num_params())


def test_call_without_nnkit_catches_code_that_switches_the_check_off():
    def sneaky(z):
        sys.setprofile(None)
        return nnkit.sigmoid(z)

    with pytest.raises(AssertionError, match="switched off"):
        grading.call_without_nnkit(sneaky, np.zeros(2))


def test_call_without_nnkit_allows_the_grading_module_itself():
    grading.call_without_nnkit(lambda: grading.check_value(1.0, 1.0, "x"))


def test_call_without_nnkit_restores_the_previous_profiler_even_on_errors():
    def failing():
        raise ValueError("boom")

    before = sys.getprofile()
    with pytest.raises(ValueError, match="boom"):
        grading.call_without_nnkit(failing)
    assert sys.getprofile() is before


def test_call_without_forbids_only_the_modules_it_is_given():
    from nnkit.optim import sgd_step

    net = nnkit.TwoLayerNet(2, 2, 1, seed=0)

    def epoch_with_nnkit_sgd():
        _, grads = net.loss_and_grads(np.zeros((1, 2)), np.array([1.0]))
        return sgd_step(net.params, grads, 0.1)

    with pytest.raises(AssertionError, match=r"calls nnkit\.(optim\.)?sgd_step"):
        grading.call_without(["nnkit.optim", "nnkit.training"], epoch_with_nnkit_sgd)
    assert grading.call_without(["nnkit.optim"], net.num_params) == net.num_params()  # the network is allowed


def test_the_rules_of_the_call_running_now_can_be_read_while_it_runs():
    """A grader that runs the student's function elsewhere reads what the test allows it."""
    net, rng = object(), object()
    seen = []

    def student(*args, **kwargs):
        seen.append(grading.current_call_rules())

    grading.call_without(["nnkit.optim"], student, net, rng, keep_changes=[net])
    grading.call_quietly(grading.call_without_nnkit, student, rng, keep_changes=[rng])
    student()
    assert seen[0] == grading.CallRules(forbidden=("nnkit.optim",), keep_changes=(net,))
    assert seen[1].forbidden == ("nnkit",) and seen[1].keep_changes == (rng,)
    assert seen[2] == grading.CallRules() == grading.current_call_rules(), "the rules end with the call"


def test_keep_changes_is_not_passed_to_the_function():
    assert grading.call_without_nnkit(lambda *args, **kwargs: (args, kwargs), 1, keep_changes=[1], b=2) == ((1,), {"b": 2})


def test_call_quietly_silences_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = grading.call_quietly(lambda: sigmoid_np(np.array([-1000.0])))
    assert caught == [] and result[0] == 0.0


def test_nnkit_knows_nothing_of_the_grader():
    """nnkit is the students' package: classgrader depends on it, never the other way round."""
    nnkit_folder = Path(grading.__file__).parent
    mentions = [str(path.name) for path in nnkit_folder.rglob("*.py") if "classgrader" in path.read_text()]
    assert not mentions, f"nnkit modules that name classgrader: {mentions}"


def test_call_without_nnkit_catches_nnkit_run_in_a_thread_the_function_starts():
    import threading

    def in_a_thread(z):
        out = []
        thread = threading.Thread(target=lambda: out.append(nnkit.sigmoid(z)))
        thread.start()
        thread.join()
        return out[0]

    with pytest.raises(AssertionError, match=r"calls nnkit\.(activations\.)?sigmoid"):
        grading.call_without_nnkit(in_a_thread, np.zeros(2))
    assert threading.getprofile() is None, "the watch on new threads ends with the call"


# --------------------------------------------------------------------------- one answer graded on its own


def notebook_with(gradient_source: str) -> dict:
    """A student's notebook: a gradient function (the source given) and a right step built on it."""
    namespace = {"np": np}
    exec(gradient_source + "\n\ndef step(w):\n    return w - 0.5 * gradient(w)\n", namespace)  # noqa: S102
    return namespace


def check_step(notebook: dict) -> None:
    got = grading.call_without_nnkit(notebook["step"], 1.0)
    if got != 0.0:
        raise AssertionError(f"the step gives {got}, not 0.0")


RIGHT_GRADIENT = {"gradient": lambda w: 2.0 * w}


def test_a_slip_upstream_is_not_counted_again():
    notebook = notebook_with("def gradient(w):\n    return 4.0 * w")    # wrong: the gradient of w^2 is 2 w
    with pytest.raises(AssertionError, match="gives -1.0"):
        check_step(notebook)
    grading.check_on_its_own(lambda: check_step(notebook), RIGHT_GRADIENT)
    assert notebook["gradient"](1.0) == 4.0         # the student's own function is back


def test_an_upstream_function_that_raises_is_stood_in_for():
    notebook = notebook_with("def gradient(w):\n    raise ValueError('operands could not be broadcast together')")
    grading.check_on_its_own(lambda: check_step(notebook), RIGHT_GRADIENT)
    with pytest.raises(ValueError):
        notebook["gradient"](1.0)


def test_a_wrong_answer_on_right_foundations_reports_its_own_first_failure():
    notebook = notebook_with("def gradient(w):\n    return 4.0 * w")
    exec("def step(w):\n    return w + 0.5 * gradient(w)\n", notebook)   # and a wrong step  # noqa: S102
    with pytest.raises(AssertionError, match="gives 3.0"):           # 1 + 0.5 * 4, the first run's
        grading.check_on_its_own(lambda: check_step(notebook), RIGHT_GRADIENT)


def test_a_stand_in_for_a_missing_function_is_removed_afterwards():
    notebook = notebook_with("")
    grading.check_on_its_own(lambda: check_step(notebook), RIGHT_GRADIENT)
    assert "gradient" not in notebook


def test_without_stand_ins_the_check_runs_once():
    calls = []

    def check():
        calls.append(1)
        raise AssertionError("wrong")

    with pytest.raises(AssertionError, match="wrong"):
        grading.check_on_its_own(check, {})
    assert calls == [1]


def test_a_stand_in_refuses_large_inputs():
    notebook = notebook_with("def gradient(w):\n    return 4.0 * w")
    exec("def step(w):\n    gradient(np.zeros(grading_limit + 1))\n    return w - 0.5 * gradient(w)\n", notebook)  # noqa: S102
    notebook["grading_limit"] = grading.MAX_STAND_IN_ITEMS
    with pytest.raises(AssertionError, match="gives -1.0"):          # the second run is refused: the first counts
        grading.check_on_its_own(lambda: check_step(notebook), RIGHT_GRADIENT)
    # a list of 2 items: 3 numbers, and a list of 2 items that are 1 number each
    assert grading._count_items([np.zeros(3), [1, 2]], 100) == 2 + 3 + (2 + 1 + 1)


def test_a_stand_in_may_use_nnkit_where_the_answer_may_not():
    notebook = notebook_with("def gradient(w):\n    return 4.0 * w")
    by_nnkit = {"gradient": lambda w: 2.0 * float(nnkit.activations.relu(np.array(w)))}   # 2 w, for w > 0
    grading.check_on_its_own(lambda: check_step(notebook), by_nnkit)
    exec("def step(w):\n    return w - 0.5 * 2.0 * float(nnkit.activations.relu(np.array(w)))\n", notebook)  # noqa: S102
    notebook["nnkit"] = nnkit
    with pytest.raises(AssertionError, match="don't call nnkit"):            # the answer itself may not
        grading.check_on_its_own(lambda: check_step(notebook), by_nnkit)


def test_a_stand_in_refuses_an_array_long_along_one_axis():
    notebook = notebook_with("def gradient(w):\n    return 4.0 * w")
    exec("def step(w):\n    gradient(np.zeros((2001, 1)))\n    return w - 0.5 * gradient(w)\n", notebook)  # noqa: S102
    with pytest.raises(AssertionError, match="gives -1.0"):
        grading.check_on_its_own(lambda: check_step(notebook), RIGHT_GRADIENT)


def test_a_stand_in_for_these_arguments_answers_for_those_only():
    X, params = np.arange(6.0).reshape(2, 3), [(np.ones((2, 3)), np.zeros(2))]
    stand_in = grading.for_these_arguments(lambda X, params, activation: float(X.sum()), X, params, "relu")
    assert stand_in(X.copy(), [(np.ones((2, 3)), np.zeros(2))], activation="relu") == 15.0
    for other in [(X + 1, params, "relu"), (X, params, "sigmoid"), (X, params), (np.zeros((20000, 1)), params, "relu")]:
        with pytest.raises(ValueError, match="only for the test's own arguments"):
            stand_in(*other)
