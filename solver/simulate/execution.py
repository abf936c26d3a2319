"""Running (design, m, zone, provider, replicate) tasks: cached, on a local pool or a Dask cluster.

Each task is independent and described by a JSON-able spec; its cache key is a hash of that
spec, so a finished task is found again on a rerun (``OUT/cache/KEY.json``) and any change of
what shapes a plan (demand, seeds, limits, code version) makes a new key. Money is not in the
spec: a task's figures are hours, miles and counts, costed afterwards (``cost.money``). Results
are written by the coordinating process as each task finishes, so an interrupted run resumes
where it stopped. Beside each result (``KEY.json``: figures, plan and problem) the cache keeps its
summary (``KEY.summary.json``: the figures, how the solve went and, for the mapped day, the runs'
lines), which is all a re-costing needs: a county's plans are hundreds of megabytes of JSON, its
summaries a few.

SIGINT and SIGTERM to the coordinating process stop the run at once: queued tasks are dropped
(Dask: cancelled), the local pool's workers are terminated, every finished task is already in
the cache, and ``Interrupted`` carries the signal for the exit code (130 or 143).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from solver.analysis.check import check
from solver.model.problem import Visit
from solver.simulate.cost import plan_figures
from solver.simulate.fleet import SolveSettings, carer_sequence, provider_problem, size_fleet
from solver.travel.valhalla import checkable

TASK_VERSION = 5  # bump when a task's result would change for the same spec
SUMMARY_SUFFIX = ".summary.json"
MAPPED_REPLICATE = 0  # the replicate day whose runs the report maps and runs.geojson holds
Spec = dict[str, Any]
Result = dict[str, Any]
OnResult = Callable[[Result, bool], None]


class Interrupted(Exception):
    """The run was stopped by a signal (``signum``); finished tasks are in the cache."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum


def task_key(spec: Spec) -> str:
    text = json.dumps({"v": TASK_VERSION, **spec}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def run_task(spec: Spec) -> Result:
    """Size one provider's fleet, solve its day, check the plan, and measure it."""
    started = time.monotonic()
    visits = [Visit.model_validate(v) for v in spec["visits"]]
    homes = [(float(a), float(b)) for a, b in spec["homes"]]
    skills = sorted({s for v in visits for s in v.skills})
    ident = f"{spec['design']}-m{spec['m']}-{spec['zone']}-p{spec['provider']}-r{spec['replicate']}"

    settings = SolveSettings(**spec["settings"])

    def build(n: int) -> Any:
        carers = carer_sequence(n, homes, skills, spec["carer_seed"])
        return provider_problem(ident, spec["date"], visits, carers, spec["seed"], settings.road_tiles)

    sizing = size_fleet(build, visits, spec["seed"], settings)
    violations = check(checkable(sizing.problem), sizing.solution)
    figures = plan_figures(sizing.problem, sizing.solution, sizing.carers)
    return {
        "key": task_key(spec),
        **{k: spec[k] for k in ("design", "m", "zone", "provider", "replicate")},
        "figures": figures,
        "met_target": sizing.met,
        "time_capped": sizing.capped,
        "probes": [list(p) for p in sizing.probes],  # as JSON reads them back from the cache
        "confirms": [list(c) for c in sizing.confirms],
        "violations": [v.to_dict() for v in violations],
        "wall_s": round(time.monotonic() - started, 3),
        "problem": sizing.problem.model_dump(mode="json", exclude_none=True),
        "solution": sizing.solution.model_dump(mode="json"),
    }


def summary(result: Result) -> Result:
    """A task's result without its problem and plan: its figures, how the solve went, the number
    of visits, the solver's notes, and on the mapped replicate day each run as the line a map
    draws (home, every stop, home, as [lon, lat] to about a metre); other days leave the lines
    out, which keeps a county's summaries small enough to read back in a second."""
    light = {k: v for k, v in result.items() if k not in ("problem", "solution")}
    problem, solution = result["problem"], result["solution"]
    places = {v["id"]: v["location"] for v in problem["visits"]}
    homes = {c["id"]: c["start"] for c in problem["carers"]}

    def line(run: dict[str, Any]) -> list[list[float]]:
        points = [homes[run["carer_id"]], *(places[s["visit_id"]] for s in run["stops"])]
        return [[round(p["lon"], 5), round(p["lat"], 5)] for p in [*points, points[0]]]

    light["visits"] = len(problem["visits"])
    light["notes"] = solution["solver"].get("notes", [])
    light["runs"] = [
        {"carer": run["carer_id"], "visits": len(run["stops"])}
        | ({"line": line(run)} if result["replicate"] == MAPPED_REPLICATE else {})
        for run in solution["runs"]
        if run["stops"]
    ]
    return light


class Cache:
    """Finished task results, one JSON file per key, each with its summary beside it."""

    def __init__(self, out: Path) -> None:
        self.dir = out / "cache"
        self.dir.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        return self.dir / f"{key}.json"

    def finished(self) -> list[str]:
        """The keys of every finished result, sorted."""
        return sorted(p.stem for p in self.dir.glob("*.json") if not p.name.endswith(SUMMARY_SUFFIX))

    def get(self, key: str) -> Result | None:
        return self._read(self.path(key), key)

    def summary(self, key: str) -> Result | None:
        """The result's summary; derived from the full result (and kept) if a study run by an
        older version left none."""
        light = self._read(self.dir / f"{key}{SUMMARY_SUFFIX}", key)
        if light is None or "runs" not in light:
            full = self.get(key)
            if full is None:
                return None
            light = summary(full)
            self._write(self.dir / f"{key}{SUMMARY_SUFFIX}", light)
        return light

    def put(self, result: Result) -> Result:
        """Keep ``result`` and its summary; returns the summary."""
        light = summary(result)
        self._write(self.path(result["key"]), result)
        self._write(self.dir / f"{result['key']}{SUMMARY_SUFFIX}", light)
        return light

    @staticmethod
    def _read(path: Path, key: str) -> Result | None:
        try:
            result: Result = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None
        return result if result.get("key") == key else None

    @staticmethod
    def _write(target: Path, document: Result) -> None:
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(document), encoding="utf-8")
        tmp.replace(target)  # atomic: a killed run never leaves half a result


