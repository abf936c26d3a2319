"""The simulator's outputs: table (CSV, JSON, printed), PNG charts, GeoJSON, report.html.

``report.html`` is self-contained (no CDN, no network): the map is inline SVG, the charts are
embedded PNGs, the table is plain HTML. The ONS attribution travels with every output that is
drawn from the LSOA centroids.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import sys
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from solver.generate.day import ATTRIBUTION
from solver.provenance import machine_info, versions
from solver.simulate.zones import zones_geojson

if TYPE_CHECKING:
    from solver.simulate.config import Outcome, SimConfig
    from solver.simulate.execution import Spec

COLUMNS = (
    ("design", "design", "{}"),
    ("m", "m", "{}"),
    ("zones", "zones", "{}"),
    ("carers", "carers needed", "{:.0f}"),
    ("visits", "visits", "{:.0f}"),
    ("unserved", "unserved", "{:.0f}"),
    ("critical_unserved", "critical unserved", "{:.0f}"),
    ("care_h", "care h", "{:.1f}"),
    ("travel_h", "travel h", "{:.1f}"),
    ("travel_min_per_care_h", "travel min / care h", "{:.2f}"),
    ("all_travel_min_per_care_h", "incl. commute min / care h", "{:.2f}"),
    ("travel_share_of_paid", "travel share of paid", "{:.3f}"),
    ("miles", "miles", "{:.0f}"),
    ("paid_h", "paid h", "{:.1f}"),
    ("cost_gbp", "cost £", "{:.0f}"),
    ("cost_per_care_h_gbp", "cost £ / care h", "{:.2f}"),
    ("margin_per_care_h_gbp", "fee margin £ / care h", "{:.2f}"),
)
PALETTE = (
    "#8dd3c7",
    "#ffffb3",
    "#bebada",
    "#fb8072",
    "#80b1d3",
    "#fdb462",
    "#b3de69",
    "#fccde5",
    "#d9d9d9",
    "#bc80bd",
)


def cell(key: str, value: Any) -> str:
    fmt = next(f for k, _, f in COLUMNS if k == key)
    return fmt.format(value)


def rich_table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    for _, label, _ in COLUMNS:
        table.add_column(label, justify="left" if label == "design" else "right")
    for row in rows:
        table.add_row(*(cell(k, row[k]) for k, _, _ in COLUMNS))
    return table


def _rounded(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()} for row in rows]


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["design"])
        writer.writeheader()
        writer.writerows(_rounded(rows))


def _meta(config: SimConfig, outcome: Outcome) -> dict[str, Any]:
    return {
        "command": " ".join(["carerun", *sys.argv[1:]]) if sys.argv and "carerun" in sys.argv[0] else None,
        "designs": config.designs,
        "providers": config.providers,
        "days": config.days,
        "seed": config.seed,
        "scale": config.scale if config.demand is None else None,
        "demand": str(config.demand)
        if config.demand is not None
        else "synthetic Wiltshire (solver.generate.day)",
        "settings": asdict(config.settings),
        "rates": asdict(config.rates),
        "tasks": len(outcome.results),
        "computed": len(outcome.computed),
        "cached": len(outcome.cached),
        "wall_s": round(outcome.wall_s, 1),
        "loadavg_before": outcome.load_before,
        "loadavg_after": outcome.load_after,
        "executor": config.scheduler or f"local process pool ({config.workers or 'all'} workers)",
        "machine": {**machine_info(), "python": sys.version.split()[0]},
        "versions": versions(("ortools", "numpy", "shapely", "scipy", "matplotlib", "distributed")),
        "violations": sum(len(r["violations"]) for r in outcome.results.values()),
        "time_limited_tasks": sorted(
            f"{r['design']} m={r['m']} {r['zone']} p{r['provider']} d{r['day']}"
            for r in outcome.results.values()
            if r.get("time_capped")
        ),
        "construction_plan_tasks": sum(
            1 for r in outcome.results.values() if r["solution"]["solver"]["engine"] == "construction"
        ),
        "target_missed_tasks": sum(1 for r in outcome.results.values() if not r.get("met_target", True)),
        "attribution": ATTRIBUTION,
    }


def runs_geojson(outcome: Outcome, specs: list[Spec]) -> dict[str, Any]:
    """One LineString per carer run: home, each visit in order, home ([lon, lat])."""
    from solver.simulate.execution import task_key

    features = []
    for spec in specs:
        result = outcome.results[task_key(spec)]
        problem = result["problem"]
        visits = {v["id"]: v["location"] for v in problem["visits"]}
        carers = {c["id"]: c for c in problem["carers"]}
        for run in result["solution"]["runs"]:
            home = carers[run["carer_id"]]["start"]
            points = [home, *(visits[s["visit_id"]] for s in run["stops"]), home]
            features.append(
                {
                    "type": "Feature",
                    "properties": {k: spec[k] for k in ("design", "m", "zone", "provider", "day")}
                    | {"carer": run["carer_id"], "visits": len(run["stops"])},
                    "geometry": {"type": "LineString", "coordinates": [[p["lon"], p["lat"]] for p in points]},
                }
            )
    return {"type": "FeatureCollection", "features": features, "attribution": ATTRIBUTION}


def charts(rows: list[dict[str, Any]], providers: list[int]) -> dict[str, bytes]:
    """Grouped bar charts by design and m, as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    designs = list(dict.fromkeys(r["design"] for r in rows))
    out: dict[str, bytes] = {}
    for key, label, name in (
        ("travel_min_per_care_h", "travel minutes per care hour", "travel_per_care_hour.png"),
        ("carers", "carers needed", "carers_needed.png"),
    ):
        fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
        width = 0.8 / max(1, len(providers))
        for i, m in enumerate(providers):
            values = [next((r[key] for r in rows if r["design"] == d and r["m"] == m), 0.0) for d in designs]
            xs = [j + (i - (len(providers) - 1) / 2) * width for j in range(len(designs))]
            ax.bar(xs, values, width, label=f"m = {m}")
        ax.set_xticks(range(len(designs)), designs)
        ax.set_ylabel(label)
        ax.set_title(f"{label} by zone design and providers per zone (m)")
        ax.legend()
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None})
        plt.close(fig)
        out[name] = buffer.getvalue()
    return out


