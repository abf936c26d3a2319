import assert from "node:assert/strict";
import { test } from "node:test";
import { describeChange, describeViolation, fieldErrors, kpiCards, kpiDeltas, progress } from "../../../api/web/js/words.js";
import { problem, solution } from "./fixtures.mjs";

test("KPI cards show served, double-ups, travel, paid hours, cost and flags", () => {
  const runs = solution.runs.map((r, i) => ({ ...r, pay: { paid_s: 3600 * (i + 1), flags: i ? ["BELOW_NLW"] : [] } }));
  const cards = Object.fromEntries(kpiCards({ ...solution, runs }).map((c) => [c.key, c.value]));
  assert.deepEqual(cards, { served: "2 / 2", double_ups: "1 / 1", travel: "25.0", paid: "3.0", cost: "£30.50", flags: "1" });
});

test("broken rules read as sentences", () => {
  const late = { ...solution, runs: [{ ...solution.runs[0], stops: [{ ...solution.runs[0].stops[0], start: "08:44:00" }] }] };
  assert.equal(describeViolation({ rule: "window", message: "x", carer_id: "c1", visit_id: "v1" }, problem, late), "late at v1 by 14 min (c1)");
  assert.equal(
    describeViolation({ rule: "skill", message: "carer lacks skill(s) 'hoist'", carer_id: "c2", visit_id: "v1" }, problem, solution),
    "missing skill at v1: c2 does not hold hoist",
  );
  assert.match(describeViolation({ rule: "double_up", message: "copies start at different times", visit_id: "v2" }, problem, solution), /^double-up v2 no longer synchronised/);
  assert.equal(describeViolation({ rule: "max_visits", message: "19 visits, max 18", carer_id: "c1" }, problem, solution), "max visits (c1): 19 visits, max 18");
});

test("KPI deltas say which way is better", () => {
  const after = { ...solution.kpis, travel_s: 3600, visits_assigned: 1, cost_per_care_hour: 30.5 };
  assert.deepEqual(kpiDeltas(solution.kpis, after), [
    { key: "visits_assigned", text: "visits served −1", better: false },
    { key: "travel_s", text: "travel min +10", better: false },
  ]);
});

test("the change list says who moved, to whom and by how much", () => {
  assert.equal(describeChange({ visit_id: "v1", from_carer: "c3", to_carer: "c5", from_start: "10:15:00", to_start: "10:40:00" }), "v1 moved c3 → c5, 10:15 → 10:40 (+25 min)");
  assert.equal(describeChange({ visit_id: "v1", from_carer: "c3", to_carer: "c3", from_start: "10:15:00", to_start: "10:05:00" }), "v1 stays with c3, 10:15 → 10:05 (−10 min)");
  assert.equal(describeChange({ visit_id: "v9", from_carer: null, to_carer: "c2", from_start: null, to_start: "11:00:00" }), "v9 added: c2 at 11:00");
  assert.equal(describeChange({ visit_id: "v4", from_carer: "c1", to_carer: null, from_start: "09:00:00", to_start: null }), "v4 dropped: was c1 at 09:00");
});

test("field errors read as the API names them", () => {
  assert.deepEqual(fieldErrors({ title: "Invalid problem", errors: [{ path: "visits[3].window", message: "end before start" }, { path: "", message: "whole" }] }), ["visits[3].window: end before start", "whole"]);
  assert.deepEqual(fieldErrors({ title: "Unauthorized", detail: "unknown key" }), ["unknown key"]);
});

test("progress of a solving job is its share of the time limit", () => {
  const job = { status: "solving", updated_at: "2026-11-26T10:00:00Z", time_limit_s: 10 };
  assert.deepEqual(progress(job, Date.parse("2026-11-26T10:00:04Z")), { percent: 40, left_s: 6 });
  assert.deepEqual(progress({ ...job, status: "solved" }, 0), { percent: 100, left_s: null });
});
