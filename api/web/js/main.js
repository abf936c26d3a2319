// The page's wiring: log in, the plans list, the plan view, changes by hand, re-planning and
// handing the day out. Logic worth testing lives in the pure modules it imports.

import { ApiRefusal, call, session } from "./api.js";
import { drawKpis, drawMap, drawSelection, drawSheets, drawTimeline, drawUnassigned, el } from "./draw.js";
import { stopsCsv } from "./handout.js";
import { toSeconds } from "./time.js";
import { carersOf, insertionIndex, moveVisit } from "./timeline.js";
import { keptEntry, versionEntries, versionName } from "./versions.js";
import { describeChange, describeViolation, fieldErrors, kpiDeltas, progress } from "./words.js";

const $ = (id) => document.getElementById(id);
const TILE_KEY = "carerun.tileUrl";
// Timings the browser test and benchmarks/ui.py read.
window.carerunTimings = {};

const state = { jobs: [], jobId: null, versions: [], current: 0, pending: null, selected: null, poll: null };

function show(screen) {
  for (const id of ["login", "plans", "plan"]) $(id).hidden = id !== screen;
  const inside = screen !== "login";
  for (const id of ["to-plans", "logout", "settings-open"]) $(id).hidden = !inside;
}

function say(text) { $("status").textContent = text; }

function refusal(target, err) {
  const lines = err instanceof ApiRefusal ? fieldErrors(err.details) : [String(err.message || err)];
  target.replaceChildren(el("p", {}, err instanceof ApiRefusal ? err.details.title || "Refused" : "Error"),
    el("ul", { class: "field-errors" }, ...lines.map((l) => el("li", {}, l))));
}

// ---- log in and the plans list ----

async function login(key) {
  try {
    await call("GET", "/v1/plans", undefined, key);
  } catch (err) {
    $("login-error").textContent = err instanceof ApiRefusal && err.status === 401 ? "That key is unknown or revoked." : String(err.message);
    return;
  }
  session.key = key;
  $("key").value = "";
  $("login-error").textContent = "";
  await openPlans();
}

async function openPlans() {
  show("plans");
  await refreshJobs();
  clearInterval(state.poll);
  state.poll = setInterval(refreshJobs, 1000);
}

async function refreshJobs() {
  if ($("plans").hidden) return;
  const { jobs } = await call("GET", "/v1/plans");
  state.jobs = jobs;
  const now = Date.now();
  $("jobs").tBodies[0].replaceChildren(...jobs.map((job) => {
    const p = progress(job, now);
    const open = ["solved", "cancelled"].includes(job.status)
      ? el("button", { type: "button", onclick: () => openJob(job.id), "aria-label": `Open plan ${job.id}` }, "Open") : "";
    return el("tr", { "data-job-id": job.id },
      el("td", {}, el("code", {}, job.id.slice(0, 8))), el("td", { class: "job-status" }, job.status + (job.error ? `: ${job.error}` : "")),
      el("td", {}, String(job.visits)),
      el("td", {}, el("progress", { max: "100", value: String(p.percent), "aria-label": `progress of ${job.id.slice(0, 8)}` })),
      el("td", {}, p.left_s === null ? "" : `${p.left_s} s`), el("td", {}, open));
  }));
}

async function examples() {
  const res = await fetch("examples/index.json");
  const list = await res.json();
  $("example").append(...list.map((e) => el("option", { value: e.file }, `${e.name}: ${e.visits} visits, ${e.carers} carers`)));
}

async function readProblem() {
  const file = $("problem-file").files[0];
  if (file) return [file.name, await file.text()];
  const example = $("example").value;
  if (example) return [example, await (await fetch(`examples/${example}`)).text()];
  throw new Error("choose a problem file or an example");
}

async function startPlan(event) {
  event.preventDefault();
  const box = $("upload-errors");
  box.replaceChildren();
  let problem;
  try {
    const [name, text] = await readProblem();
    try { problem = JSON.parse(text); } catch (err) { throw new Error(`${name} is not JSON: ${err.message}`); }
    if (problem && typeof problem === "object" && !Array.isArray(problem)) {
      problem.options = { ...(problem.options || {}), time_limit_s: Number($("time-limit").value) };
    }
    window.carerunTimings.submittedAt = performance.now();
    const created = await call("POST", "/v1/plans", problem);
    say(`job ${created.id.slice(0, 8)} queued`);
    state.waitFor = created.id;
    await refreshJobs();
    waitAndOpen(created.id);
  } catch (err) {
    refusal(box, err);
  }
}

