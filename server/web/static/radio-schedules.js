// The schedule editor's and a schedule's "Nghe thử" (listen) button
// (templates/radio_schedule_form.html, radio_schedule.html): the text is rendered by the
// server with the gateway's own espeak-ng command (POST /radio/speech), then played in
// the page's <audio>. Without this script the button stays hidden; everything else on
// the pages works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
  for (const button of document.querySelectorAll("button[data-listen]")) {
    const audio = document.getElementById(button.dataset.audio);
    const status = document.getElementById(button.dataset.status);
    if (!audio || !status) continue;
    const value = (own, field) =>
      own !== undefined ? own : (document.getElementById(field) || {}).value || "";
    button.hidden = false;
    button.addEventListener("click", async () => {
      const text = value(button.dataset.text, button.dataset.textField);
      const voice = value(button.dataset.voice, button.dataset.voiceField);
      status.textContent = button.dataset.wait;
      button.disabled = true;
      try {
        const response = await fetch("/radio/speech", {
          method: "POST",
          body: new URLSearchParams({ text, voice }),
          headers: { "X-CSRF-Token": headers["X-CSRF-Token"] || "" },
          credentials: "same-origin",
        });
        if (!response.ok) {
          status.textContent = await response.text();
          return;
        }
        const answer = await response.json();
        audio.src = answer.src;
        audio.hidden = false;
        status.textContent = answer.length_s
          ? button.dataset.lasts.replace("{s}", Math.ceil(answer.length_s))
          : "";
        audio.play().catch(() => {}); // a browser may want a second press to play sound
      } catch {
        status.textContent = button.dataset.failed;
      } finally {
        button.disabled = false;
      }
    });
  }
});
