// Names for the controls that screen readers would otherwise read wrongly or not at all, on
// every page of the course website. Each fix is for markup we do not write ourselves: the
// theme's buttons, MyST-NB's "show code" toggles and the widget renderer's sliders.
(function () {
  "use strict";
  var MODE_NAMES = { light: "Light", dark: "Dark", auto: "System Settings" };
  var labelCount = 0;

  // The search buttons show "Search Ctrl+K"; their aria-label "Search" hid the shortcut.
  function nameSearchButtons(root) {
    root.querySelectorAll(".search-button__button[aria-label]").forEach(function (button) {
      button.removeAttribute("aria-label");
    });
  }

  // The colour-mode button shows the current mode's icon (titled Light, Dark or System Settings).
  function nameThemeButtons() {
    var mode = document.documentElement.dataset.mode || "light";
    document.querySelectorAll(".theme-switch-button").forEach(function (button) {
      button.setAttribute("aria-label", "Color mode: " + (MODE_NAMES[mode] || mode));
    });
  }

  // MyST-NB's toggles say "Show code cell source"; their aria-label said "Toggle hidden content".
  function nameToggles(root) {
    root.querySelectorAll("details > summary[aria-label]").forEach(function (summary) {
      summary.removeAttribute("aria-label");
    });
  }

  // A widget slider's handle is the focusable control; its name is the slider's description.
  function nameSliders(root) {
    root.querySelectorAll(".widget-slider").forEach(function (slider) {
      var label = slider.querySelector(".widget-label");
      var handle = slider.querySelector("[role=slider]");
      if (!label || !handle || handle.hasAttribute("aria-labelledby") || !label.textContent.trim()) {
        return;
      }
      if (!label.id) {
        labelCount += 1;
        label.id = "widget-label-" + labelCount;
      }
      handle.setAttribute("aria-labelledby", label.id);
    });
  }

  function start() {
    nameSearchButtons(document);
    nameThemeButtons();
    nameToggles(document);
    nameSliders(document);
    document.querySelectorAll(".theme-switch-button").forEach(function (button) {
      button.addEventListener("click", function () { setTimeout(nameThemeButtons, 0); });
    });
    // Widgets are drawn after the page has loaded, and redrawn when they change.
    new MutationObserver(function () { nameSliders(document); }).observe(document.body, {
      childList: true,
      subtree: true,
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
