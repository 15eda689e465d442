// Speak from the browser (server/web/pages/radio_record.py): record with the microphone
// (getUserMedia + MediaRecorder), listen, record again; then keep the recording in the
// library (POST /api/v1/content) or broadcast it now on the zones chosen, as a one-off
// of the priority class starting now (POST /api/v1/schedules) or as an emergency
// (POST /api/v1/broadcasts/emergency), after a confirmation that names the zones.
//
// Browsers record WebM/Opus (Chromium) or MP4/AAC (Safari): the server reads an upload's
// length with mutagen, which does not read WebM, and the gateways' players may not play
// it. So the recording is decoded here (decodeAudioData, resampled to 16 kHz by the
// decoding context) and uploaded as a 16-bit PCM mono WAV, which everything plays.
"use strict";

(function () {
  const root = document.getElementById("recorder");
  if (!root) {
    return; // a viewer: nothing to record here
  }
  const RATE = 16000; // speech: 16 kHz mono WAV is 32 kB a second
  const words = JSON.parse(root.dataset.words || "{}");
  const commune = root.dataset.commune;
  const communeName = root.dataset.communeName;
  const csrf = root.dataset.csrf;
  const timezone = root.dataset.timezone;
  // The server's clock, not the browser's: "now" is the server's now.
  const clockOffset = Number(root.dataset.nowMs) - Date.now();
  const maxSeconds = Number(root.dataset.maxSeconds);
  const $ = (id) => document.getElementById(id);
  const startButton = $("rec-start");
  const stopButton = $("rec-stop");
  const timerOut = $("rec-timer");
  const level = $("rec-level");
  const problemBox = $("rec-problem");
  const result = $("rec-result");
  const player = $("rec-audio");
  const facts = $("rec-facts");
  const titleInput = $("rec-title");
  const confirmBox = $("rec-confirm");
  const confirmText = $("rec-confirm-text");
  const outcomeBox = $("rec-outcome");
  const actions = [$("rec-again"), $("rec-save"), $("rec-broadcast"), $("rec-confirm-yes")];

  let stream = null;
  let recorder = null;
  let chunks = [];
  let startedAt = 0;
  let ticking = null;
  let meter = null; // {context, analyser, frame}
  let stoppedForLength = false;
  let wav = null;
  let wavSeconds = 0;
  let playerUrl = null;
  let uploaded = null; // {name, info}: the recording as the server kept it

  function fill(text, values) {
    return (text || "").replace(/\{(\w+)\}/g, (all, key) => (key in values ? values[key] : all));
  }

  function clock(seconds) {
    const whole = Math.max(0, Math.round(seconds));
    const h = Math.floor(whole / 3600);
    const m = String(Math.floor((whole % 3600) / 60)).padStart(2, "0");
    const s = String(whole % 60).padStart(2, "0");
    return h ? `${h}:${m}:${s}` : `${m}:${s}`;
  }

  function sizeText(bytes) {
    return bytes < 1024 * 1024
      ? `${Math.max(1, Math.round(bytes / 1024))} KB`
      : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  function paragraph(text, className) {
    const line = document.createElement("p");
    line.textContent = text;
    if (className) {
      line.className = className;
    }
    return line;
  }

  function detailOf(text) {
    const more = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = words.detail;
    const code = document.createElement("code");
    code.className = "raw";
    code.textContent = text;
    more.append(summary, code);
    return more;
  }

  function problem(text, detail) {
    problemBox.replaceChildren(paragraph(text, "media-refusal"));
    if (detail) {
      problemBox.append(detailOf(detail));
    }
  }

  function busy(on) {
    for (const button of actions) {
      button.disabled = on;
    }
  }

  // -- recording -------------------------------------------------------------------------

  function micProblem(error) {
    switch (error && error.name) {
      case "NotAllowedError":
      case "SecurityError":
        return words.denied;
      case "NotFoundError":
      case "OverconstrainedError":
        return words.no_device;
      default:
        return words.busy;
    }
  }

  async function start() {
    problemBox.replaceChildren();
    outcomeBox.replaceChildren();
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      problem(words.insecure, `isSecureContext=${window.isSecureContext} ${location.origin}`);
      return;
    }
    if (typeof MediaRecorder === "undefined") {
      problem(words.unsupported, navigator.userAgent);
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, channelCount: 1 },
      });
    } catch (error) {
      problem(micProblem(error), `${error.name}: ${error.message}`);
      return;
    }
    chunks = [];
    stoppedForLength = false;
    recorder = new MediaRecorder(stream);
    recorder.addEventListener("dataavailable", (event) => {
      if (event.data && event.data.size) {
        chunks.push(event.data);
      }
    });
    recorder.addEventListener("stop", finished);
    recorder.start(1000);
    startedAt = Date.now();
    timerOut.textContent = "00:00";
    ticking = setInterval(tick, 250);
    startMeter();
    result.hidden = true;
    startButton.hidden = true;
    stopButton.hidden = false;
    stopButton.focus();
  }

  function tick() {
    const seconds = (Date.now() - startedAt) / 1000;
    timerOut.textContent = clock(Math.floor(seconds));
    if (seconds >= maxSeconds) {
      stoppedForLength = true;
      stop();
    }
  }

  // How loud the microphone hears, so the officer sees it works before speaking long.
  function startMeter() {
    try {
      const context = new AudioContext();
      const analyser = context.createAnalyser();
      analyser.fftSize = 1024;
      context.createMediaStreamSource(stream).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      meter = { context, analyser, frame: 0 };
      level.hidden = false;
      const draw = () => {
        analyser.getFloatTimeDomainData(samples);
        let sum = 0;
        for (const sample of samples) {
          sum += sample * sample;
        }
        level.value = Math.min(1, Math.sqrt(sum / samples.length) * 4);
        meter.frame = requestAnimationFrame(draw);
      };
      draw();
    } catch (error) {
      meter = null; // no meter: recording works without it
    }
  }

  function stopMeter() {
    if (meter) {
      cancelAnimationFrame(meter.frame);
      meter.context.close();
      meter = null;
    }
    level.hidden = true;
  }

  function stop() {
    if (recorder && recorder.state !== "inactive") {
      recorder.stop();
    }
  }

  async function finished() {
    clearInterval(ticking);
    stopMeter();
    for (const track of stream.getTracks()) {
      track.stop();
    }
    stopButton.hidden = true;
    startButton.hidden = false;
    const recorded = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
    try {
      wav = await toWav(recorded);
    } catch (error) {
      problem(words.convert_failed, `${recorder.mimeType}: ${error}`);
      return;
    }
    if (wavSeconds < 0.5) {
      problem(words.empty);
      return;
    }
    if (stoppedForLength) {
      problem(fill(words.too_long, { minutes: Math.round(maxSeconds / 60) }));
    }
    if (playerUrl) {
      URL.revokeObjectURL(playerUrl);
    }
    playerUrl = URL.createObjectURL(wav);
    player.src = playerUrl;
    facts.textContent = fill(words.facts, { duration: clock(wavSeconds), size: sizeText(wav.size) });
    titleInput.value = fill(words.default_name, { at: localStamp() });
    uploaded = null;
    confirmBox.hidden = true;
    result.hidden = false;
  }

  // -- WAV -------------------------------------------------------------------------------

  async function toWav(recorded) {
    const encoded = await recorded.arrayBuffer();
    // A decoding context resamples what it decodes to its own rate.
    const decoded = await new OfflineAudioContext(1, 1, RATE).decodeAudioData(encoded);
    const mono = new Float32Array(decoded.length);
    for (let channel = 0; channel < decoded.numberOfChannels; channel++) {
      const data = decoded.getChannelData(channel);
      for (let i = 0; i < data.length; i++) {
        mono[i] += data[i] / decoded.numberOfChannels;
      }
    }
    wavSeconds = decoded.length / decoded.sampleRate;
    return pcmWav(mono, decoded.sampleRate);
  }

  function pcmWav(samples, rate) {
    const view = new DataView(new ArrayBuffer(44 + samples.length * 2));
    const text = (offset, value) => {
      for (let i = 0; i < value.length; i++) {
        view.setUint8(offset + i, value.charCodeAt(i));
      }
    };
    text(0, "RIFF");
    view.setUint32(4, 36 + samples.length * 2, true);
    text(8, "WAVE");
    text(12, "fmt ");
    view.setUint32(16, 16, true); // the fmt chunk's size
    view.setUint16(20, 1, true); // PCM
    view.setUint16(22, 1, true); // mono
    view.setUint32(24, rate, true);
    view.setUint32(28, rate * 2, true); // bytes a second
    view.setUint16(32, 2, true); // bytes a frame
    view.setUint16(34, 16, true); // bits a sample
    text(36, "data");
    view.setUint32(40, samples.length * 2, true);
    for (let i = 0; i < samples.length; i++) {
      const sample = Math.max(-1, Math.min(1, samples[i]));
      view.setInt16(44 + i * 2, sample < 0 ? sample * 0x8000 : sample * 0x7fff, true);
    }
    return new Blob([view], { type: "audio/wav" });
  }

  // -- times in the commune's zone, by the server's clock ---------------------------------

  function wallParts() {
    const parts = {};
    const format = new Intl.DateTimeFormat("en-GB", {
      timeZone: timezone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    for (const part of format.formatToParts(new Date(Date.now() + clockOffset))) {
      parts[part.type] = part.value;
    }
    return parts;
  }

  function localStamp() {
    const p = wallParts();
    return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
  }

  // Now, as the naive wall time the schedules API reads in the inventory's zone.
  function wallNow() {
    const p = wallParts();
    return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
  }

  // -- the server ------------------------------------------------------------------------

  class Refused extends Error {
    constructor(text, detail) {
      super(text);
      this.detail = detail;
    }
  }

  async function call(url, body, contentType) {
    let answer;
    try {
      answer = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "Content-Type": contentType },
        body,
      });
    } catch (error) {
      throw new Refused(words.network, String(error));
    }
    const text = await answer.text();
    let json = {};
    try {
      json = JSON.parse(text);
    } catch (error) {
      json = { error: text };
    }
    if (answer.status === 401 || (answer.status === 403 && /CSRF/.test(json.error || ""))) {
      throw new Refused(words.session, `${answer.status} ${json.error || ""}`);
    }
    if (!answer.ok) {
      const problems = Array.isArray(json.problems) ? json.problems.join("\n") : "";
      throw new Refused("", `${answer.status} ${json.error || ""}\n${problems}`.trim());
    }
    return json;
  }

  async function upload() {
    const name = titleInput.value.trim() || fill(words.default_name, { at: localStamp() });
    if (uploaded && uploaded.name === name) {
      return uploaded.info;
    }
    outcomeBox.replaceChildren(paragraph(words.uploading));
    try {
      const info = await call(`/api/v1/content?name=${encodeURIComponent(name)}`, wav, "audio/wav");
      uploaded = { name, info };
      return info;
    } catch (error) {
      if (error instanceof Refused && !error.message) {
        throw new Refused(words.upload_refused, error.detail);
      }
      throw error;
    }
  }

  function failed(error, lead) {
    const text = error instanceof Refused ? error.message || lead : lead;
    const detail = error instanceof Refused ? error.detail : String(error);
    outcomeBox.replaceChildren(paragraph(text, "media-refusal"));
    if (detail) {
      outcomeBox.append(detailOf(detail));
    }
  }

  function link(href, text) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  async function save() {
    busy(true);
    try {
      const info = await upload();
      const library = `/radio/media?commune=${encodeURIComponent(commune)}&done=${info.id}#f-${info.id}`;
      const line = paragraph(
        fill(words.saved, { name: info.name, duration: clock(info.duration_s) }),
        "media-ok",
      );
      line.append(" ", link(library, words.to_library));
      outcomeBox.replaceChildren(line);
    } catch (error) {
      failed(error, words.upload_refused);
    } finally {
      busy(false);
    }
  }

  // -- broadcast now ---------------------------------------------------------------------

  function chosenZones() {
    const where = root.querySelector("input[name=where]:checked");
    if (!where || where.value === "all") {
      return { zones: [], names: fill(words.whole, { commune: communeName }) };
    }
    const boxes = Array.from(root.querySelectorAll("input[name=zone]:checked"));
    return {
      zones: boxes.map((box) => box.value),
      names: boxes.map((box) => box.dataset.name).join(", "),
    };
  }

  function chosenClass() {
    const picked = root.querySelector("input[name=class]:checked");
    return picked ? picked.value : "priority";
  }

  function askToBroadcast() {
    outcomeBox.replaceChildren();
    const where = chosenZones();
    if (chosenClass() !== "priority" && chosenClass() !== "emergency") {
      return;
    }
    if (root.querySelector("input[name=where][value=zones]:checked") && !where.zones.length) {
      outcomeBox.replaceChildren(paragraph(words.pick_zone, "media-refusal"));
      return;
    }
    confirmText.textContent = fill(words.confirm, {
      name: titleInput.value.trim() || fill(words.default_name, { at: localStamp() }),
      duration: clock(wavSeconds),
      klass: words[chosenClass()],
      where: where.names,
    });
    confirmBox.classList.toggle("emergency", chosenClass() === "emergency");
    confirmBox.hidden = false;
    $("rec-confirm-yes").focus();
  }

  async function broadcast() {
    confirmBox.hidden = true;
    busy(true);
    const where = chosenZones();
    const klass = chosenClass();
    try {
      const info = await upload();
      const title = info.name || titleInput.value.trim();
      outcomeBox.replaceChildren(paragraph(words.sending));
      let answer;
      if (klass === "emergency") {
        const body = {
          commune,
          zones: where.zones,
          title,
          content: { type: "file", sha256: info.id, title },
        };
        answer = await call("/api/v1/broadcasts/emergency", JSON.stringify(body), "application/json");
      } else {
        const body = {
          commune,
          title,
          priority: "priority",
          start: wallNow(),
          targets: { zones: where.zones },
          content: { type: "file", sha256: info.id, duration_s: info.duration_s, title },
        };
        answer = await call("/api/v1/schedules", JSON.stringify(body), "application/json");
      }
      const line = paragraph(
        fill(words.sent, { name: title, clusters: answer.clusters.length }),
        "media-ok",
      );
      line.append(" ", link(`/radio/schedules/${answer.schedule.id}`, words.see_schedule));
      outcomeBox.replaceChildren(line);
      if (answer.not_sent && answer.not_sent.length) {
        outcomeBox.append(
          paragraph(fill(words.not_sent, { gateways: answer.not_sent.length }), "media-refusal"),
        );
      }
    } catch (error) {
      failed(error, words.refused);
    } finally {
      busy(false);
    }
  }

  // -- wiring ----------------------------------------------------------------------------

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", stop);
  $("rec-again").addEventListener("click", start);
  $("rec-save").addEventListener("click", save);
  $("rec-broadcast").addEventListener("click", askToBroadcast);
  $("rec-confirm-yes").addEventListener("click", broadcast);
  $("rec-confirm-no").addEventListener("click", () => {
    confirmBox.hidden = true;
  });
  for (const where of root.querySelectorAll("input[name=where]")) {
    where.addEventListener("change", () => {
      const some = root.querySelector("input[name=where][value=zones]:checked") !== null;
      for (const box of root.querySelectorAll("input[name=zone]")) {
        box.disabled = !some;
      }
    });
  }
})();
