import assert from "node:assert/strict";
import { test } from "node:test";
import { keptEntry, versionEntries, versionName } from "../../../api/web/js/versions.js";
import { problem, solution } from "./fixtures.mjs";

test("version 1 takes the job's own documents; kept ones are read later", () => {
  const listed = [{ number: 1, label: "optimised", violations: 0 }, { number: 2, label: "moved v1", violations: 1 }];
  const entries = versionEntries(listed, { problem, solution });
  assert.deepEqual(entries.map((v) => v.number), [1, 2]);
  assert.equal(entries[0].solution, solution);
  assert.equal(entries[1].solution, null);
  assert.equal(listed[1].solution, undefined, "the server's list is not changed");
});

test("a job listed without a plan of its own still shows v1", () => {
  const entries = versionEntries([{ number: 2, label: "kept", violations: 0 }], { problem, solution });
  assert.deepEqual(entries.map((v) => [v.number, v.label]), [[1, "optimised"], [2, "kept"]]);
});

test("the menu names broken rules only when there are some", () => {
  assert.equal(versionName({ number: 1, label: "optimised", violations: 0 }), "v1 optimised");
  assert.equal(versionName({ number: 3, label: "moved v2", violations: 1 }), "v3 moved v2 (1 broken rule)");
  assert.equal(versionName({ number: 4, label: "x", violations: 2 }), "v4 x (2 broken rules)");
});

test("a kept version carries the server's number and the documents sent", () => {
  const kept = keptEntry({ number: 5, label: "l", violations: 0, created_at: "t" }, { label: "l", problem, solution });
  assert.deepEqual([kept.number, kept.problem, kept.solution], [5, problem, solution]);
});
