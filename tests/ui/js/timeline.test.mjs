import assert from "node:assert/strict";
import { test } from "node:test";
import { ableCarers, axis, blocks, carersOf, colour, insertionIndex, moveVisit, place } from "../../../api/web/js/timeline.js";
import { problem, solution } from "./fixtures.mjs";

test("the axis runs from the earliest shift start to the latest end, whole hours", () => {
  const ax = axis(problem.carers);
  assert.equal(ax.from, 7 * 3600);
  assert.equal(ax.to, 17 * 3600);
  assert.deepEqual(ax.hours, [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
  assert.equal(place(ax, 12 * 3600), 50);
});

test("a run is travel, waiting, visits, breaks and the drive home", () => {
  const got = blocks(solution.runs[0]).map((b) => [b.kind, b.from / 60, b.to / 60, b.visitId]);
  assert.deepEqual(got, [
    ["travel", 470, 475, undefined],
    ["wait", 475, 480, undefined],
    ["visit", 480, 510, "v1"],
    ["travel", 530, 540, undefined],
    ["visit", 540, 585, "v2"],
    ["travel", 605, 620, undefined],
    ["break", 600, 610, undefined],
  ]);
});

test("a dropped visit goes before the first other stop whose middle is later", () => {
  const stops = solution.runs[0].stops;
  assert.equal(insertionIndex(stops, 7 * 3600, "x"), 0);
  assert.equal(insertionIndex(stops, 8.5 * 3600, "x"), 1);
  assert.equal(insertionIndex(stops, 12 * 3600, "x"), 2);
  assert.equal(insertionIndex(stops, 12 * 3600, "v2"), 1, "the dragged visit does not count");
});

test("moving one half of a double-up leaves the other half where it is", () => {
  const runs = moveVisit(solution.runs, "v2", "c2", "c1", 0);
  assert.deepEqual(runs, [{ carer_id: "c1", visit_ids: ["v2", "v1", "v2"] }]);
  const back = moveVisit(solution.runs, "v1", "c1", "c2", 5);
  assert.deepEqual(back, [
    { carer_id: "c1", visit_ids: ["v2"] },
    { carer_id: "c2", visit_ids: ["v2", "v1"] },
  ]);
  assert.throws(() => moveVisit(solution.runs, "v1", "c2", "c1", 0), /not in c2/);
});

test("a visit's carers are both halves of a double-up", () => {
  assert.deepEqual(carersOf(solution, "v2"), ["c1", "c2"]);
  assert.deepEqual(carersOf(solution, "v1"), ["c1"]);
});

test("colours differ between neighbouring runs", () => {
  const seen = new Set(Array.from({ length: 12 }, (_, i) => colour(i).line));
  assert.equal(seen.size, 12);
});

test("able carers hold every skill, are not excluded and match the gender asked for", () => {
  assert.deepEqual(ableCarers(problem, problem.visits[0]), ["c1"]);
  assert.deepEqual(ableCarers(problem, problem.visits[1]), ["c1", "c2"]);
  assert.deepEqual(ableCarers(problem, { ...problem.visits[1], excluded_carers: ["c2"] }), ["c1"]);
  const women = { ...problem, carers: problem.carers.map((c, i) => ({ ...c, gender: i ? "female" : "male" })) };
  assert.deepEqual(ableCarers(women, { ...problem.visits[1], carer_gender: "female" }), ["c2"]);
});
