// The workbench's few behaviours; every page works without them (forms post, the runner's
// "Load" button reloads with the chosen profile), they only save a round trip.
"use strict";

const TERMINAL = new Set(["completed", "failed", "cancelled"]);

// Where a problem's field ($.rules.decks, $.betting.ramp[2]) is written in the editor: each
// key of the path found in turn after the one before. -1 when it cannot be told.
function locate(text, field) {
  let at = 0;
  let found = -1;
  for (const key of (field || "").replace(/^\$\.?/, "").split(".")) {
    const name = key.replace(/\[\d+\]/g, "");
    if (!name) continue;
    found = text.indexOf(JSON.stringify(name), at);
    if (found < 0) return -1;
    at = found + name.length + 2;
  }
  return found;
}

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
  const where = locate(editor.value, field);
  if (where >= 0) {
    const line = editor.value.slice(0, where).split("\n").length;
    error.append(` (line ${line})`);
    editor.setSelectionRange(where, editor.value.indexOf(":", where) + 1 || where + 1);
  }
}

function setUpRunner() {
  const runner = document.getElementById("runner");
  if (!runner) return;
  const texts = JSON.parse(document.getElementById("profile-texts").textContent);
  const select = document.getElementById("profile");
  const editor = document.getElementById("config");
  const submit = document.getElementById("submit-job");
  for (const button of document.querySelectorAll(".no-js")) button.hidden = true;
  select.addEventListener("change", () => {
    editor.value = texts[select.value] || "";
    runner.elements.profile.value = select.value;
    editor.removeAttribute("aria-invalid");
    document.getElementById("config-error").hidden = true;
  });
  runner.addEventListener("submit", async (event) => {
    // Nothing is submitted before it is checked: malformed JSON never leaves the browser,
    // and the config is read by the platform (as a submit reads it) before the job is sent.
    event.preventDefault();
    try {
      JSON.parse(editor.value);
    } catch (exc) {
      showConfigError("malformed JSON: " + exc.message, "$");
      return;
    }
    submit.disabled = true;
    try {
      const answer = await fetch("/workbench/runner/check", {
        method: "POST",
        body: new FormData(runner),
      });
      if (!answer.ok && !answer.redirected) {
        const problem = await answer.json();
        showConfigError(problem.detail, problem.field);
        submit.disabled = false;
        return;
      }
    } catch (exc) {
      // No answer to the check: the submit itself is checked the same way on the server.
    }
    runner.submit();
  });
}

// Ask ``url`` for a status every ``every`` ms and give it to ``show`` until ``show`` answers
// true (done); the state element says so when the session is gone, a platform that does not
// answer (restarting) is asked again.
function poll(url, stateId, show, every) {
  const tick = async () => {
    let status;
    try {
      const answer = await fetch(url, { headers: { Accept: "application/json" } });
      if (!answer.ok || answer.redirected) {
        document.getElementById(stateId).textContent = "unknown (signed out?)";
        return;
      }
      status = await answer.json();
    } catch (exc) {
      setTimeout(tick, 2000);
      return;
    }
    const state = document.getElementById(stateId);
    state.textContent = status.status;
    state.className = "state " + status.status;
    if (!show(status)) setTimeout(tick, every);
  };
  setTimeout(tick, 200);
}

function setBar(done, total) {
  const bar = document.getElementById("bar");
  bar.max = total || 1;
  bar.value = done;
}

function followJob() {
  const progress = document.getElementById("progress");
  if (!progress || progress.dataset.finished === "yes") return;
  poll(`/workbench/jobs/${progress.dataset.job}/status`, "job-state", (status) => {
    const total = status.shards_total;
    document.getElementById("shards").textContent =
      `${status.shards_done}/${total === null ? "?" : total}`;
    setBar(status.shards_done, total);
    if (!TERMINAL.has(status.status)) return false;
    window.location.reload(); // the result, chart and full trail come from the server
    return true;
  }, 400);
}

// A running sweep's page: its counters and bar follow the platform; the page is drawn again
// (table and chart from the server) when a point finishes and when the sweep does.
function followSweep() {
  const progress = document.getElementById("sweep-progress");
  if (!progress || progress.dataset.finished === "yes") return;
  const seen = Number(progress.dataset.done);
  poll(`/workbench/sweeps/${progress.dataset.sweep}/status`, "sweep-state", (status) => {
    document.getElementById("points").textContent = `${status.points_completed}/${status.points}`;
    document.getElementById("shards").textContent = `${status.shards_done}/${status.shards_total}`;
    setBar(status.shards_done, status.shards_total);
    const finished = status.points_completed + status.points_failed + status.points_cancelled;
    if (status.status === "running" && finished === seen) return false;
    window.location.reload();
    return true;
  }, 500);
}

document.addEventListener("DOMContentLoaded", () => {
  setUpRunner();
  followJob();
  followSweep();
});