async function waitAndOpen(jobId) {
  for (;;) {
    const job = await call("GET", `/v1/plans/${jobId}`);
    if (job.status === "solved" || (job.status === "cancelled" && job.solution)) return openJob(jobId, job);
    if (job.status === "failed" || job.status === "cancelled") { say(`job ${jobId.slice(0, 8)} ${job.status}: ${job.error || ""}`); return; }
    await new Promise((r) => setTimeout(r, 500));
  }
}

// ---- the plan view ----

async function openJob(jobId, job) {
  job = job || (await call("GET", `/v1/plans/${jobId}`));
  const problem = await call("GET", `/v1/plans/${jobId}/problem`);
  // Versions live on the server, so a reload or a colleague sees the same ones; only v1's
  // documents are at hand, the others are read when chosen.
  const { versions } = await call("GET", `/v1/plans/${jobId}/versions`);
  state.jobId = jobId;
  state.versions = versionEntries(versions, { problem, solution: job.solution });
  state.current = state.versions.length - 1;
  await readVersion(state.current);
  state.pending = null;
  state.selected = null;
  $("changes").replaceChildren();
  show("plan");
  $("plan-title").textContent = `Plan ${problem.id}`;
  fillPlanControls();
  const drawing = performance.now();
  render();
  window.carerunTimings.renderPlan_ms = performance.now() - drawing;
  if (state.waitFor === jobId && window.carerunTimings.submittedAt) {
    requestAnimationFrame(() => { window.carerunTimings.firstPlan_ms = performance.now() - window.carerunTimings.submittedAt; });
    state.waitFor = null;
  }
}

const version = () => state.versions[state.current];
const shown = () => (state.pending ? state.pending.after : version());

/** Fill in a version's problem and solution from the server the first time it is shown. */
async function readVersion(index) {
  const v = state.versions[index];
  if (v.solution) return;
  const full = await call("GET", `/v1/plans/${state.jobId}/versions/${v.number}`);
  Object.assign(v, { problem: full.problem, solution: full.solution });
}

/** Store a new version on the server and make it the one shown. */
async function keepVersion(entry) {
  const answer = await call("POST", `/v1/plans/${state.jobId}/versions`, { label: entry.label, problem: entry.problem, solution: entry.solution });
  state.versions.push(keptEntry(answer, entry));
  state.current = state.versions.length - 1;
  state.pending = null;
  fillPlanControls();
  render();
  return answer;
}

async function chooseVersion(index) {
  try {
    await readVersion(index);
  } catch (err) {
    say(`version ${state.versions[index].number} could not be read: ${err.message}`);
    $("version").value = String(state.current);
    return;
  }
  state.current = index;
  state.pending = null;
  render();
}

function fillPlanControls() {
  $("version").replaceChildren(...state.versions.map((v, i) => el("option", { value: String(i) }, versionName(v))));
  $("version").value = String(state.current);
  const { problem } = version();
  $("sick-carer").replaceChildren(el("option", { value: "" }, "(none)"), ...problem.carers.map((c) => el("option", { value: c.id }, c.id)));
  $("cancel-visit").replaceChildren(el("option", { value: "" }, "(none)"), ...problem.visits.map((v) => el("option", { value: v.id }, v.id)));
}

function render() {
  const { problem, solution } = shown();
  const broken = new Set((state.pending?.violations || []).map((v) => v.visit_id).filter(Boolean));
  drawKpis($("kpis"), solution);
  drawTimeline($("timeline"), problem, solution, broken);
  drawMap($("map"), problem, solution, localStorage.getItem(TILE_KEY) || "");
  drawUnassigned($("unassigned"), solution);
  if (state.sheetsFor !== version()) {
    // the run sheets print the kept version, never a change still on trial; drawn once per version
    drawSheets($("sheets"), version().problem, version().solution);
    state.sheetsFor = version();
  }
  select(state.selected);
  drawPending();
}

function select(visitId) {
  state.selected = visitId;
  const { problem, solution } = shown();
  if (!visitId) { drawSelection(document, $("details-body"), problem, solution, null); return; }
  drawSelection(document, $("details-body"), problem, solution, visitId, moveForm(problem, solution, visitId));
}

