// The offline map: an equirectangular projection fitted to the day's points, the outline of the
// area (a convex hull: enough to see where the runs are without any tile server), and where a
// configured tile server's tiles fall in the same projection.

/** A projection of lat/lon onto a width x height box with a margin, the same scale on both axes
 * (a degree of longitude shrunk by cos(latitude), so a round town stays round). */
export function fit(points, width, height, margin = 16) {
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const minLat = Math.min(...lats), maxLat = Math.max(...lats);
  const minLon = Math.min(...lons), maxLon = Math.max(...lons);
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const spanX = Math.max((maxLon - minLon) * k, 1e-9);
  const spanY = Math.max(maxLat - minLat, 1e-9);
  const scale = Math.min((width - 2 * margin) / spanX, (height - 2 * margin) / spanY);
  const offX = (width - spanX * scale) / 2;
  const offY = (height - spanY * scale) / 2;
  const project = (p) => ({
    x: offX + (p.lon - minLon) * k * scale,
    y: offY + (maxLat - p.lat) * scale,
  });
  const invert = (x, y) => ({
    lat: maxLat - (y - offY) / scale,
    lon: minLon + (x - offX) / (k * scale),
  });
  return { project, invert, scale };
}

/** Convex hull of {x, y} points (Andrew's monotone chain), counter-clockwise on screen axes. */
export function hull(points) {
  const pts = [...new Map(points.map((p) => [`${p.x},${p.y}`, p])).values()].sort(
    (a, b) => a.x - b.x || a.y - b.y,
  );
  if (pts.length < 3) return pts;
  const cross = (o, a, b) => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
  const half = (list) => {
    const out = [];
    for (const p of list) {
      while (out.length >= 2 && cross(out[out.length - 2], out[out.length - 1], p) <= 0) out.pop();
      out.push(p);
    }
    out.pop();
    return out;
  };
  return [...half(pts), ...half([...pts].reverse())];
}

/** The outline pushed out by `pad` pixels from its centre, so edge visits are not on the line. */
export function padded(outline, pad) {
  if (outline.length === 0) return outline;
  const cx = outline.reduce((s, p) => s + p.x, 0) / outline.length;
  const cy = outline.reduce((s, p) => s + p.y, 0) / outline.length;
  return outline.map((p) => {
    const d = Math.hypot(p.x - cx, p.y - cy) || 1;
    return { x: p.x + ((p.x - cx) / d) * pad, y: p.y + ((p.y - cy) / d) * pad };
  });
}

function tileLat(y, z) {
  const n = Math.PI - (2 * Math.PI * y) / 2 ** z;
  return (180 / Math.PI) * Math.atan(Math.sinh(n));
}

/** Slippy-map tiles covering the box, each with the URL from `template` ({z}/{x}/{y}) and
 * its corners placed by `project`. The zoom is the largest at which at most `maxTiles` fit. */
export function tiles(template, box, project, maxTiles = 36) {
  const { minLat, maxLat, minLon, maxLon } = box;
  for (let z = 18; z >= 1; z--) {
    const n = 2 ** z;
    const tx = (lon) => Math.floor(((lon + 180) / 360) * n);
    const ty = (lat) => {
      const r = (lat * Math.PI) / 180;
      return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
    };
    const [x0, x1, y0, y1] = [tx(minLon), tx(maxLon), ty(maxLat), ty(minLat)];
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > maxTiles) continue;
    const out = [];
    for (let x = x0; x <= x1; x++) {
      for (let y = y0; y <= y1; y++) {
        const a = project({ lat: tileLat(y, z), lon: (x / n) * 360 - 180 });
        const b = project({ lat: tileLat(y + 1, z), lon: ((x + 1) / n) * 360 - 180 });
        const url = template.replace("{z}", z).replace("{x}", x).replace("{y}", y);
        out.push({ url, x: a.x, y: a.y, width: b.x - a.x, height: b.y - a.y });
      }
    }
    return out;
  }
  return [];
}
