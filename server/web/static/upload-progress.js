// What the pages that upload files with a progress bar share (radio-media.js,
// indicator-declarations.js): the request itself, by XMLHttpRequest since fetch reports
// no upload progress; the bar, its percentage and the line naming what is sent; the
// message box, where a refusal is said in the page's words with the server's own text
// under "details"; and the reading of the server's refusal. Each page loads this script
// before its own and keeps what is its own: the URL, the checks, the words, what follows.
"use strict";

window.UploadProgress = (function () {
  // The parts of a page that show an upload: `state` (shown while sending), `nameOut`,
  // `bar` (a <progress>), `percent` and `message`.
  function start(view, label) {
    view.nameOut.textContent = label;
    view.bar.value = 0;
    view.percent.textContent = "0%";
    view.state.hidden = false;
    view.message.replaceChildren();
  }

  // Lines in the message box, one paragraph each, and the server's raw text, if any,
  // folded under a "details" titled `detailLabel`.
  function say(message, lines, detail, refused, detailLabel) {
    message.replaceChildren();
    for (const text of lines) {
      const line = document.createElement("p");
      line.textContent = text;
      line.className = refused ? "media-refusal" : "media-ok";
      message.append(line);
    }
    if (detail) {
      const more = document.createElement("details");
      const summary = document.createElement("summary");
      summary.textContent = detailLabel;
      const code = document.createElement("code");
      code.className = "raw";
      code.textContent = detail;
      more.append(summary, code);
      message.append(more);
    }
  }

  // POSTs `body` to `url` with `headers`, the bar following the bytes sent; once they are
  // all sent, the line says `checking` while the server looks at them. Resolves to the
  // answer ({status, text}), or to null when no answer came (the network failed).
  function send(view, url, headers, body, checking) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      for (const [name, value] of Object.entries(headers)) {
        xhr.setRequestHeader(name, value);
      }
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) {
          const done = Math.round((event.loaded / event.total) * 100);
          view.bar.value = done;
          view.percent.textContent = `${done}%`;
        }
      });
      xhr.upload.addEventListener("load", () => {
        view.bar.value = 100;
        view.percent.textContent = "100%";
        view.nameOut.textContent = checking;
      });
      xhr.addEventListener("load", () => resolve({ status: xhr.status, text: xhr.responseText }));
      xhr.addEventListener("error", () => resolve(null));
      xhr.send(body);
    });
  }

  // A refused upload's answer: the API's JSON, or its text as the error when it is not
  // JSON; and whether it is the session that failed (signed out, or a stale CSRF token),
  // which the page says as such rather than as a fault of the file.
  function refusal(status, body) {
    let answer = {};
    try {
      answer = JSON.parse(body);
    } catch (e) {
      answer = { error: body || "" };
    }
    const error = answer.error || "";
    return { answer, error, session: status === 401 || /CSRF/.test(error) };
  }

  return { start, say, send, refusal };
})();