/** The keyboard way to move a visit: which copy, to which carer, at which place in the run. */
function moveForm(problem, solution, visitId) {
  const from = carersOf(solution, visitId);
  if (!from.length || state.pending) return null;
  const fromSel = el("select", { id: "move-from" }, ...from.map((c) => el("option", { value: c }, c)));
  const toSel = el("select", { id: "move-to" }, ...problem.carers.map((c) => el("option", { value: c.id }, c.id)));
  const pos = el("input", { id: "move-pos", type: "number", min: "1", value: "1" });
  const go = el("button", { type: "button", id: "move-go" }, "Move");
  go.addEventListener("click", () => proposeMove(visitId, fromSel.value, toSel.value, Number(pos.value) - 1));
  return el("div", { class: "fields" }, el("label", { for: "move-from" }, "Move from"), fromSel,
    el("label", { for: "move-to" }, "to carer"), toSel, el("label", { for: "move-pos" }, "as stop number"), pos, go);
}

// ---- changes by hand ----

async function proposeMove(visitId, fromCarer, toCarer, index) {
  const base = version();
  const started = performance.now();
  let runs;
  try { runs = moveVisit(base.solution.runs, visitId, fromCarer, toCarer, index); } catch (err) { say(err.message); return; }
  say(`checking the move of ${visitId} to ${toCarer}…`);
  try {
    const result = await call("POST", "/v1/evaluate", { problem: base.problem, plan: { runs } });
    const answered = performance.now();
    window.carerunTimings.dragEvaluate_ms = answered - started;
    state.pending = { after: { label: `moved ${visitId} to ${toCarer}`, problem: base.problem, solution: result.solution }, violations: result.violations, visitId, toCarer };
    render();
    say(result.ok ? `moving ${visitId} to ${toCarer} breaks no rule` : `moving ${visitId} to ${toCarer} breaks ${result.violations.length} rule(s)`);
    window.carerunTimings.dragRender_ms = performance.now() - answered;
    requestAnimationFrame(() => { window.carerunTimings.dragRedraw_ms = performance.now() - started; });
  } catch (err) {
    refusal($("change-summary"), err);
    $("change").hidden = false;
  }
}

function drawPending() {
  const p = state.pending;
  $("change").hidden = !p;
  if (!p) return;
  const { problem, solution } = p.after;
  $("change-summary").textContent = p.violations.length ? `${p.after.label}: ${p.violations.length} broken rule(s)` : `${p.after.label}: no rule broken`;
  $("violations").replaceChildren(...p.violations.map((v) => el("li", { "data-rule": v.rule }, describeViolation(v, problem, solution))));
  $("deltas").replaceChildren(...kpiDeltas(version().solution.kpis, solution.kpis).map((d) =>
    el("li", { class: d.better === null ? "" : d.better ? "better" : "worse" }, d.text)));
  $("keep").focus({ preventScroll: true });
}

async function keep() {
  $("keep").disabled = true;
  try {
    const kept = await keepVersion(state.pending.after);
    say(`kept as version ${kept.number}`);
  } catch (err) {
    say(`not kept: ${err.message}`);
  } finally {
    $("keep").disabled = false;
  }
}

function undo() {
  state.pending = null;
  render();
  say("change undone");
}

/** Pointer drag of a stop: to another row (carer) or another place in the same row. */
function wireDrag() {
  const timeline = $("timeline");
  let drag = null;
  timeline.addEventListener("pointerdown", (e) => {
    const stop = e.target.closest(".stop");
    if (!stop || state.pending) return;
    drag = { stop, x: e.clientX, y: e.clientY, moving: false };
  });
  window.addEventListener("pointermove", (e) => {
    if (!drag) return;
    if (!drag.moving && Math.hypot(e.clientX - drag.x, e.clientY - drag.y) < 5) return;
    if (!drag.moving) {
      drag.moving = true;
      drag.ghost = el("div", { class: "ghost" }, drag.stop.dataset.visitId);
      document.body.append(drag.ghost);
    }
    drag.ghost.style.left = `${e.clientX + 8}px`;
    drag.ghost.style.top = `${e.clientY + 8}px`;
    timeline.querySelectorAll(".row.drop").forEach((r) => r.classList.remove("drop"));
    document.elementFromPoint(e.clientX, e.clientY)?.closest(".row")?.classList.add("drop");
  });
  window.addEventListener("pointerup", (e) => {
    if (!drag) return;
    const d = drag;
    drag = null;
    timeline.querySelectorAll(".row.drop").forEach((r) => r.classList.remove("drop"));
    if (!d.moving) return;
    d.ghost.remove();
    const row = document.elementFromPoint(e.clientX, e.clientY)?.closest(".row");
    if (!row) return;
    const track = row.querySelector(".track").getBoundingClientRect();
    const from = Number(timeline.dataset.from), to = Number(timeline.dataset.to);
    const t = from + ((e.clientX - track.left) / track.width) * (to - from);
    const target = version().solution.runs.find((r) => r.carer_id === row.dataset.carerId);
    const index = insertionIndex(target ? target.stops : [], t, d.stop.dataset.visitId);
    proposeMove(d.stop.dataset.visitId, d.stop.dataset.carer, row.dataset.carerId, index);
  });
}

