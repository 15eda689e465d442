// The new API token's page (templates/admin_token_created.html): a button that copies
// the token, shown only when this script runs; without it the token is still there to
// select and copy by hand.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    if (!field) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      field.select();
      try {
        await navigator.clipboard.writeText(field.value);
      } catch {
        // Plain HTTP on a LAN has no clipboard API: the older command still copies.
        document.execCommand("copy");
      }
      button.textContent = button.dataset.copied;
    });
  }
});
