"""The simulator's outputs: tables (CSV, JSON, printed), PNG charts, GeoJSON, report.html.

``report.html`` is one self-contained file a council could publish: assumptions and caveats
first, then the comparison with 90% intervals and paired differences, the per-zone table,
charts, and a map per design and m shaded by one figure, with a legend and zone labels. No CDN,
no network: maps are inline SVG, charts embedded PNGs. The ONS attribution travels with every
output drawn from the LSOA centroids.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from solver.generate.day import ATTRIBUTION
from solver.provenance import machine_info, versions
from solver.simulate.execution import MAPPED_REPLICATE
from solver.simulate.zones import CELL_DISC, OUTLINE_MARGIN_KM, county_outline, zones_geojson

if TYPE_CHECKING:
    from solver.simulate.config import Outcome, SimConfig

Task = dict[str, Any]
COLUMNS = (
    ("design", "design", "{}"),
    ("m", "m", "{}"),
    ("zones", "zones", "{:.0f}"),
    ("carers", "carers used", "{:.0f}"),
    ("visits", "visits", "{:.0f}"),
    ("unserved", "unserved", "{:.1f}"),
    ("critical_unserved", "critical unserved", "{:.1f}"),
    ("care_h", "care h", "{:.1f}"),
    ("travel_h", "travel between visits h", "{:.1f}"),
    ("all_travel_h", "travel incl. commute h", "{:.1f}"),
    ("travel_min_per_care_h", "travel min / care h", "{:.2f}"),
    ("all_travel_min_per_care_h", "incl. commute min / care h", "{:.2f}"),
    ("waiting_h", "paid waiting h", "{:.1f}"),
    ("paid_h", "paid h", "{:.1f}"),
    ("paid_h_per_carer", "paid h / carer", "{:.2f}"),
    ("miles", "miles", "{:.0f}"),
    ("cost_gbp", "cost £", "{:.0f}"),
    ("cost_per_care_h_gbp", "cost £ / care h", "{:.2f}"),
    ("fee_less_cost_per_care_h_gbp", "fee less cost £ / care h", "{:.2f}"),
)
ZONE_COLUMNS = (
    ("design", "design", "{}"),
    ("m", "m", "{}"),
    ("zone", "zone", "{}"),
    ("providers", "providers", "{:.0f}"),
    ("carers", "carers used", "{:.1f}"),
    ("visits", "visits", "{:.1f}"),
    ("unserved", "unserved", "{:.1f}"),
    ("care_h", "care h", "{:.1f}"),
    ("travel_min_per_care_h", "travel min / care h", "{:.2f}"),
    ("all_travel_min_per_care_h", "incl. commute min / care h", "{:.2f}"),
    ("waiting_min_per_care_h", "waiting min / care h", "{:.1f}"),
    ("cost_per_care_h_gbp", "cost £ / care h", "{:.2f}"),
)
HEADLINE = ("travel_min_per_care_h", "all_travel_min_per_care_h", "carers", "unserved", "cost_per_care_h_gbp")
MAP_KPIS = tuple(k for k, _, _ in ZONE_COLUMNS[4:])  # the zone figures a map can be shaded by
COST_PARTS = (
    ("cost_care_gbp", "care (wage)", "#4c72b0"),
    ("cost_travel_gbp", "travel (wage)", "#dd8452"),
    ("cost_waiting_gbp", "waiting (wage)", "#c44e52"),
    ("cost_mileage_gbp", "mileage", "#8172b3"),
    ("cost_on_costs_gbp", "on-costs", "#937860"),
)
RAMP = ((255, 247, 236), (127, 0, 0))  # light to dark: more of the mapped figure is darker


def _fmt(fmt: str, value: Any) -> str:
    return "" if value is None else fmt.format(value)


def cell(row: dict[str, Any], key: str, columns: tuple[tuple[str, str, str], ...] = COLUMNS) -> str:
    """``mean [lo, hi]`` where the row has an interval for ``key``, else the value."""
    fmt = next(f for k, _, f in columns if k == key)
    lo, hi = row.get(f"{key}_lo"), row.get(f"{key}_hi")
    text = _fmt(fmt, row[key])
    if lo is not None and hi is not None and hi - lo > 1e-9:
        text += f" [{_fmt(fmt, lo)}, {_fmt(fmt, hi)}]"
    return text


def rich_table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=f"{title}; mean [90% interval] over replicate days")
    for _, label, _ in COLUMNS:
        table.add_column(label, justify="left" if label == "design" else "right")
    for row in rows:
        table.add_row(*(cell(row, k) for k, _, _ in COLUMNS))
    return table


def _rounded(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()} for row in rows]


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["design"])
        writer.writeheader()
        writer.writerows(_rounded(rows))


def _meta(config: SimConfig, outcome: Outcome) -> dict[str, Any]:
    solving = sum(r["wall_s"] for r in outcome.results.values())
    return {
        "command": " ".join(["carerun", *sys.argv[1:]]) if sys.argv and "carerun" in sys.argv[0] else None,
        "designs": config.designs,
        "providers": config.providers,
        "replicates": config.replicates,
        "seed": config.seed,
        "zone_seed": config.zone_seed,
        "scale": config.scale if config.demand is None else None,
        "demand": str(config.demand)
        if config.demand is not None
        else "synthetic Wiltshire (solver.generate.day)",
        "settings": asdict(config.settings),
        "rates": asdict(config.rates),
        "interval": "90% Student t interval of the mean over replicate days; differences paired by day",
        "tasks": len(outcome.results),
        "computed": len(outcome.computed),
        "cached": len(outcome.cached),
        "wall_s": round(outcome.wall_s, 1),
        "wall_s_per_replicate": round(outcome.wall_s / max(1, config.replicates), 1),
        "solving_s_per_replicate": round(solving / max(1, config.replicates), 1),
        "loadavg_before": outcome.load_before,
        "loadavg_after": outcome.load_after,
        "executor": config.scheduler or f"local process pool ({config.workers or 'all'} workers)",
        "machine": {**machine_info(), "python": sys.version.split()[0]},
        "versions": versions(("ortools", "numpy", "numba", "shapely", "scipy", "matplotlib", "distributed")),
        "violations": sum(len(r["violations"]) for r in outcome.results.values()),
        "time_limited_tasks": sorted(
            f"{r['design']} m={r['m']} {r['zone']} p{r['provider']} r{r['replicate']}"
            for r in outcome.results.values()
            if r.get("time_capped")
        ),
        "decomposed_tasks": sum(
            1 for r in outcome.results.values() if any("decomposed" in n for n in r["notes"])
        ),
        "target_missed_tasks": sum(1 for r in outcome.results.values() if not r.get("met_target", True)),
        "attribution": ATTRIBUTION,
    }


def runs_geojson(outcome: Outcome, tasks: list[Task]) -> dict[str, Any]:
    """One LineString per carer run of replicate 0: home, each visit in order, home ([lon, lat])."""
    features = []
    for task in tasks:
        if task["replicate"] != MAPPED_REPLICATE:
            continue
        for run in outcome.results[task["key"]]["runs"]:
            features.append(
                {
                    "type": "Feature",
                    "properties": {k: task[k] for k in ("design", "m", "zone", "provider", "replicate")}
                    | {"carer": run["carer"], "visits": run["visits"]},
                    "geometry": {"type": "LineString", "coordinates": run["line"]},
                }
            )
    return {"type": "FeatureCollection", "features": features, "attribution": ATTRIBUTION}


def _png(fig: Any) -> bytes:
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _bars(ax: Any, rows: list[dict[str, Any]], key: str, providers: list[int]) -> None:
    """Grouped bars by design and m, with the 90% interval as an error bar."""
    designs = list(dict.fromkeys(r["design"] for r in rows))
    width = 0.8 / max(1, len(providers))
    for i, m in enumerate(providers):
        picked = [next((r for r in rows if r["design"] == d and r["m"] == m), None) for d in designs]
        values = [r[key] if r else 0.0 for r in picked]
        errors = [
            [r[key] - r[f"{key}_lo"] if r and r.get(f"{key}_lo") is not None else 0.0 for r in picked],
            [r[f"{key}_hi"] - r[key] if r and r.get(f"{key}_hi") is not None else 0.0 for r in picked],
        ]
        xs = [j + (i - (len(providers) - 1) / 2) * width for j in range(len(designs))]
        ax.bar(xs, values, width, yerr=errors, capsize=3, label=f"m = {m}")
    ax.set_xticks(range(len(designs)), designs)
    ax.legend(fontsize=8)


def charts(rows: list[dict[str, Any]], providers: list[int]) -> dict[str, bytes]:
    """Bar charts by design and m (90% intervals as error bars), and the cost split, as PNGs."""
    # Figures without pyplot: no GUI backend to choose, nothing to close, less to import.
    from matplotlib.figure import Figure

    out: dict[str, bytes] = {}
    for key, label, name in (
        ("travel_min_per_care_h", "travel between visits, min per care hour", "travel_per_care_hour.png"),
        (
            "all_travel_min_per_care_h",
            "travel incl. commute, min per care hour",
            "all_travel_per_care_hour.png",
        ),
        ("carers", "carers used", "carers_used.png"),
        ("unserved", "unserved visits", "unserved.png"),
        ("paid_h_per_carer", "paid hours per carer", "paid_hours_per_carer.png"),
        ("care_h_per_carer", "care hours per carer", "care_hours_per_carer.png"),
    ):
        fig = Figure(figsize=(7, 3.4), dpi=100)
        ax = fig.subplots()
        _bars(ax, rows, key, providers)
        ax.set_ylabel(label, fontsize=8)
        ax.set_title(f"{label} (mean, 90% interval)", fontsize=10)
        out[name] = _png(fig)
    fig = Figure(figsize=(7, 3.6), dpi=100)
    ax = fig.subplots()
    labels = [f"{r['design']}\nm={r['m']}" for r in rows]
    bottom = [0.0] * len(rows)
    for key, label, colour in COST_PARTS:
        values = [r[key] / r["care_h"] if r["care_h"] else 0.0 for r in rows]
        ax.bar(range(len(rows)), values, 0.6, bottom=bottom, label=label, color=colour)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(range(len(rows)), labels, fontsize=7)
    ax.set_ylabel("£ per care hour (mean)", fontsize=8)
    ax.set_title("cost per care hour, split by what it pays for", fontsize=10)
    ax.legend(fontsize=7, ncol=3)
    out["cost_split.png"] = _png(fig)
    return out


def _rings(geometry: BaseGeometry) -> list[list[tuple[float, float]]]:
    polygons = list(geometry.geoms) if isinstance(geometry, MultiPolygon) else [geometry]
    return [list(p.exterior.coords) for p in polygons if isinstance(p, Polygon) and not p.is_empty]


def _shade(value: float, low: float, high: float) -> str:
    share = 0.0 if high <= low else min(1.0, max(0.0, (value - low) / (high - low)))
    rgb = [round(a + (b - a) * share) for a, b in zip(*RAMP, strict=True)]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


class _Frame:
    """Lon/lat to SVG pixels over the county outline, keeping the aspect at 51.3 degrees north."""

    KX = 0.63  # cos(51.3°)

    def __init__(self, outline: BaseGeometry, size: int) -> None:
        self.x0, self.y0, x1, self.y1 = outline.bounds
        self.scale = size / max((x1 - self.x0) * self.KX, self.y1 - self.y0, 1e-9)
        self.width = (x1 - self.x0) * self.KX * self.scale
        self.height = (self.y1 - self.y0) * self.scale

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.x0) * self.KX * self.scale, (self.y1 - lat) * self.scale

    def points(self, ring: Iterable[Sequence[float]]) -> str:
        return " ".join("{:.1f},{:.1f}".format(*self.xy(a, b)) for a, b in ring)


def svg_map(
    outcome: Outcome,
    tasks: list[Task],
    design_name: str,
    m: int,
    kpi: str,
    span: tuple[float, float],
    size: int = 460,
) -> str:
    """Zones shaded by ``kpi`` (mean over replicates) on a shared scale ``span``, each labelled with
    its name and value, the county outline, replicate 0's runs as thin lines, and a legend."""
    design = next(d for d in outcome.designs if d.name == design_name)
    outline = county_outline()
    frame = _Frame(outline, size)
    values = {r["zone"]: r[kpi] for r in outcome.zone_rows if r["design"] == design_name and r["m"] == m}
    parts = []
    for zone in design.zones:
        value = values.get(zone)
        fill = _shade(value, *span) if value is not None else "#eeeeee"
        shown = f"{value:.1f}" if value is not None else "no clients"
        for ring in _rings(design.polygons[zone]):
            parts.append(
                f'<polygon points="{frame.points(ring)}" fill="{fill}" stroke="#666" stroke-width="0.5">'
                f"<title>{html.escape(zone)}: {shown}</title></polygon>"
            )
    for task in tasks:
        if (task["design"], task["m"], task["replicate"]) != (design_name, m, MAPPED_REPLICATE):
            continue
        for run in outcome.results[task["key"]]["runs"]:  # the stops, without the way home
            parts.append(
                f'<polyline points="{frame.points(run["line"][1:-1])}" fill="none" stroke="#1f3b73" '
                'stroke-width="0.4" opacity="0.45"/>'
            )
    for ring in _rings(outline):
        parts.append(f'<polygon points="{frame.points(ring)}" fill="none" stroke="#000" stroke-width="1.2"/>')
    small = len(design.zones) > 12
    for zone in design.zones:
        if zone not in values:
            continue
        x, y = frame.xy(*design.polygons[zone].representative_point().coords[0])
        label = f"{values[zone]:.1f}" if small else f"{zone}: {values[zone]:.1f}"
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{8 if small else 11}" text-anchor="middle" '
            f'paint-order="stroke" stroke="#fff" stroke-width="2.5">{html.escape(label)}</text>'
        )
    legend = _legend(span, frame.height + 8, kpi)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width:.0f} {frame.height + 44:.0f}" '
        f'width="{frame.width:.0f}" height="{frame.height + 44:.0f}" font-family="sans-serif">'
        f"{''.join(parts)}{legend}</svg>"
    )