// ---- re-plan ----

function events() {
  const out = [];
  if ($("sick-carer").value) out.push({ type: "carer_unavailable", carer_id: $("sick-carer").value, from: $("sick-from").value });
  if ($("cancel-visit").value) out.push({ type: "visit_cancelled", visit_id: $("cancel-visit").value });
  const added = $("add-visit").value.trim();
  if (added) out.push({ type: "visit_added", visit: JSON.parse(added) });
  return out;
}

/** The problem after the events, as the re-plan sees it: cancelled visits gone, added ones in. */
function problemAfter(problem, evs) {
  const cancelled = new Set(evs.filter((e) => e.type === "visit_cancelled").map((e) => e.visit_id));
  const added = evs.filter((e) => e.type === "visit_added").map((e) => e.visit);
  return { ...problem, visits: [...problem.visits.filter((v) => !cancelled.has(v.id)), ...added] };
}

async function replan(event) {
  event.preventDefault();
  const box = $("replan-errors");
  box.replaceChildren();
  const base = version();
  let evs;
  try { evs = events(); } catch (err) { refusal(box, new Error(`added visit is not JSON: ${err.message}`)); return; }
  if (!evs.length) { refusal(box, new Error("mark a carer unavailable, cancel a visit or add one first")); return; }
  $("replan").disabled = true;
  say("re-planning…");
  try {
    const body = { problem: base.problem, published: base.solution, events: { events: evs }, now: $("replan-now").value, time_limit_s: Number($("replan-limit").value) };
    const solution = await call("POST", "/v1/replan", body);
    await keepVersion({ label: `re-planned at ${$("replan-now").value}`, problem: problemAfter(base.problem, evs), solution });
    const changes = solution.changes || [];
    $("changes").replaceChildren(...(changes.length ? changes.map((c) => el("li", { "data-change-visit-id": c.visit_id }, describeChange(c))) : [el("li", {}, "nothing moved")]));
    say(`re-planned: ${changes.length} change(s)`);
  } catch (err) {
    refusal(box, err);
    say("re-plan refused");
  } finally {
    $("replan").disabled = false;
  }
}

// ---- hand-out ----

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function wire() {
  $("login-form").addEventListener("submit", (e) => { e.preventDefault(); login($("key").value.trim()); });
  $("logout").addEventListener("click", () => { session.key = null; clearInterval(state.poll); show("login"); });
  $("to-plans").addEventListener("click", openPlans);
  $("new-plan").addEventListener("submit", startPlan);
  $("problem-file").addEventListener("change", () => { if ($("problem-file").files.length) $("example").value = ""; });
  $("version").addEventListener("change", () => chooseVersion(Number($("version").value)));
  $("keep").addEventListener("click", keep);
  $("undo").addEventListener("click", undo);
  $("replan-form").addEventListener("submit", replan);
  $("download-json").addEventListener("click", () => download(`${version().problem.id}-v${version().number}.json`, "application/json", JSON.stringify(version().solution, null, 2)));
  $("download-csv").addEventListener("click", () => download(`${version().problem.id}-v${version().number}.csv`, "text/csv", stopsCsv(version().problem, version().solution)));
  $("print").addEventListener("click", () => window.print());
  $("settings-open").addEventListener("click", () => { $("tile-url").value = localStorage.getItem(TILE_KEY) || ""; $("settings").showModal(); });
  $("settings").addEventListener("close", () => {
    if ($("settings").returnValue !== "save") return;
    const url = $("tile-url").value.trim();
    if (url) localStorage.setItem(TILE_KEY, url); else localStorage.removeItem(TILE_KEY);
    if (!$("plan").hidden) render();
  });
  $("timeline").addEventListener("click", (e) => { const s = e.target.closest(".stop"); if (s) select(s.dataset.visitId); });
  $("map").addEventListener("click", (e) => { const s = e.target.closest(".mapstop"); if (s) select(s.dataset.mapVisitId); });
  $("unassigned").addEventListener("click", (e) => { const s = e.target.closest("[data-unassigned-id]"); if (s) select(s.dataset.unassignedId); });
  wireDrag();
}

wire();
examples();
if (session.key) login(session.key); else show("login");