def execute(
    specs: list[Spec], out: Path, scheduler: str | None, workers: int | None, on_result: OnResult
) -> dict[str, Result]:
    """Every spec's result summary (``summary``) by key: cached ones read back, the rest computed
    (biggest first) and cached with their plans.

    Raises ``Interrupted`` on SIGINT or SIGTERM, after dropping the tasks not yet finished."""
    cache = Cache(out)
    results: dict[str, Result] = {}
    pending: dict[str, Spec] = {}
    for spec in specs:
        key = task_key(spec)
        hit = cache.summary(key) if cache.path(key).exists() else None  # finished: its plan is kept
        if hit is not None:
            results[key] = hit
            on_result(hit, True)
        else:
            pending.setdefault(key, spec)
    order = sorted(pending.values(), key=lambda s: -len(s["visits"]))  # longest first balances the pool
    runner = _dask if scheduler else _local
    with _signals_raise():
        for result in runner(order, scheduler, workers):
            light = results[result["key"]] = cache.put(result)
            on_result(light, False)
    return results


@contextmanager
def _signals_raise() -> Iterator[None]:
    """SIGINT and SIGTERM raise ``Interrupted`` in the main thread while the tasks run."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(signum)

    saved = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, previous in saved.items():
            signal.signal(s, previous)


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the coordinating process, which terminates them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _local(specs: list[Spec], scheduler: str | None, workers: int | None) -> Iterator[Result]:
    if not specs:
        return
    n = max(1, min(workers or os.cpu_count() or 1, len(specs)))
    context = multiprocessing.get_context("spawn")  # OR-Tools and threads do not survive fork
    pool = context.Pool(n, initializer=_ignore_sigint)
    try:
        finished = pool.imap_unordered(run_task, specs, chunksize=1)
        for _ in specs:
            while True:
                try:
                    result = finished.next(timeout=0.2)  # a short wait keeps signals prompt
                    break
                except multiprocessing.TimeoutError:
                    continue
            yield result
        pool.close()
    finally:
        pool.terminate()  # drops queued tasks and stops running ones: nothing left behind
        pool.join()


def _dask(specs: list[Spec], scheduler: str | None, workers: int | None) -> Iterator[Result]:
    from distributed import Client
    from distributed import as_completed as dask_completed

    if not specs:
        return
    with Client(scheduler) as client:
        futures = [
            client.submit(run_task, spec, key=f"carerun-sim-{task_key(spec)}", pure=False, priority=-i)
            for i, spec in enumerate(specs)
        ]
        try:
            for future in dask_completed(futures):
                yield future.result()
        finally:
            client.cancel([f for f in futures if not f.done()], force=True)
