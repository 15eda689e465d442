// The media library's upload (server/web/pages/radio_media.py): a file chosen or dropped
// goes to POST /api/v1/content with the session's CSRF token, by XMLHttpRequest since
// fetch reports no upload progress; the server's refusal is said in the page's words
// with its own text under "details"; once kept, the list is asked again and the new
// file marked. Without this script the form posts to the page, which does the same.
// The request, the bar and the message box are upload-progress.js's, loaded first.
"use strict";

(function () {
  const section = document.getElementById("media-upload");
  if (!section) {
    return; // a viewer: no upload here
  }
  const words = JSON.parse(section.dataset.words || "{}");
  const commune = section.dataset.commune;
  const maxBytes = Number(section.dataset.maxBytes);
  const form = section.querySelector("form");
  const input = document.getElementById("media-file");
  const zone = document.getElementById("drop-zone");
  const state = document.getElementById("upload-state");
  const nameOut = document.getElementById("upload-name");
  const bar = document.getElementById("upload-progress");
  const percent = document.getElementById("upload-percent");
  const message = document.getElementById("upload-message");
  document.getElementById("media-submit").hidden = true; // a choice uploads at once
  section.classList.add("scripted");
  const view = { state, nameOut, bar, percent, message };

  // The API's refusals (server/broadcasts/content.py), as radio_media.py maps them.
  const REFUSALS = [
    [/^larger than/, "refused.too_large"],
    [/^not (a readable |an )audio file/, "refused.not_audio"],
    [/may not upload/, "refused.forbidden"],
  ];

  function say(text, detail, refused) {
    UploadProgress.say(message, [text], detail, refused, words.detail);
  }

  function refusal(status, body) {
    const { error, session } = UploadProgress.refusal(status, body);
    if (session) {
      return [words.session, error];
    }
    for (const [pattern, key] of REFUSALS) {
      if (pattern.test(error)) {
        return [words[key], error];
      }
    }
    return [words["refused.other"], `${status} ${error}`.trim()];
  }

  function clock(seconds) {
    const whole = Math.max(0, Math.round(seconds));
    const h = Math.floor(whole / 3600);
    const m = String(Math.floor((whole % 3600) / 60)).padStart(2, "0");
    const s = String(whole % 60).padStart(2, "0");
    return h ? `${h}:${m}:${s}` : `${m}:${s}`;
  }

  // The list again, with the new file marked (the page's own ?fragment=1).
  async function refreshList(sha256) {
    const url = `/radio/media?commune=${encodeURIComponent(commune)}&fragment=1&done=${sha256}`;
    const answer = await fetch(url, { credentials: "same-origin" });
    if (!answer.ok) {
      return;
    }
    const holder = document.createElement("div");
    holder.innerHTML = await answer.text();
    const fresh = holder.querySelector("#media-list");
    if (fresh) {
      document.getElementById("media-list").replaceWith(fresh);
    }
  }

  async function send(file) {
    UploadProgress.start(view, `${words.uploading}: ${file.name}`);
    if (file.size > maxBytes) {
      state.hidden = true;
      say(words["refused.too_large"], `${file.name}: ${file.size} bytes`, true);
      return false;
    }
    const url = `/api/v1/content?name=${encodeURIComponent(file.name)}`;
    const headers = { "X-CSRF-Token": section.dataset.csrf, "Content-Type": "application/octet-stream" };
    const answer = await UploadProgress.send(view, url, headers, file, words.checking);
    state.hidden = true;
    if (!answer) {
      say(words.network, "", true);
      return false;
    }
    if (answer.status !== 201) {
      const [text, detail] = refusal(answer.status, answer.text);
      say(text, detail, true);
      return false;
    }
    const info = JSON.parse(answer.text);
    await refreshList(info.id);
    say(words.uploaded.replace("{name}", info.name || file.name).replace("{duration}", clock(info.duration_s)));
    return true;
  }

  async function sendAll(files) {
    for (const file of files) {
      if (!(await send(file))) {
        break; // the refusal stays on screen
      }
    }
    input.value = "";
  }

  input.addEventListener("change", () => sendAll(Array.from(input.files)));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendAll(Array.from(input.files));
  });
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  }
  for (const name of ["dragleave", "drop"]) {
    zone.addEventListener(name, () => zone.classList.remove("dragging"));
  }
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    sendAll(Array.from(event.dataTransfer.files));
  });
})();
