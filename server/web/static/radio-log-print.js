// The printable playout log (templates/radio_log_print.html): a button that opens the
// browser's print dialog, shown only when this script runs; without it, Ctrl+P.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("print-now");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
