"""Chapter 4's explorer: step through backpropagation on the anchor network, one node per click.

The anchor network (the running example of the course) is drawn as a computation graph with every
forward value written on it. Each click on *next* moves backpropagation one node
further from the loss: that node is outlined, its gradient d J / d node appears
below it in red, and the text under the figure shows the chain-rule step that
produced it, with the numbers filled in. A menu switches the loss between the
squared error and the binary cross-entropy, to show that only the first
steps of the sweep change.

It is split in two so it can be tested without a browser:

- pure functions compute what is shown from the step number and the loss
  (``sweep_order``, ``step_explanations``, ``backprop_state``, ``draw_backprop_state``), and
- ``BackpropStepper`` wires the buttons to them and shows the figure as a PNG
  in a ``Picture`` (nnkit.widgets.picture: a PNG with alt text).

In a notebook:

    from nnkit.widgets.backprop import backprop_stepper
    backprop_stepper()          # the last line of a cell displays it
"""

import io

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from nnkit.compgraph import backward_order
from nnkit.course_graphs import anchor_forward_backward, anchor_network_graph
from nnkit.graph_drawing import draw_computation_graph, format_number, format_value
from nnkit.widgets.picture import picture

LOSSES = {"squared error (y − ŷ)²": "squared", "cross-entropy ln(1 + e^zᴼ) − y zᴼ": "cross_entropy"}


# --------------------------------------------------------------------------- pure functions


def sweep_order(loss: str = "squared") -> list[str]:
    """The nodes of the anchor graph in the order backprop gives them a gradient, J first.

    With cross-entropy J is computed from the logit zᴼ directly, so ŷ is skipped.
    """
    nodes, edges = anchor_network_graph()
    _, grads = anchor_forward_backward(loss=loss)
    return [name for name in backward_order(nodes, edges, "J") if name in grads]


def step_explanations(loss: str = "squared") -> dict[str, str]:
    """For each node of ``sweep_order``, one line: the local rule and the numbers it multiplies."""
    values, grads = anchor_forward_backward(loss=loss)
    n, v = format_number, format_value
    delta_O = grads["z_O"]
    texts = {"J": "Start at the loss: ∂J/∂J = 1."}
    if loss == "squared":
        y_hat = values["y_hat"]
        texts["y_hat"] = (
            f"J = (y − ŷ)², so ∂J/∂ŷ = −2(y − ŷ) = −2({n(values['y'])} − {n(y_hat)}) = {n(grads['y_hat'])}."
        )
        texts["z_O"] = (
            f"ŷ = σ(zᴼ), so δᴼ = ∂J/∂zᴼ = ∂J/∂ŷ · σ(zᴼ)(1 − σ(zᴼ)) = "
            f"{n(grads['y_hat'])} × {n(y_hat * (1 - y_hat))} = {n(delta_O)}."
        )
    else:
        texts["z_O"] = (
            f"J = ln(1 + e^zᴼ) − y zᴼ, so δᴼ = ∂J/∂zᴼ = σ(zᴼ) − y = "
            f"{n(values['y_hat'])} − {n(values['y'])} = {n(delta_O)}."
        )
    u_H_1 = np.concatenate([[1.0], values["u_H"]])
    x_1 = np.concatenate([[1.0], values["x"]])
    relu_slope = (values["z_H"] > 0).astype(float)
    texts["W_O_folded"] = (
        f"zᴼ = W̃ᴼ [1; uᴴ], so ∂J/∂W̃ᴼ = δᴼ · [1, u₁ᴴ, u₂ᴴ] = {n(delta_O)} × {v(u_H_1)} = {v(grads['W_O_folded'])}."
    )
    texts["u_H"] = (
        f"∂J/∂uⱼᴴ = δᴼ · Wᴼ₁ⱼ = {n(delta_O)} × {v(values['W_O_folded'][1:])} = {v(grads['u_H'])}."
    )
    texts["z_H"] = (
        f"uᴴ = ReLU(zᴴ), so δⱼᴴ = ∂J/∂zⱼᴴ = ∂J/∂uⱼᴴ · ReLU′(zⱼᴴ) = "
        f"{v(grads['u_H'])} ⊙ {v(relu_slope)} = {v(grads['z_H'])}."
    )
    texts["W_H_folded"] = (
        f"zᴴ = W̃ᴴ [1; x], so ∂J/∂W̃ᴴ[j, k] = δⱼᴴ · [1, x₁, x₂]ₖ: "
        f"the outer product of δᴴ = {v(grads['z_H'])} and {v(x_1)}."
    )
    return texts


