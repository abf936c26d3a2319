import assert from "node:assert/strict";
import { test } from "node:test";
import { CSV_COLUMNS, runSheet, stopsCsv } from "../../../api/web/js/handout.js";
import { problem, solution } from "./fixtures.mjs";

test("the CSV has a header and one line per stop, quoted where needed", () => {
  const lines = stopsCsv(problem, solution).split("\r\n");
  assert.equal(lines[0], CSV_COLUMNS.join(","));
  assert.equal(lines.length, 1 + 3 + 1, "three stops and the final line end");
  assert.equal(lines[1], "c1,1,v1,cl1,07:55:00,08:00:00,08:30:00,5,5,51.02,-2.01,hoist,");
  assert.equal(lines[2], 'c1,2,v2,"cl2, Flat ""B""",09:00:00,09:00:00,09:45:00,10,0,51.05,-2.1,,c2');
  assert.match(lines[3], /^c2,1,v2,.*,c1$/);
});

test("a run sheet lists visits and breaks in time order, with notes", () => {
  const sheet = runSheet(problem, solution, "c1");
  assert.equal(sheet.shift, "07:00–14:00");
  assert.deepEqual(sheet.lines.map((l) => l.what), ["v1", "v2", "break"]);
  assert.equal(sheet.lines[0].notes, "skills: hoist; critical");
  assert.equal(sheet.lines[1].notes, "double-up with c2");
  assert.equal(sheet.lines[2].time, "10:00–10:10");
});
