"""ipywidgets explorers, one module per explorer, each built on nnkit's plotting helpers.

Every explorer separates what it computes (pure functions of the control values, tested
without a browser) from the widget that shows it. In the book the widgets appear from their
saved state; they come alive when the chapter runs in JupyterLab.

- ``threshold``: move the weights of a small hard-threshold network, watch its decision regions (chapter 1).
- ``chain_rule``: the paths of the chain rule for y = sin(x) x^2, and convexity along a chord (chapter 2).
- ``linear_layer``: the shapes of a linear layer's gradient tensors (chapter 3).
- ``backprop``: step through backpropagation on the anchor network (the running example), node by node (chapter 4).
- ``learning_rate``: change the learning rate and the batch size, watch the loss curves (chapter 5).
"""
