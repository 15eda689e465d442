// The media library's upload (server/web/pages/radio_media.py): a file chosen or dropped
// goes to POST /api/v1/content with the session's CSRF token, by XMLHttpRequest since
// fetch reports no upload progress; the server's refusal is said in the page's words
// with its own text under "details"; once kept, the list is asked again and the new
// file marked. Without this script the form posts to the page, which does the same.
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

  // The API's refusals (server/broadcasts/content.py), as radio_media.py maps them.
  const REFUSALS = [
    [/^larger than/, "refused.too_large"],
    [/^not (a readable |an )audio file/, "refused.not_audio"],
    [/may not upload/, "refused.forbidden"],
  ];

  function say(text, detail, refused) {
    message.replaceChildren();
    const line = document.createElement("p");
    line.textContent = text;
    line.className = refused ? "media-refusal" : "media-ok";
    message.append(line);
    if (detail) {
      const more = document.createElement("details");
      const summary = document.createElement("summary");
      summary.textContent = words.detail;
      const code = document.createElement("code");
      code.className = "raw";
      code.textContent = detail;
      more.append(summary, code);
      message.append(more);
    }
  }

  function refusal(status, body) {
    let error = "";
    try {
      error = JSON.parse(body).error || "";
    } catch (e) {
      error = body || "";
    }
    if (status === 401 || /CSRF/.test(error)) {
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

  function send(file) {
    return new Promise((resolve) => {
      nameOut.textContent = `${words.uploading}: ${file.name}`;
      bar.value = 0;
      percent.textContent = "0%";
      state.hidden = false;
      message.replaceChildren();
      if (file.size > maxBytes) {
        state.hidden = true;
        say(words["refused.too_large"], `${file.name}: ${file.size} bytes`, true);
        resolve(false);
        return;
      }
      const xhr = new XMLHttpRequest();
      xhr.open("POST", `/api/v1/content?name=${encodeURIComponent(file.name)}`);
      xhr.setRequestHeader("X-CSRF-Token", section.dataset.csrf);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) {
          const done = Math.round((event.loaded / event.total) * 100);
          bar.value = done;
          percent.textContent = `${done}%`;
        }
      });
      xhr.upload.addEventListener("load", () => {
        bar.value = 100;
        percent.textContent = "100%";
        nameOut.textContent = words.checking;
      });
      xhr.addEventListener("load", async () => {
        state.hidden = true;
        if (xhr.status === 201) {
          const info = JSON.parse(xhr.responseText);
          await refreshList(info.id);
          say(words.uploaded.replace("{name}", info.name || file.name).replace("{duration}", clock(info.duration_s)));
          resolve(true);
        } else {
          const [text, detail] = refusal(xhr.status, xhr.responseText);
          say(text, detail, true);
          resolve(false);
        }
      });
      xhr.addEventListener("error", () => {
        state.hidden = true;
        say(words.network, "", true);
        resolve(false);
      });
      xhr.send(file);
    });
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
