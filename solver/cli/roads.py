"""``carerun roads``: road data for ``valhalla`` travel.

``roads build EXTRACT.osm.pbf --out DIR`` turns an OpenStreetMap extract into Valhalla tiles,
which a problem names as ``"travel": {"model": "valhalla", "tiles": "DIR"}``. ``roads matrix
PROBLEM`` writes that problem with its road travel spelled out as a ``matrix`` travel, so that
a provider can inspect the times, keep them with the plan, or plan elsewhere on them.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from solver.cli.output import err, write_json
from solver.model.errors import InputError

roads_app = typer.Typer(
    no_args_is_help=True,
    help="Road travel times from OpenStreetMap data (Valhalla): build tiles, write matrices.",
)


@roads_app.command("build")
def build(
    extract: Annotated[Path, typer.Argument(help="OpenStreetMap extract (.osm.pbf), e.g. a county's.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the tiles (made if missing).")],
) -> None:
    """Build Valhalla road tiles from an OpenStreetMap extract."""
    from solver.travel.valhalla import RoadEngineError, build_tiles

    started = time.monotonic()
    try:
        build_tiles(extract, out)
    except RoadEngineError as exc:
        raise InputError.at("extract", f"{extract}: {exc}") from exc
    size = sum(f.stat().st_size for f in out.rglob("*.gph"))
    tiles = sum(1 for _ in out.rglob("*.gph"))
    err.print(
        f"{tiles} tiles ({size / 1e6:.1f} MB) in {out} in {time.monotonic() - started:.1f} s; "
        f'use "travel": {{"model": "valhalla", "tiles": {json.dumps(str(out))}}}. '
        "Road data © OpenStreetMap contributors (ODbL): keep the attribution with any output.",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@roads_app.command("matrix")
def matrix(
    problem: Annotated[Path, typer.Argument(help="Problem JSON whose travel is valhalla.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the problem here.")] = None,
) -> None:
    """Write a problem with its road travel as a matrix travel (null where there is no route)."""
    from solver.io.documents import load_problem
    from solver.travel.valhalla import matrix_document

    prob = load_problem(problem)
    if prob.travel.model != "valhalla":
        raise InputError(f"travel.model: {prob.travel.model!r} has no roads; roads matrix needs 'valhalla'")
    started = time.monotonic()
    document, notes = matrix_document(prob)
    write_json(json.dumps(document, indent=1), output)
    places = len(document["travel"]["locations"])
    modes = ", ".join(document["travel"]["durations_s"])
    said = "; ".join(notes) if notes else "routed"
    err.print(
        f"{places} places by {modes} in {time.monotonic() - started:.1f} s ({said})",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
