"""``carerun simulate``: the zone-efficiency simulator from the command line."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from solver.cli.output import ExitCode, err
from solver.io.documents import InputError

if TYPE_CHECKING:
    from solver.simulate.execution import Result

# Written out rather than imported, so that --help does not load the simulator; a test keeps it
# equal to solver.simulate.config.DEFAULT_DESIGNS.
DEFAULT_DESIGNS = "legacy3,hubs18,kmeans:30,patches50"


def _numbers(text: str, option: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(f"{option}: expected comma-separated whole numbers, got {text!r}") from None


def simulate(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the table, charts, GeoJSON, report.html, cache.")
    ],
    designs: Annotated[
        str,
        typer.Option(help="Comma-separated: legacy3, hubs18, kmeans:K, patches50, patches:N, geojson:PATH."),
    ] = DEFAULT_DESIGNS,
    providers: Annotated[str, typer.Option(help="Providers per zone, comma-separated (e.g. 1,3).")] = "1,3",
    replicates: Annotated[
        int, typer.Option(help="Replicate days, each drawn with its own demand seed: mean and 90% interval.")
    ] = 1,
    seed: Annotated[int, typer.Option(min=0, help="Demand seed (replicate r draws from it and r).")] = 0,
    zone_seed: Annotated[int, typer.Option(min=0, help="Seed of the generated zones (kmeans:K).")] = 0,
    scale: Annotated[float, typer.Option(help="Share of a full Wiltshire day (5,500 visits).")] = 1.0,
    demand: Annotated[Path | None, typer.Option(help="Your own demand: CSV or JSON visits.")] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address tcp://HOST:PORT (default: local processes).")
    ] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Local pool size (default: CPU count).")] = None,
    solution_limit: Annotated[int, typer.Option(min=1, help="Engine solutions per final solve.")] = 30,
    time_cap: Annotated[float, typer.Option(min=1, help="Safety cap in seconds on any one solve.")] = 600.0,
    wage: Annotated[
        float | None,
        typer.Option(min=0, help="Carer wage, £ per paid hour (default: the National Living Wage that day)."),
    ] = None,
    real_living_wage: Annotated[
        bool, typer.Option("--real-living-wage", help="Pay the Real Living Wage in force that day.")
    ] = False,
    mileage: Annotated[float, typer.Option(min=0, help="Mileage rate, £ per mile between visits.")] = 0.45,
    fee: Annotated[float, typer.Option(min=0, help="Fee, £ per care hour (2025/26 average).")] = 24.10,
    on_costs: Annotated[
        bool, typer.Option("--on-costs/--no-on-costs", help="Add holiday pay, employer NI and pension.")
    ] = True,
    unpaid_gap_min: Annotated[
        float | None, typer.Option(min=0, help="Leave waiting unpaid in gaps of this many minutes or more.")
    ] = None,
    recost: Annotated[
        bool, typer.Option("--recost", help="Re-cost the finished study in --out with these rates: no solve.")
    ] = False,
    map_kpi: Annotated[
        str,
        typer.Option(help="Zone figure the report's maps are shaded by, e.g. cost_per_care_h_gbp, unserved."),
    ] = "travel_min_per_care_h",
    tiles: Annotated[
        Path | None,
        typer.Option(help="Plan on road times from these Valhalla tiles (carerun roads build)."),
    ] = None,
) -> None:
    """Compare zone designs and providers per zone on the same demand, from real solves."""
    # Imported here so that other carerun commands do not load shapely, scipy and matplotlib.
    from solver.simulate.config import SimConfig
    from solver.simulate.cost import Rates
    from solver.simulate.execution import Interrupted
    from solver.simulate.fleet import SolveSettings
    from solver.simulate.report import rich_table
    from solver.simulate.run import recost as run_recost
    from solver.simulate.run import simulate as run_simulation

    rates = Rates(
        wage_gbp_h=wage,
        wage_preset="real_living_wage" if real_living_wage else "national_living_wage",
        mileage_gbp_mile=mileage,
        fee_gbp_h=fee,
        on_costs=on_costs,
        unpaid_gap_min=unpaid_gap_min,
    )
    config = SimConfig(
        out=out,
        designs=[d for d in designs.split(",") if d.strip()],
        providers=_numbers(providers, "--providers"),
        replicates=replicates,
        seed=seed,
        zone_seed=zone_seed,
        scale=scale,
        demand=demand,
        scheduler=scheduler,
        workers=workers,
        settings=SolveSettings(
            solution_limit=solution_limit,
            time_cap_s=time_cap,
            road_tiles=str(tiles.resolve()) if tiles is not None else None,
        ),
        rates=rates,
        map_kpi=map_kpi,
    )
    columns = (
        TextColumn("re-costing" if recost else "simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    stopped: Interrupted | None = None
    with Progress(*columns, console=err, disable=not err.is_terminal) as bar:
        task = bar.add_task("", total=None)

        def on_result(result: Result, cached: bool, total: int) -> None:
            bar.update(task, total=total, advance=1, description=_line(result, cached))
            if not err.is_terminal and not recost:  # a log file still shows progress, one line per task
                done = int(bar.tasks[0].completed)
                err.print(f"[{done}/{total}] {_line(result, cached)}", markup=False, highlight=False)

        try:
            outcome = (
                run_recost(out, rates, on_result, map_kpi) if recost else run_simulation(config, on_result)
            )
        except Interrupted as stop:
            stopped = stop.with_traceback(None)  # drop the frames that still hold the pool
    if stopped is not None:
        # The pool is already stopped and every finished task is on disk; the interpreter's own
        # teardown (OR-Tools, Dask's event loop) can take seconds on a loaded machine, so leave now.
        err.print(f"{stopped}: finished tasks are kept in {escape(str(out))}/cache; rerun to resume")
        gc.collect()  # the pool's queues release their semaphores before the fast exit
        err.file.flush()
        sys.stdout.flush()
        os._exit(128 + stopped.signum)
    wide = Console(stderr=True, width=max(err.width, 200))  # a log file gets the whole table too
    wide.print(rich_table(outcome.rows, f"zone designs compared ({outcome.wall_s:.0f} s)"))
    reps = max(r["replicates"] for r in outcome.rows) if outcome.rows else 1
    solve_s = sum(r["wall_s"] for r in outcome.results.values())
    err.print(
        f"{outcome.wall_s:.1f} s wall, {outcome.wall_s / reps:.1f} s per replicate "
        f"({solve_s / reps:.0f} s of solving per replicate; {len(outcome.computed)} solved, "
        f"{len(outcome.cached)} from the cache)"
    )
    err.print(
        f"outputs in {escape(str(out))}: table.csv/json, zones.csv, charts, zones/runs GeoJSON, report.html"
    )
    bad = sum(len(r["violations"]) for r in outcome.results.values())
    if bad:
        err.print(f"[red]{bad} checker violation(s) in the plans[/red]")
        raise typer.Exit(ExitCode.BREAKS_A_RULE)
    sys.stdout.flush()


def _line(result: Result, cached: bool) -> str:
    f = result["figures"]
    where = (
        f"{result['design']} m={result['m']} {result['zone']} p{result['provider']} r{result['replicate']}"
    )
    how = "cached" if cached else f"{result['wall_s']:.1f} s"
    return f"{where}: {f['visits']} visits, {f['carers']} carers, {f['unserved']} unserved ({how})"