def _legend(span: tuple[float, float], top: float, kpi: str, width: float = 220) -> str:
    steps = 10
    boxes = "".join(
        f'<rect x="{10 + i * width / steps:.1f}" y="{top:.1f}" width="{width / steps + 0.5:.1f}" height="12" '
        f'fill="{_shade(span[0] + (span[1] - span[0]) * (i + 0.5) / steps, *span)}"/>'
        for i in range(steps)
    )
    return (
        f'{boxes}<text x="10" y="{top + 26:.1f}" font-size="10">{span[0]:.1f}</text>'
        f'<text x="{10 + width:.1f}" y="{top + 26:.1f}" font-size="10" text-anchor="end">{span[1]:.1f}</text>'
        f'<text x="{20 + width:.1f}" y="{top + 10:.1f}" font-size="10">{html.escape(_label(kpi))}</text>'
    )


def _label(key: str) -> str:
    return next((label for k, label, _ in (*COLUMNS, *ZONE_COLUMNS) if k == key), key)


def caveats(config: SimConfig) -> list[str]:
    """What a reader must know before reading any figure, in plain words."""
    rates = config.rates
    day = "2026-11-26" if config.demand is None else None
    policy = rates.policy(day)
    wage = (
        "set by hand"
        if rates.wage_gbp_h is not None
        else ("National Living Wage" if rates.wage_preset == "national_living_wage" else "Real Living Wage")
        + " in force on the study day"
    )
    demand = (
        f"Demand is synthetic: {config.replicates} replicate day(s) of about {round(5500 * config.scale):,} "
        "visits, drawn by carerun's generator from ONS 2021 LSOA population-weighted centroids and "
        "published care norms (docs/calibration.md), each with its own seed. No real client is in it."
        if config.demand is None
        else f"Demand is the supplied file {config.demand} (one day, so no interval)."
    )
    scale = (
        f"Scale: {config.scale:g} of a full Wiltshire day (5,500 visits). Below 1, zones hold fewer "
        "clients than they would, so travel per care hour is higher than at county scale and "
        "differences between designs can change size."
        if config.demand is None and config.scale != 1
        else "Scale: a full county day."
    )
    return [
        demand,
        scale,
        "legacy3's boundaries are a guess: the former three zones were never published; we group the "
        "18 area-board hub towns six to a zone (North, West, South) and each LSOA follows its "
        "nearest hub town.",
        "Method: every provider's day is planned by the same engine (OR-Tools, solution limit "
        f"{config.settings.solution_limit}), in geographic pieces of at most "
        f"{config.settings.zone_visits} visits above {config.settings.whole_up_to} visits, with the "
        "fewest carers that serve every critical visit and 99% of all visits; every plan passes an "
        "independent checker. A zone's clients are dealt to its m providers at random.",
        "Uncertainty: each figure is the mean over the replicate days with a 90% interval (Student t). "
        "Every design and m sees the same days, so differences are taken day by day (paired); a "
        "difference whose interval crosses zero is not shown to be real by these days.",
        "Outlines: ONS publishes LSOA centroids and areas, not boundaries. Each LSOA is drawn as its "
        f"Voronoi cell among the centroids, clipped to the centroids' hull plus {OUTLINE_MARGIN_KM:g} km "
        f"and to a disc {CELL_DISC:g} times the radius of a circle of the LSOA's area; the county is the "
        "union of these cells with the gaps inside filled. Edges are approximate to a few km.",
        f"Money: the project's pay model (solver.analysis.pay) on the study day: wage "
        f"£{policy.wage_per_hour:.2f} an hour ({wage}) on paid time (care, travel and "
        f"{'paid ' if rates.unpaid_gap_min is not None else ''}waiting between visits; the commute is "
        f"unpaid), mileage £{policy.mileage_per_mile:.2f} a mile between visits, "
        + (
            f"on-costs {100 * policy.on_cost_rate:.1f}% of wages (holiday pay, employer NI, pension); "
            if rates.on_costs
            else "no on-costs; "
        )
        + f"fee £{policy.fee_per_care_hour:.2f} per care hour ({rates.fee_year}, the latest published: "
        "a year older than the wage). Overheads and profit are left out, so 'fee less cost' is "
        "not a margin.",
        "Travel is great-circle distance times a circuity factor at a fixed speed, unless road tiles "
        "were given; no traffic.",
    ]


