// The widget renderer (@jupyter-widgets/html-manager 1.0) typesets widget labels with
// MathJax 2's call MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]). This site runs
// MathJax 3, which has no Hub, so that call would throw. Give every object that becomes
// window.MathJax (the configuration, then MathJax itself) that one call, mapped onto MathJax 3.
(function () {
  function typesetLater(command) {
    var element = command[2];
    if (window.MathJax && window.MathJax.typesetPromise) {
      window.MathJax.typesetPromise([element]);
    }
    // Before MathJax 3 has started, there is nothing to do: it typesets the whole page on start.
  }
  function withHub(mathjax) {
    if (mathjax && typeof mathjax === "object" && !mathjax.Hub) {
      Object.defineProperty(mathjax, "Hub", { value: { Queue: typesetLater }, enumerable: false });
    }
    return mathjax;
  }
  var current = withHub(window.MathJax);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return current; },
    set: function (value) { current = withHub(value); },
  });
})();
