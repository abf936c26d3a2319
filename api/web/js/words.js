// What the coordinator reads: KPI cards, broken rules in words, KPI deltas after a change, and
// the re-plan's change list.

import { clock, minutes, toSeconds } from "./time.js";

const fixed = (x, d = 1) => (x === null || x === undefined ? "–" : Number(x).toFixed(d));

/** The KPI cards of a plan: label, value and a short note. */
export function kpiCards(solution) {
  const k = solution.kpis;
  const paid = solution.runs.reduce((s, r) => s + (r.pay ? r.pay.paid_s : 0), 0);
  const flags = solution.runs.reduce((s, r) => s + (r.pay ? r.pay.flags.length : 0), 0);
  return [
    { key: "served", label: "Served", value: `${k.visits_assigned} / ${k.visits}`, note: "visits" },
    { key: "double_ups", label: "Double-ups", value: `${k.double_ups_assigned} / ${k.double_ups}`, note: "served" },
    { key: "travel", label: "Travel", value: fixed(k.travel_per_care_hour_min), note: "min per care hour" },
    { key: "paid", label: "Paid hours", value: fixed(paid / 3600), note: `${k.carers_used} carers` },
    { key: "cost", label: "Cost", value: k.cost_per_care_hour == null ? "–" : `£${fixed(k.cost_per_care_hour, 2)}`, note: "per care hour" },
    { key: "flags", label: "Flags", value: String(flags), note: "pay and working time" },
  ];
}

const DELTAS = [
  ["visits_assigned", "visits served", 0, 1],
  ["travel_s", "travel min", 0, -1, 60],
  ["wait_s", "waiting min", 0, -1, 60],
  ["travel_per_care_hour_min", "travel min per care hour", 1, -1],
  ["cost_per_care_hour", "cost per care hour £", 2, -1],
  ["carers_used", "carers used", 0, 0],
];

/** KPI changes from `before` to `after`, each with `better` true/false/null (null: neither). */
export function kpiDeltas(before, after) {
  const out = [];
  for (const [key, label, digits, good, unit = 1] of DELTAS) {
    if (before[key] == null || after[key] == null) continue;
    const delta = (after[key] - before[key]) / unit;
    if (Math.abs(delta) < 10 ** -digits / 2) continue;
    const sign = delta > 0 ? "+" : "−";
    const better = good === 0 ? null : Math.sign(delta) === good;
    out.push({ key, text: `${label} ${sign}${Math.abs(delta).toFixed(digits)}`, better });
  }
  return out;
}

function stopOf(solution, carerId, visitId) {
  const run = solution.runs.find((r) => r.carer_id === carerId);
  return run && run.stops.find((s) => s.visit_id === visitId);
}

/** One broken rule as a sentence a coordinator reads ("late at v012 by 14 min"). */
export function describeViolation(v, problem, solution) {
  const visit = problem.visits.find((x) => x.id === v.visit_id);
  const carer = problem.carers.find((c) => c.id === v.carer_id);
  const who = v.carer_id ? ` (${v.carer_id})` : "";
  if (v.rule === "window" && visit) {
    const stop = stopOf(solution, v.carer_id, v.visit_id);
    if (stop) {
      const start = toSeconds(stop.start);
      const late = start - toSeconds(visit.window.end);
      if (late > 0) return `late at ${v.visit_id} by ${minutes(late)} min${who}`;
      return `early at ${v.visit_id} by ${minutes(toSeconds(visit.window.start) - start)} min${who}`;
    }
  }
  if (v.rule === "skill" && visit && carer) {
    const missing = visit.skills.filter((s) => !carer.skills.includes(s));
    return `missing skill at ${v.visit_id}: ${v.carer_id} does not hold ${missing.join(", ")}`;
  }
  if (v.rule === "double_up") return `double-up ${v.visit_id} no longer synchronised: ${v.message}`;
  if (v.rule === "coverage" && v.visit_id) return `${v.visit_id}: ${v.message}`;
  const at = v.visit_id ? ` at ${v.visit_id}` : "";
  return `${v.rule.replace(/_/g, " ")}${at}${who}: ${v.message}`;
}

/** One re-plan change as a sentence: who moved, to whom, and by how much. */
export function describeChange(c) {
  const when = (t) => (t ? clock(toSeconds(t)) : "");
  if (!c.from_carer) return `${c.visit_id} added: ${c.to_carer} at ${when(c.to_start)}`;
  if (!c.to_carer) return `${c.visit_id} dropped: was ${c.from_carer} at ${when(c.from_start)}`;
  const shift = minutes(toSeconds(c.to_start) - toSeconds(c.from_start));
  const by = shift === 0 ? "same time" : `${shift > 0 ? "+" : "−"}${Math.abs(shift)} min`;
  const who = c.from_carer === c.to_carer ? `stays with ${c.to_carer}` : `moved ${c.from_carer} → ${c.to_carer}`;
  return `${c.visit_id} ${who}, ${when(c.from_start)} → ${when(c.to_start)} (${by})`;
}

/** A 422's field errors as lines "path: message", as the API names them. */
export function fieldErrors(problemDetails) {
  const errors = problemDetails.errors || [];
  if (!errors.length) return [problemDetails.detail || problemDetails.title || "request refused"];
  return errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
}

/** How far a job is, from its summary and the clock: {percent, left_s}. */
export function progress(job, nowMs) {
  if (job.status !== "solving") return { percent: job.status === "queued" ? 0 : 100, left_s: null };
  const elapsed = (nowMs - Date.parse(job.updated_at)) / 1000;
  const left = Math.max(job.time_limit_s - elapsed, 0);
  return { percent: Math.min(Math.round((elapsed / job.time_limit_s) * 100), 99), left_s: Math.round(left) };
}