def backprop_state(n_revealed: int, loss: str = "squared") -> dict:
    """What the explorer shows after ``n_revealed`` clicks.

    Args:
        n_revealed: how many nodes already have their gradient, 0 .. len(sweep_order(loss)).
            Values outside that range are clipped into it.
        loss: "squared" or "cross_entropy".

    Returns:
        dict with "n_revealed" (after clipping), "order" (sweep_order), "current"
        (the node just reached, or None before the first click), "grads" (the
        gradients revealed so far, by node name), "values" (every forward value)
        and "text" (the explanation of the current step).
    """
    order = sweep_order(loss)
    n_revealed = int(np.clip(n_revealed, 0, len(order)))
    values, grads = anchor_forward_backward(loss=loss)
    current = order[n_revealed - 1] if n_revealed > 0 else None
    if current is None:
        text = f"Forward pass done: J = {format_number(values['J'])}. Click next to start the backward sweep at J."
    else:
        text = step_explanations(loss)[current]
    return {
        "n_revealed": n_revealed,
        "order": order,
        "current": current,
        "grads": {name: grads[name] for name in order[:n_revealed]},
        "values": values,
        "text": text,
    }


def draw_backprop_state(n_revealed: int, loss: str = "squared", ax: Axes | None = None) -> Axes:
    """Draw the anchor graph with all forward values and the first ``n_revealed`` gradients; returns the Axes."""
    state = backprop_state(n_revealed, loss)
    nodes, edges = anchor_network_graph()
    highlight = [state["current"]] if state["current"] is not None else []
    return draw_computation_graph(
        nodes, edges, values=state["values"], grads=state["grads"], ax=ax, highlight=highlight
    )


# --------------------------------------------------------------------------- the widget


def _figure_png(n_revealed: int, loss: str) -> bytes:
    """The drawing of ``draw_backprop_state`` as PNG bytes (the figure is closed afterwards)."""
    fig, ax = plt.subplots(figsize=(11.0, 4.2))
    draw_backprop_state(n_revealed, loss, ax=ax)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


class BackpropStepper:
    """Buttons back / next / reset, a loss menu, the graph, and the current step's explanation.

    Attributes:
        n_revealed: how many gradients are shown.
        widget: the ipywidgets.VBox to display.
    """

    def __init__(self) -> None:
        self.n_revealed = 0
        self.back_button = ipywidgets.Button(description="◀ back")
        self.next_button = ipywidgets.Button(description="next ▶", button_style="primary")
        self.reset_button = ipywidgets.Button(description="reset")
        self.loss_menu = ipywidgets.Dropdown(options=LOSSES, value="squared", description="loss")
        self.image = picture(
            "The anchor network's computation graph with every forward value; the gradients found so far"
            " are written under their nodes and the node of the current step is outlined. The text below says"
            " which gradient this step computes and how."
        )
        self.explanation = ipywidgets.HTML()
        self.back_button.on_click(lambda _: self.go_to(self.n_revealed - 1))
        self.next_button.on_click(lambda _: self.go_to(self.n_revealed + 1))
        self.reset_button.on_click(lambda _: self.go_to(0))
        self.loss_menu.observe(lambda _: self.go_to(0), names="value")
        controls = ipywidgets.HBox([self.back_button, self.next_button, self.reset_button, self.loss_menu])
        self.widget = ipywidgets.VBox([controls, self.image, self.explanation])
        self.go_to(0)

    def go_to(self, n_revealed: int) -> None:
        """Show the state after ``n_revealed`` steps (clipped to the valid range) and redraw."""
        state = backprop_state(n_revealed, self.loss_menu.value)
        self.n_revealed = state["n_revealed"]
        self.back_button.disabled = self.n_revealed == 0
        self.next_button.disabled = self.n_revealed == len(state["order"])
        self.image.set_png(_figure_png(self.n_revealed, self.loss_menu.value))
        step = f"step {self.n_revealed} of {len(state['order'])}"
        self.explanation.value = f"<p><b>{step}.</b> {state['text']}</p>"


def backprop_stepper() -> ipywidgets.VBox:
    """The explorer, ready to display: step through backprop on the anchor network."""
    return BackpropStepper().widget