def _rings(geometry: BaseGeometry) -> list[list[tuple[float, float]]]:
    polygons = list(geometry.geoms) if isinstance(geometry, MultiPolygon) else [geometry]
    return [list(p.exterior.coords) for p in polygons if isinstance(p, Polygon) and not p.is_empty]


def svg_map(outcome: Outcome, specs: list[Spec], design_name: str, m: int, size: int = 520) -> str:
    """Zones filled by colour, day-0 runs of ``m`` providers per zone as thin lines."""
    from solver.simulate.execution import task_key

    design = next(d for d in outcome.designs if d.name == design_name)
    rings = {z: _rings(design.polygons[z]) for z in design.zones}
    points = [p for rs in rings.values() for r in rs for p in r]
    if not points:
        return ""
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    x0, x1, y0, y1 = min(lons), max(lons), min(lats), max(lats)
    kx = 0.63  # cos(51.3°): keep the map's aspect true at Wiltshire's latitude
    scale = size / max((x1 - x0) * kx, y1 - y0, 1e-9)

    def xy(lon: float, lat: float) -> str:
        return f"{(lon - x0) * kx * scale:.1f},{(y1 - lat) * scale:.1f}"

    parts = []
    for i, zone in enumerate(design.zones):
        for ring in rings[zone]:
            path = " ".join(xy(a, b) for a, b in ring)
            fill = PALETTE[i % len(PALETTE)]
            parts.append(
                f'<polygon points="{path}" fill="{fill}" stroke="#555" stroke-width="0.6">'
                f"<title>{html.escape(zone)}</title></polygon>"
            )
    for spec in specs:
        if spec["design"] != design_name or spec["m"] != m or spec["day"] != 0:
            continue
        result = outcome.results[task_key(spec)]
        visits = {v["id"]: v["location"] for v in result["problem"]["visits"]}
        for run in result["solution"]["runs"]:
            line = " ".join(
                xy(visits[s["visit_id"]]["lon"], visits[s["visit_id"]]["lat"]) for s in run["stops"]
            )
            parts.append(
                f'<polyline points="{line}" fill="none" stroke="#1f3b73" stroke-width="0.5" opacity="0.6"/>'
            )
    width, height = (x1 - x0) * kx * scale, (y1 - y0) * scale
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}">{"".join(parts)}</svg>'
    )


def report_html(config: SimConfig, outcome: Outcome, specs: list[Spec], pngs: dict[str, bytes]) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label, _ in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell(k, row[k]))}</td>" for k, _, _ in COLUMNS) + "</tr>"
        for row in outcome.rows
    )
    images = "".join(
        f'<img alt="{name}" src="data:image/png;base64,{base64.b64encode(data).decode()}"/>'
        for name, data in pngs.items()
    )
    m = min(config.providers)
    maps = "".join(
        f"<figure>{svg_map(outcome, specs, d.name, m)}<figcaption>{html.escape(d.name)}: zones and "
        f"day-1 runs, m = {m}</figcaption></figure>"
        for d in outcome.designs
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>carerun zone simulation</title>
<style>body{{font-family:sans-serif;margin:1.5em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}figure{{display:inline-block;margin:0.5em}}
img{{max-width:48%;margin:0.3em}}</style></head><body>
<h1>Zone designs compared</h1>
<p>Seed {config.seed}, {config.days} day(s), providers per zone {", ".join(map(str, config.providers))};
wall time {outcome.wall_s:.0f} s. Travel is between visits (paid time); the commute is not paid.</p>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<h2>Charts</h2>{images}
<h2>Maps</h2>{maps}
<p><small>{html.escape(ATTRIBUTION)}</small></p>
</body></html>
"""


def write_outputs(config: SimConfig, outcome: Outcome, specs: list[Spec]) -> None:
    out = config.out
    _write_csv(out / "table.csv", outcome.rows)
    _write_csv(out / "zones.csv", outcome.zone_rows)
    document = {
        "meta": _meta(config, outcome),
        "rows": _rounded(outcome.rows),
        "zones": _rounded(outcome.zone_rows),
    }
    (out / "table.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    pngs = charts(outcome.rows, config.providers)
    for name, data in pngs.items():
        (out / name).write_bytes(data)
    zones = zones_geojson(outcome.designs) | {"attribution": ATTRIBUTION}
    (out / "zones.geojson").write_text(json.dumps(zones) + "\n", encoding="utf-8")
    (out / "runs.geojson").write_text(json.dumps(runs_geojson(outcome, specs)) + "\n", encoding="utf-8")
    (out / "report.html").write_text(report_html(config, outcome, specs, pngs), encoding="utf-8")