def _table(rows: list[dict[str, Any]], columns: tuple[tuple[str, str, str], ...]) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label, _ in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell(row, k, columns))}</td>" for k, _, _ in columns) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _differences(differences: list[dict[str, Any]]) -> str:
    rows = []
    for d in differences:
        if d["kpi"] not in HEADLINE:
            continue
        interval = "" if d["diff_lo"] is None else f"[{d['diff_lo']:+.2f}, {d['diff_hi']:+.2f}]"
        pct = "" if d["pct"] is None else f"{d['pct']:+.1f}%"
        verdict = {True: "crosses zero: not shown", False: "clear", None: "one replicate: no interval"}[
            d["crosses_zero"]
        ]
        rows.append(
            f"<tr><td>{html.escape(d['design'])} m={d['m']}</td>"
            f"<td>{html.escape(d['vs_design'])} m={d['vs_m']}</td><td>{html.escape(_label(d['kpi']))}</td>"
            f"<td>{d['diff']:+.2f}</td><td>{interval}</td>"
            f"<td>{pct}</td><td>{verdict}</td></tr>"
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in ("scenario", "against", "figure", "difference", "90% interval", "% of baseline", "verdict")
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def report_html(config: SimConfig, outcome: Outcome, tasks: list[Task], pngs: dict[str, bytes]) -> str:
    notes = "".join(f"<li>{html.escape(text)}</li>" for text in caveats(config))
    images = "".join(
        f'<img alt="{name}" src="data:image/png;base64,{base64.b64encode(data).decode()}"/>'
        for name, data in pngs.items()
    )
    kpi = config.map_kpi
    values = [r[kpi] for r in outcome.zone_rows]
    span = (min(values), max(values)) if values else (0.0, 1.0)
    maps = "".join(
        f"<figure>{svg_map(outcome, tasks, d.name, m, kpi, span)}<figcaption>{html.escape(d.name)}, "
        f"m = {m}: zones shaded by {html.escape(_label(kpi))} (mean over replicates, one scale for "
        "every map); lines: replicate 1's runs</figcaption></figure>"
        for d in outcome.designs
        for m in config.providers
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Home-care zone designs compared</title>
<style>body{{font-family:sans-serif;margin:1.5em;max-width:1400px}}
table{{border-collapse:collapse;font-size:12px}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}
figure{{display:inline-block;margin:0.5em;vertical-align:top}}
figcaption{{font-size:12px;max-width:460px}}img{{max-width:48%;margin:0.3em}}</style></head><body>
<h1>Home-care zone designs compared</h1>
<h2>Assumptions and caveats</h2><ul>{notes}</ul>
<h2>The comparison</h2>
<p>Designs {html.escape(", ".join(config.designs))};
providers per zone {", ".join(map(str, config.providers))}; {config.replicates} replicate day(s),
demand seed {config.seed}, zone seed {config.zone_seed}.
Each cell: mean [90% interval] over the replicate days.
Carers used are carers with at least one visit.</p>
{_table(outcome.rows, COLUMNS)}
<h2>Differences, paired by day</h2>
<p>Each design against legacy3 at the same m, and each m against the smallest m of the same design.</p>
{_differences(outcome.differences)}
<h2>Charts</h2>{images}
<h2>Maps</h2>{maps}
<h2>Per zone</h2>{_table(outcome.zone_rows, ZONE_COLUMNS)}
<p><small>{html.escape(ATTRIBUTION)}. Made with carerun; run time {outcome.wall_s:.0f} s.</small></p>
</body></html>
"""


def write_outputs(config: SimConfig, outcome: Outcome, tasks: list[Task]) -> None:
    out = config.out
    _write_csv(out / "table.csv", outcome.rows)
    _write_csv(out / "zones.csv", outcome.zone_rows)
    _write_csv(out / "replicates.csv", outcome.replicate_rows)
    _write_csv(out / "differences.csv", outcome.differences)
    document = {
        "meta": _meta(config, outcome),
        "rows": _rounded(outcome.rows),
        "differences": _rounded(outcome.differences),
        "replicates": _rounded(outcome.replicate_rows),
        "zones": _rounded(outcome.zone_rows),
    }
    (out / "table.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    pngs = charts(outcome.rows, config.providers)
    for name, data in pngs.items():
        (out / name).write_bytes(data)
    zones = zones_geojson(outcome.designs) | {"attribution": ATTRIBUTION}
    (out / "zones.geojson").write_text(json.dumps(zones) + "\n", encoding="utf-8")
    (out / "runs.geojson").write_text(json.dumps(runs_geojson(outcome, tasks)) + "\n", encoding="utf-8")
    (out / "report.html").write_text(report_html(config, outcome, tasks, pngs), encoding="utf-8")
