// The indicators' period picker shows only the fields of the kind of period chosen
// (a quarter: its year and quarter; a custom range: its two days). Without this
// script every field shows and the server reads those of the kind chosen.
(function () {
  "use strict";
  for (const form of document.querySelectorAll("form[data-period-picker]")) {
    const kind = form.elements.namedItem("kind");
    const show = function () {
      for (const field of form.querySelectorAll("[data-kinds]")) {
        field.hidden = !field.dataset.kinds.split(" ").includes(kind.value);
      }
    };
    kind.addEventListener("change", show);
    show();
  }
})();
