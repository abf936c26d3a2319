import assert from "node:assert/strict";
import { test } from "node:test";
import { fit, hull, padded, tiles } from "../../../api/web/js/geo.js";

const pts = [{ lat: 51, lon: -2 }, { lat: 51.2, lon: -2 }, { lat: 51, lon: -1.6 }, { lat: 51.1, lon: -1.9 }];

test("the projection keeps every point inside the box and north up", () => {
  const { project, invert } = fit(pts, 400, 300, 10);
  for (const p of pts.map(project)) {
    assert.ok(p.x >= 9.99 && p.x <= 390.01 && p.y >= 9.99 && p.y <= 290.01, JSON.stringify(p));
  }
  assert.ok(project(pts[1]).y < project(pts[0]).y, "north is up");
  assert.ok(project(pts[2]).x > project(pts[0]).x, "east is right");
  const back = invert(project(pts[3]).x, project(pts[3]).y);
  assert.ok(Math.abs(back.lat - 51.1) < 1e-9 && Math.abs(back.lon + 1.9) < 1e-9);
});

test("a degree of longitude is shrunk by the cosine of the latitude", () => {
  const { project } = fit([{ lat: 60, lon: 0 }, { lat: 60.5, lon: 1 }], 1000, 1000, 0);
  const dx = project({ lat: 60, lon: 1 }).x - project({ lat: 60, lon: 0 }).x;
  const dy = project({ lat: 60, lon: 0 }).y - project({ lat: 61, lon: 0 }).y;
  assert.ok(Math.abs(dx / dy - Math.cos((60.25 * Math.PI) / 180)) < 1e-9);
});

test("the hull is the outer points only, and padding pushes it out", () => {
  const sq = [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 10 }, { x: 0, y: 10 }, { x: 5, y: 5 }, { x: 5, y: 5 }];
  const h = hull(sq);
  assert.equal(h.length, 4);
  assert.ok(!h.some((p) => p.x === 5));
  const out = padded(h, 2);
  assert.ok(out.every((p, i) => Math.hypot(p.x - 5, p.y - 5) > Math.hypot(h[i].x - 5, h[i].y - 5)));
  assert.deepEqual(hull([{ x: 1, y: 1 }]), [{ x: 1, y: 1 }]);
});

test("tiles cover the box at the largest zoom that fits, urls filled in", () => {
  const { project } = fit(pts, 400, 300);
  const box = { minLat: 51, maxLat: 51.2, minLon: -2, maxLon: -1.6 };
  const t = tiles("https://t/{z}/{x}/{y}.png", box, project, 9);
  assert.ok(t.length > 0 && t.length <= 9);
  assert.match(t[0].url, /^https:\/\/t\/\d+\/\d+\/\d+\.png$/);
  assert.ok(t.every((x) => x.width > 0 && x.height > 0));
});
