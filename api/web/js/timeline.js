// The timeline's geometry: which blocks a run is made of (travel, waiting, visits, breaks), where
// they sit on the day's axis, each carer's colour, and where a dragged visit lands in a run.

import { toSeconds } from "./time.js";

const GOLDEN_ANGLE = 137.508;

/** The colour of the i-th run: a strong line colour (map, borders) and a pale fill (timeline
 * blocks, under dark text so the contrast holds for every hue). */
export function colour(i) {
  const hue = Math.round((i * GOLDEN_ANGLE) % 360);
  return { line: `hsl(${hue} 70% 36%)`, fill: `hsl(${hue} 80% 90%)` };
}

/** The day's axis in seconds: from the earliest shift start to the latest shift end of the
 * carers shown, whole hours. */
export function axis(carers) {
  const starts = carers.map((c) => toSeconds(c.shift.start));
  const ends = carers.map((c) => toSeconds(c.shift.end));
  const from = Math.floor(Math.min(...starts) / 3600) * 3600;
  const to = Math.ceil(Math.max(...ends) / 3600) * 3600;
  return { from, to, hours: range(from / 3600, to / 3600) };
}

function range(a, b) {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

/** Per cent of the axis at which time `t` lies. */
export function place(ax, t) {
  return ((t - ax.from) / (ax.to - ax.from)) * 100;
}

/** The blocks of one run, each {kind, from, to, visitId?} in seconds: the drive to each stop
 * (ending at its arrival), the wait before it starts, the visit, the breaks, the drive home. */
export function blocks(run) {
  const out = [];
  let last = toSeconds(run.start);
  for (const stop of run.stops) {
    const arrival = toSeconds(stop.arrival);
    const start = toSeconds(stop.start);
    const end = toSeconds(stop.end);
    if (stop.travel_s > 0) out.push({ kind: "travel", from: arrival - stop.travel_s, to: arrival });
    if (start > arrival) out.push({ kind: "wait", from: arrival, to: start });
    out.push({ kind: "visit", from: start, to: end, visitId: stop.visit_id });
    last = end;
  }
  const home = toSeconds(run.end);
  if (run.stops.length && home > last) out.push({ kind: "travel", from: home - homeTravel(run), to: home });
  for (const b of run.breaks || []) out.push({ kind: "break", from: toSeconds(b.start), to: toSeconds(b.end) });
  return out;
}

function homeTravel(run) {
  const legs = run.stops.reduce((s, st) => s + st.travel_s, 0);
  return Math.max(run.travel_s - legs, 0);
}

/** Where a visit dropped at time `t` goes in a run's order: before the first other stop that
 * starts after `t`. The dragged visit itself is not counted. */
export function insertionIndex(stops, t, visitId) {
  const others = stops.filter((s) => s.visit_id !== visitId);
  const i = others.findIndex((s) => (toSeconds(s.start) + toSeconds(s.end)) / 2 > t);
  return i === -1 ? others.length : i;
}

/** The plan as each carer's visit ids in order (the short form /v1/evaluate takes), with one
 * copy of `visitId` moved from `fromCarer` to position `index` of `toCarer`'s run. */
export function moveVisit(runs, visitId, fromCarer, toCarer, index) {
  const orders = new Map(runs.map((r) => [r.carer_id, r.stops.map((s) => s.visit_id)]));
  if (!orders.has(toCarer)) orders.set(toCarer, []);
  const source = orders.get(fromCarer);
  const at = source.indexOf(visitId);
  if (at === -1) throw new Error(`${visitId} is not in ${fromCarer}'s run`);
  source.splice(at, 1);
  const target = orders.get(toCarer);
  target.splice(Math.min(index, target.length), 0, visitId);
  return [...orders].filter(([, ids]) => ids.length).map(([carer_id, visit_ids]) => ({ carer_id, visit_ids }));
}

/** The carers a visit is with in a plan: both halves of a double-up. */
export function carersOf(solution, visitId) {
  return solution.runs.filter((r) => r.stops.some((s) => s.visit_id === visitId)).map((r) => r.carer_id);
}

/** The carers who may do a visit by the hard rules on people: every skill it needs, not
 * excluded, the gender it asks for. (Time and distance are for /v1/evaluate to judge.) */
export function ableCarers(problem, visit) {
  return problem.carers
    .filter((c) => visit.skills.every((k) => c.skills.includes(k)))
    .filter((c) => !(visit.excluded_carers || []).includes(c.id))
    .filter((c) => !visit.carer_gender || c.gender === visit.carer_gender)
    .map((c) => c.id);
}
