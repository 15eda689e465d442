// The declarations page (server/web/pages/indicators_declarations.py): when a form has
// files chosen, they are checked here (type by name, size, not empty), then sent to
// POST /api/v1/indicators/documents?commune= by XMLHttpRequest (fetch reports no upload
// progress) with a progress bar; once the server has kept them, their sha256 go into the
// form as ticked documents and the form posts without the files. The server checks
// everything again: the API refuses what it refuses, said here in the page's words with
// its own text under "details". Without this script the form posts the files itself.
// The request, the bar and the message box are upload-progress.js's, loaded first.
"use strict";

(function () {
  const forms = document.querySelectorAll("form[data-declare]");

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? values[key] : whole));
  }

  function extension(name) {
    const dot = name.lastIndexOf(".");
    return dot > 0 ? name.slice(dot).toLowerCase() : "";
  }

  for (const form of forms) {
    const words = JSON.parse(form.dataset.words || "{}");
    const maxBytes = Number(form.dataset.maxBytes);
    const accepted = (form.dataset.accept || "").split(",");
    const input = form.querySelector("input[type=file]");
    const state = form.querySelector(".upload-state");
    const nameOut = form.querySelector(".upload-name");
    const bar = form.querySelector("progress");
    const percent = form.querySelector(".upload-percent");
    const message = form.querySelector(".upload-message");
    const button = form.querySelector("button[type=submit]");
    const maxMb = Math.round(maxBytes / 1024 / 1024);

    // The upload API's refusals (server/indicators/gather/documents.py), as
    // indicators_declaration_form.py says them.
    const REFUSALS = [
      [/^file \d+: (?:'(.*)'|the file) is larger than (\d+) MiB/, "problem.file_too_large", ["name", "count"]],
      [/^file \d+: (?:'(.*)' is|the file is) empty/, "problem.file_empty", ["name"]],
      [/^file \d+: '(.*)' is named like a (\S+) file but its content is (\w+)/, "problem.file_misnamed", ["name", "suffix", "kind"]],
      [/^file \d+: (?:'(.*)'|the file) is not a /, "problem.file_type", ["name"]],
      [/^at most (\d+) files/, "problem.files_many", ["count"]],
    ];

    const view = { state, nameOut, bar, percent, message };

    function say(lines, detail, refused) {
      UploadProgress.say(message, lines, detail, refused, words["js.detail"]);
    }

    function inWords(problem) {
      for (const [pattern, key, names] of REFUSALS) {
        const found = pattern.exec(problem);
        if (found) {
          const values = {};
          names.forEach((name, i) => {
            values[name] = found[i + 1] || words.the_file;
          });
          return fill(words[key], values);
        }
      }
      return problem;
    }

    function refusal(status, body) {
      const { answer, error, session } = UploadProgress.refusal(status, body);
      if (session) {
        return [[words["js.session"]], error];
      }
      const problems = Array.isArray(answer.problems) ? answer.problems : [];
      const lines = problems.map(inWords);
      return [[words["js.refused"], ...lines], problems.join("\n") || `${status} ${error}`.trim()];
    }

    // What the browser can tell before sending: the server checks the content too.
    function problemsOf(files) {
      const found = [];
      for (const file of files) {
        const values = { name: file.name, mb: maxMb };
        if (!accepted.includes(extension(file.name))) {
          found.push(fill(words["js.wrong_type"], values));
        } else if (file.size === 0) {
          found.push(fill(words["js.empty"], values));
        } else if (file.size > maxBytes) {
          found.push(fill(words["js.too_large"], values));
        }
      }
      return found;
    }

    async function upload(files) {
      const body = new FormData();
      for (const file of files) {
        body.append("file", file, file.name);
      }
      UploadProgress.start(view, `${words["js.uploading"]}: ${files.map((f) => f.name).join(", ")}`);
      const url = `/api/v1/indicators/documents?commune=${encodeURIComponent(form.dataset.commune)}`;
      const headers = { "X-CSRF-Token": form.dataset.csrf };
      const answer = await UploadProgress.send(view, url, headers, body, words["js.checking"]);
      if (answer && answer.status === 201) {
        return JSON.parse(answer.text).documents || [];
      }
      state.hidden = true;
      if (answer) {
        const [lines, detail] = refusal(answer.status, answer.text);
        say(lines, detail, true);
      } else {
        say([words["js.network"]], "", true);
      }
      return null;
    }

    input.addEventListener("change", () => {
      const found = problemsOf(Array.from(input.files));
      if (found.length) {
        say(found, "", true);
      } else {
        message.replaceChildren();
      }
    });

    form.addEventListener("submit", async (event) => {
      const files = Array.from(input.files);
      if (!files.length) {
        return; // nothing to upload: the form posts as it is
      }
      event.preventDefault();
      const found = problemsOf(files);
      if (found.length) {
        say(found, "", true);
        return;
      }
      button.disabled = true;
      const kept = await upload(files);
      button.disabled = false;
      if (kept === null) {
        return; // the refusal stays on screen
      }
      for (const documentInfo of kept) {
        const ticked = document.createElement("input");
        ticked.type = "hidden";
        ticked.name = "documents";
        ticked.value = documentInfo.id;
        form.append(ticked);
      }
      say([fill(words["js.uploaded"], { count: kept.length })], "", false);
      input.disabled = true; // the files are on the server: the form sends their sha256
      form.submit();
    });
  }
})();
