// Drawing a plan: KPI cards, the timeline rows, the map, the selected visit, unassigned visits
// and the printable run sheets. Every function redraws its part from the data it is given.

import { fit, hull, padded, tiles } from "./geo.js";
import { runSheet } from "./handout.js";
import { clock, toSeconds } from "./time.js";
import { ableCarers, axis, blocks, carersOf, colour, place } from "./timeline.js";
import { kpiCards } from "./words.js";

const SVG = "http://www.w3.org/2000/svg";

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "style") Object.assign(node.style, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

/** Colour of each carer: the carer's place in the problem, so it stays put between versions. */
export function colours(problem) {
  return new Map(problem.carers.map((c, i) => [c.id, colour(i)]));
}

export function drawKpis(target, solution) {
  target.replaceChildren(
    ...kpiCards(solution).map((k) =>
      el("li", { "data-kpi": k.key }, el("span", { class: "label" }, k.label), el("span", { class: "value" }, k.value), el("span", { class: "note" }, k.note)),
    ),
  );
}

/** One row per carer with a run (`data-carer-id`), each stop a button (`data-visit-id`); the
 * other carers follow as idle rows so a visit can be dropped on them too. */
export function drawTimeline(target, problem, solution, broken) {
  const used = solution.runs.filter((r) => r.stops.length);
  const carers = new Map(problem.carers.map((c) => [c.id, c]));
  const ax = axis(problem.carers);
  const cols = colours(problem);
  const doubles = new Set(problem.visits.filter((v) => v.carers_required === 2).map((v) => v.id));
  const ticks = el("div", { class: "ticks" }, ...ax.hours.map((h) => el("span", { class: "tick", style: { left: `${place(ax, h * 3600)}%` } }, `${h}`)));
  const rows = [el("div", { class: "axis", "aria-hidden": "true" }, el("span"), ticks)];
  // A row whose run, broken visits and axis are unchanged is reused: after a drag only the rows
  // of the carers involved are built again, which keeps the redraw of a 330-visit day quick.
  const cache = (target.rowCache ||= new Map());
  const fresh = new Map();
  for (const run of used) {
    const sig = JSON.stringify([ax.from, ax.to, run.stops, run.breaks, run.stops.map((st) => broken.has(st.visit_id))]);
    const hit = cache.get(run.carer_id);
    if (hit && hit.sig === sig && hit.problem === problem) {
      rows.push(hit.node);
      fresh.set(run.carer_id, hit);
      continue;
    }
    const carer = carers.get(run.carer_id);
    const c = cols.get(run.carer_id);
    const track = el("div", { class: "track" }, shiftBar(ax, carer));
    for (const b of blocks(run)) {
      const style = { left: `${place(ax, b.from)}%`, width: `${Math.max(place(ax, b.to) - place(ax, b.from), 0.15)}%` };
      if (b.kind !== "visit") { track.append(el("span", { class: `blk ${b.kind}`, style })); continue; }
      const label = `${b.visitId}, ${clock(b.from)} to ${clock(b.to)}, ${run.carer_id}${doubles.has(b.visitId) ? ", double-up" : ""}`;
      track.append(
        el("button", {
          type: "button", class: `stop${doubles.has(b.visitId) ? " double" : ""}${broken.has(b.visitId) ? " broken" : ""}`,
          "data-visit-id": b.visitId, "data-carer": run.carer_id, "aria-label": label, title: label,
          style: { ...style, background: c.fill, borderColor: c.line },
        }, b.visitId),
      );
    }
    const node = el("div", { class: "row run-row", "data-carer-id": run.carer_id },
      el("div", { class: "who", style: { borderLeftColor: c.line } }, `${run.carer_id} `, el("span", { class: "hint" }, `${run.stops.length}`)), track);
    rows.push(node);
    fresh.set(run.carer_id, { sig, problem, node });
  }
  target.rowCache = fresh;
  const busy = new Set(used.map((r) => r.carer_id));
  for (const carer of problem.carers.filter((c) => !busy.has(c.id))) {
    rows.push(el("div", { class: "row idle", "data-carer-id": carer.id },
      el("div", { class: "who" }, `${carer.id} (idle)`), el("div", { class: "track" }, shiftBar(ax, carer))));
  }
  target.replaceChildren(...rows);
  target.dataset.from = ax.from;
  target.dataset.to = ax.to;
}

function shiftBar(ax, carer) {
  const a = place(ax, toSeconds(carer.shift.start));
  return el("span", { class: "shift", style: { left: `${a}%`, width: `${place(ax, toSeconds(carer.shift.end)) - a}%` } });
}

/** The map: the area's outline, then each run's line from the carer's home through its stops
 * and back, in the carer's colour; stops as focusable circles. */
export function drawMap(target, problem, solution, tileUrl) {
  const W = 640, H = 440;
  const visits = new Map(problem.visits.map((v) => [v.id, v]));
  const points = [...problem.visits.map((v) => v.location), ...problem.carers.map((c) => c.start)];
  const { project } = fit(points, W, H, 24);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `Map of ${solution.runs.length} runs` });
  if (tileUrl) {
    const lats = points.map((p) => p.lat), lons = points.map((p) => p.lon);
    const box = { minLat: Math.min(...lats), maxLat: Math.max(...lats), minLon: Math.min(...lons), maxLon: Math.max(...lons) };
    for (const t of tiles(tileUrl, box, project)) root.append(svg("image", { href: t.url, x: t.x, y: t.y, width: t.width, height: t.height }));
  } else {
    const outline = padded(hull(points.map(project)), 14);
    root.append(svg("polygon", { class: "outline", points: outline.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ") }));
  }
  const cols = colours(problem);
  const carers = new Map(problem.carers.map((c) => [c.id, c]));
  for (const run of solution.runs.filter((r) => r.stops.length)) {
    const carer = carers.get(run.carer_id);
    const path = [carer.start, ...run.stops.map((s) => visits.get(s.visit_id).location), carer.end || carer.start].map(project);
    const c = cols.get(run.carer_id).line;
    root.append(svg("polyline", { class: "runline", "data-carer-id": run.carer_id, stroke: c, points: path.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ") }));
    const home = path[0];
    root.append(svg("rect", { class: "home", x: home.x - 4, y: home.y - 4, width: 8, height: 8, stroke: c }));
  }
  for (const run of solution.runs) {
    const c = cols.get(run.carer_id).line;
    for (const stop of run.stops) {
      const p = project(visits.get(stop.visit_id).location);
      const dot = svg("circle", { class: "mapstop", cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: 4.5, fill: c, "data-map-visit-id": stop.visit_id, tabindex: "-1" });
      const title = svg("title");
      title.textContent = `${stop.visit_id} (${run.carer_id})`;
      dot.append(title);
      root.append(dot);
    }
  }
  target.replaceChildren(root);
}

/** Highlights a visit on both views (both halves of a double-up) and shows its facts. */
export function drawSelection(doc, details, problem, solution, visitId, moveForm) {
  doc.querySelectorAll(".stop.selected, .stop.partner").forEach((n) => n.classList.remove("selected", "partner"));
  doc.querySelectorAll(".mapstop.selected").forEach((n) => n.classList.remove("selected"));
  doc.querySelectorAll(".runline").forEach((n) => n.classList.remove("dim"));
  if (!visitId) return;
  const visit = problem.visits.find((v) => v.id === visitId);
  const withCarers = carersOf(solution, visitId);
  doc.querySelectorAll(`.stop[data-visit-id="${visitId}"]`).forEach((n) => n.classList.add("selected"));
  doc.querySelectorAll(`.mapstop[data-map-visit-id="${visitId}"]`).forEach((n) => n.classList.add("selected"));
  doc.querySelectorAll(".runline").forEach((n) => n.classList.toggle("dim", !withCarers.includes(n.dataset.carerId)));
  const un = solution.unassigned.find((u) => u.visit_id === visitId);
  const stops = solution.runs.flatMap((r) => r.stops.filter((s) => s.visit_id === visitId).map((s) => `${r.carer_id} ${clock(toSeconds(s.start))}–${clock(toSeconds(s.end))}`));
  const facts = [
    ["Visit", `${visit.id} (client ${visit.client_id})`],
    ["Window", `${clock(toSeconds(visit.window.start))}–${clock(toSeconds(visit.window.end))} start, ${visit.duration_min} min`],
    ["Skills", visit.skills.length ? visit.skills.join(", ") : "none"],
    ["Carers", stops.length ? stops.join("; ") : un ? `unassigned: ${un.code}` : "none"],
    ["Needs", visit.carers_required === 2 ? "two carers (double-up)" : "one carer"],
    ["Able", ableCarers(problem, visit).join(", ") || "no carer holds its skills"],
  ];
  if (visit.preferred_carers?.length) facts.push(["Preferred", visit.preferred_carers.join(", ")]);
  const list = el("dl", { class: "facts" }, ...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  details.replaceChildren(...[list, moveForm].filter(Boolean));
}

export function drawUnassigned(target, solution) {
  if (!solution.unassigned.length) { target.replaceChildren(el("li", {}, "none: every visit is served")); return; }
  target.replaceChildren(...solution.unassigned.map((u) =>
    el("li", { "data-unassigned-id": u.visit_id }, el("strong", {}, `${u.visit_id} `), el("code", {}, u.code), ` ${u.reason}`)));
}

/** One printed page per carer with a run. */
export function drawSheets(target, problem, solution) {
  const pages = solution.runs.filter((r) => r.stops.length).map((run) => {
    const s = runSheet(problem, solution, run.carer_id);
    const head = el("tr", {}, ...["Time", "Visit", "Client", "Where", "Notes"].map((h) => el("th", { scope: "col" }, h)));
    const body = s.lines.map((l) => el("tr", {}, el("td", {}, l.time), el("td", {}, l.what), el("td", {}, l.client), el("td", {}, l.where), el("td", {}, l.notes)));
    return el("section", { class: "sheet", "data-carer-id": run.carer_id },
      el("h2", {}, `Run sheet: ${s.carerId}, ${problem.date || problem.id}`),
      el("p", {}, `Shift ${s.shift}. Leave ${s.leave}, back ${s.back}; by ${s.travelMode}. ${s.lines.length} entries.`),
      el("table", {}, el("thead", {}, head), el("tbody", {}, ...body)));
  });
  target.replaceChildren(...pages);
}
