// Handing the day out: a CSV with one line per stop, and each carer's run sheet.

import { clock, minutes, toSeconds } from "./time.js";

function cell(value) {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_COLUMNS = [
  "carer_id", "order", "visit_id", "client_id", "arrival", "start", "end",
  "travel_min", "wait_min", "lat", "lon", "skills", "double_up_with",
];

/** One line per stop, runs in plan order, RFC 4180 quoting, CRLF line ends. */
export function stopsCsv(problem, solution) {
  const visits = new Map(problem.visits.map((v) => [v.id, v]));
  const lines = [CSV_COLUMNS.join(",")];
  for (const run of solution.runs) {
    run.stops.forEach((stop, i) => {
      const visit = visits.get(stop.visit_id);
      const partner = partnerOf(solution, stop.visit_id, run.carer_id);
      const row = [
        run.carer_id, i + 1, stop.visit_id, visit?.client_id, stop.arrival, stop.start, stop.end,
        minutes(stop.travel_s), minutes(stop.wait_s), visit?.location.lat, visit?.location.lon,
        (visit?.skills || []).join(" "), partner,
      ];
      lines.push(row.map(cell).join(","));
    });
  }
  return lines.join("\r\n") + "\r\n";
}

function partnerOf(solution, visitId, carerId) {
  const other = solution.runs.find((r) => r.carer_id !== carerId && r.stops.some((s) => s.visit_id === visitId));
  return other ? other.carer_id : "";
}

/** A carer's run sheet: the day in order, visits and breaks, with what the carer must know. */
export function runSheet(problem, solution, carerId) {
  const run = solution.runs.find((r) => r.carer_id === carerId);
  const carer = problem.carers.find((c) => c.id === carerId);
  const visits = new Map(problem.visits.map((v) => [v.id, v]));
  const lines = run.stops.map((stop) => {
    const visit = visits.get(stop.visit_id);
    const notes = [];
    if (visit.skills.length) notes.push(`skills: ${visit.skills.join(", ")}`);
    const partner = partnerOf(solution, stop.visit_id, carerId);
    if (partner) notes.push(`double-up with ${partner}`);
    if (visit.priority === "critical") notes.push("critical");
    return {
      at: toSeconds(stop.start),
      time: `${clock(toSeconds(stop.start))}–${clock(toSeconds(stop.end))}`,
      what: stop.visit_id,
      client: visit.client_id,
      where: `${visit.location.lat.toFixed(5)}, ${visit.location.lon.toFixed(5)}`,
      notes: notes.join("; "),
    };
  });
  for (const b of run.breaks || []) {
    const at = toSeconds(b.start);
    lines.push({ at, time: `${clock(at)}–${clock(toSeconds(b.end))}`, what: "break", client: "", where: "", notes: "" });
  }
  lines.sort((a, b) => a.at - b.at);
  return {
    carerId,
    shift: `${clock(toSeconds(carer.shift.start))}–${clock(toSeconds(carer.shift.end))}`,
    leave: clock(toSeconds(run.start)),
    back: clock(toSeconds(run.end)),
    travelMode: carer.travel_mode || "car",
    lines,
  };
}
