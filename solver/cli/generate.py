"""``carerun generate``: a realistic seeded home-care day for a Wiltshire zone."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from solver.cli.output import err, solve_with_bar, write_json
from solver.io.documents import InputError


def generate(
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the problem here.")] = None,
    zone: Annotated[str, typer.Option(help="Area-board hub town, or 'county'.")] = "Warminster",
    visits: Annotated[int, typer.Option(min=1, help="Visits to draw.")] = 330,
    carers: Annotated[int | None, typer.Option(min=1, help="Carers (default: sized to demand).")] = None,
    seed: Annotated[int, typer.Option(min=0)] = 0,
    date: Annotated[str, typer.Option(help="Plan date, YYYY-MM-DD.")] = "2026-11-26",
    solve_seconds: Annotated[
        float,
        typer.Option("--solve", min=0, help="Also plan the day for S seconds and calibrate on the plan."),
    ] = 0,
) -> None:
    """Draw a realistic seeded home-care day for a Wiltshire zone, with its calibration."""
    from solver.generate.day import calibration, format_calibration, generate_day

    try:
        prob = generate_day(zone=zone, visits=visits, carers=carers, seed=seed, date=date)
    except (ValueError, KeyError) as exc:
        raise InputError(str(exc)) from exc
    write_json(prob.model_dump_json(indent=2, exclude_none=True), output)
    plan = solve_with_bar(prob, solve_seconds) if solve_seconds else None
    err.print(format_calibration(calibration(prob, plan)), markup=False, highlight=False, soft_wrap=True)
