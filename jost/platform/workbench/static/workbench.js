// The workbench's few behaviours; every page works without them (forms post, the runner's
// "Load" button reloads with the chosen profile), they only save a round trip.
"use strict";

const TERMINAL = new Set(["completed", "failed", "cancelled"]);

function showConfigError(message, field) {
  const error = document.getElementById("config-error");
  const editor = document.getElementById("config");
  error.textContent = "";
  if (field) {
    const at = document.createElement("code");
    at.className = "at";
    at.textContent = field;
    error.append(at, " ");
  }
  error.append(message);
  error.dataset.field = field || "";
  error.hidden = false;
  editor.setAttribute("aria-invalid", "true");
  editor.focus();
}

function setUpRunner() {
  const runner = document.getElementById("runner");
  if (!runner) return;
  const texts = JSON.parse(document.getElementById("profile-texts").textContent);
  const select = document.getElementById("profile");
  const editor = document.getElementById("config");
  for (const button of document.querySelectorAll(".no-js")) button.hidden = true;
  select.addEventListener("change", () => {
    editor.value = texts[select.value] || "";
    runner.elements.profile.value = select.value;
    editor.removeAttribute("aria-invalid");
    document.getElementById("config-error").hidden = true;
  });
  runner.addEventListener("submit", (event) => {
    // Malformed JSON never leaves the browser; the server checks the config itself.
    try {
      JSON.parse(editor.value);
    } catch (exc) {
      event.preventDefault();
      showConfigError("malformed JSON: " + exc.message, "$");
      return;
    }
    document.getElementById("submit").disabled = true;
  });
}

function followJob() {
  const progress = document.getElementById("progress");
  if (!progress || progress.dataset.finished === "yes") return;
  const url = `/workbench/jobs/${progress.dataset.job}/status`;
  const tick = async () => {
    let status;
    try {
      const answer = await fetch(url, { headers: { Accept: "application/json" } });
      if (!answer.ok || answer.redirected) {
        document.getElementById("job-state").textContent = "unknown (signed out?)";
        return;
      }
      status = await answer.json();
    } catch (exc) {
      setTimeout(tick, 2000); // the platform restarting: try again
      return;
    }
    const state = document.getElementById("job-state");
    state.textContent = status.status;
    state.className = "state " + status.status;
    const total = status.shards_total;
    document.getElementById("shards").textContent =
      `${status.shards_done}/${total === null ? "?" : total}`;
    const bar = document.getElementById("bar");
    bar.max = total || 1;
    bar.value = status.shards_done;
    if (TERMINAL.has(status.status)) {
      window.location.reload(); // the result, chart and full trail come from the server
      return;
    }
    setTimeout(tick, 400);
  };
  setTimeout(tick, 200);
}

document.addEventListener("DOMContentLoaded", () => {
  setUpRunner();
  followJob();
});
