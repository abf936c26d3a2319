"""Solving outside the web server: a process per solve on this machine, or tasks on a Dask cluster.

A solve never runs on the event loop. Locally each solve gets its own process, so a solve that
overruns its time limit by more than the grace period can be killed outright without harming
the server. With ``CARERUN_DASK_SCHEDULER`` set, solves go to the Dask cluster the simulator
uses instead; Dask cannot kill a running task, so there the engine's own time limit bounds it.
Stopping early (DELETE) goes through the engine's ``stop`` hook, which keeps the best plan.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import multiprocessing as mp
import os
import secrets
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from typing import Any

from api.settings import Settings
from api.store import Job, Store
from solver.model.errors import FieldIssue, InputError

POLL_S = 0.25
DASK_STOP_CHECK_S = 1.0
PURGE_EVERY_S = 600.0
PR_SET_PDEATHSIG = 1
log = logging.getLogger("carerun.worker")


@dataclass(frozen=True)
class Outcome:
    """How a solve ended: ``solved`` (with a plan), ``stopped`` (asked to; plan if any), ``failed``,
    or ``invalid`` (the worker found the input bad: ``error`` is its ``InputError`` message and
    ``issues`` its field issues)."""

    kind: str
    solution: str | None = None
    error: str | None = None
    issues: tuple[FieldIssue, ...] = ()
    timed_out: bool = False


def solve_json(problem_json: str, time_limit_s: float, stop: Callable[[], bool] | None = None) -> str:
    """The engine, JSON in and JSON out, so that only strings cross process and machine borders."""
    from solver.engine.search import solve
    from solver.model.problem import Problem

    problem = Problem.model_validate_json(problem_json)
    return solve(problem, time_limit_s=time_limit_s, stop=stop).model_dump_json()


Work = Callable[[str, float, Callable[[], bool] | None], str]


def replan_json(request_json: str, time_limit_s: float, stop: Callable[[], bool] | None = None) -> str:
    """Re-planning, JSON in and JSON out: the body of ``POST /v1/replan`` to the new Solution.

    Its input errors (an event naming an unknown carer, a frozen stop an event contradicts) can
    only be found by the transformation itself, so they are raised here, in the worker, and come
    back as an ``invalid`` outcome. ``replan`` has no stop hook; the time limit bounds it."""
    from api.views import ReplanRequest
    from solver.day.replan import replan

    req = ReplanRequest.model_validate_json(request_json)
    options = req.problem.options
    solution, _ = replan(
        req.problem,
        req.published,
        req.events,
        req.now,
        time_limit_s=time_limit_s,
        seed=options.seed,
        solution_limit=options.solution_limit,
    )
    return solution.model_dump_json()


def die_with_parent(parent_at_start: int) -> None:
    """Linux: have the kernel SIGKILL this solver when its parent, the fork server, dies, and let
    the fork server die with the server or worker that started it.

    The fork server exits when the last holder of its "alive" pipe closes it. Every process it
    forks inherits that pipe, so a running solver would keep the fork server (and so itself)
    alive after its server was killed; closing the solver's copy leaves the server as the only
    holder. Solvers start no processes through the fork server, so they do not need the pipe
    (the engine's own pools fork). The pipe's descriptor is only reachable through the standard
    library's private state, hence the getattr."""
    if sys.platform != "linux":
        return
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    alive = getattr(server, "_forkserver_alive_fd", None)
    if isinstance(alive, int):
        with contextlib.suppress(OSError):
            os.close(alive)
        server._forkserver_alive_fd = None  # type: ignore[union-attr]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_at_start:  # the fork server died before the request took effect
        os._exit(1)


def check_json(request_json: str, time_limit_s: float, stop: Callable[[], bool] | None = None) -> str:
    """``POST /v1/check`` in a worker process: {problem, solution} to the CheckResult."""
    from api.views import CheckRequest, CheckResult, ViolationView
    from solver.analysis.check import check

    req = CheckRequest.model_validate_json(request_json)
    found = check(req.problem, req.solution)
    views = [ViolationView(**v.to_dict()) for v in found]
    return CheckResult(ok=not found, violations=views).model_dump_json()


def evaluate_json(request_json: str, time_limit_s: float, stop: Callable[[], bool] | None = None) -> str:
    """``POST /v1/evaluate`` in a worker process: {problem, plan (the short form)} to the
    EvaluateResult; a plan naming unknown carers or visits comes back as ``invalid``."""
    from api.views import EvaluateResult, ViolationView
    from solver.day.evaluate import PlanDocument, evaluate
    from solver.model.problem import Problem

    raw = json.loads(request_json)
    problem = Problem.model_validate_json(json.dumps(raw["problem"]))
    plan = PlanDocument.model_validate_json(json.dumps(raw["plan"]))
    solution, found = evaluate(problem, plan)
    views = [ViolationView(**v.to_dict()) for v in found]
    return EvaluateResult(ok=not found, solution=solution, violations=views).model_dump_json()


def _child(work: Work, payload: str, time_limit_s: float, stop_event: Any, conn: Connection) -> None:
    die_with_parent(os.getppid())
    try:
        conn.send(("ok", work(payload, time_limit_s, stop_event.is_set)))
    except InputError as exc:
        conn.send(("invalid", (str(exc), tuple(exc.errors))))
    except BaseException as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


_CONTEXT: ForkServerContext | None = None


def context() -> ForkServerContext:
    """A fork server that has imported the engine once, so each solve starts in milliseconds
    without forking the threads of the web server."""
    global _CONTEXT
    if _CONTEXT is None:
        ctx = mp.get_context("forkserver")
        assert isinstance(ctx, ForkServerContext)
        ctx.set_forkserver_preload(
            [
                "solver.engine.search",
                "solver.model.problem",
                "solver.day.replan",
                "solver.day.evaluate",
                "solver.analysis.check",
                "api.views",
            ]
        )
        _CONTEXT = ctx
    return _CONTEXT


def run_local(
    problem_json: str,
    time_limit_s: float,
    grace_s: float,
    should_stop: Callable[[], bool] = lambda: False,
    work: Work = solve_json,
) -> Outcome:
    """Solve in a fresh process; kill it at the limit plus grace, or at grace after a stop request.
    ``work`` is what the process runs on ``problem_json``: the engine, or re-planning."""
    ctx = context()
    receiver, sender = ctx.Pipe(duplex=False)
    stop_event = ctx.Event()
    args = (work, problem_json, time_limit_s, stop_event, sender)
    proc = ctx.Process(target=_child, args=args, daemon=True)
    proc.start()
    sender.close()
    deadline = time.monotonic() + time_limit_s + grace_s
    stop_deadline: float | None = None
    try:
        while True:
            if receiver.poll(min(POLL_S, max(deadline - time.monotonic(), 0.0))):
                try:
                    kind, payload = receiver.recv()
                except EOFError:
                    proc.join(1)
                    return Outcome("failed", error=f"the solver process died (exit code {proc.exitcode})")
                if kind == "invalid":
                    message, issues = payload
                    return Outcome("invalid", error=str(message), issues=tuple(issues))
                if kind != "ok":
                    return Outcome("failed", error=str(payload))
                return Outcome("stopped" if stop_deadline is not None else "solved", solution=str(payload))
            now = time.monotonic()
            if now > deadline:
                return Outcome(
                    "failed",
                    error=f"no plan within the time limit plus {grace_s:g} s grace: solver killed",
                    timed_out=True,
                )
            if stop_deadline is None and should_stop():
                stop_event.set()
                stop_deadline = now + grace_s
            if stop_deadline is not None and now > stop_deadline:
                return Outcome("stopped", error="stopped before the solver had a plan")
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        receiver.close()


# --------------------------------------------------------------------------- Dask


def _dask_solve(problem_json: str, time_limit_s: float, event_name: str) -> str:
    """Runs on a Dask worker; polls the job's distributed Event at most once a second."""
    from distributed import Event

    event = Event(event_name)
    last = [0.0, 0.0]

    def stop() -> bool:
        now = time.monotonic()
        if now - last[0] >= DASK_STOP_CHECK_S:
            last[0], last[1] = now, float(event.is_set())
        return bool(last[1])

    return solve_json(problem_json, time_limit_s, stop)


def run_dask(
    client: Any,
    job_id: str,
    problem_json: str,
    time_limit_s: float,
    grace_s: float,
    should_stop: Callable[[], bool],
) -> Outcome:
    """Solve as a task on the cluster; give up on it (and cancel it) at the limit plus grace."""
    from distributed import Event

    event_name = f"carerun-stop-{job_id}"
    future = client.submit(_dask_solve, problem_json, time_limit_s, event_name, pure=False)
    deadline = time.monotonic() + time_limit_s + grace_s
    stopped = False
    try:
        while True:
            if future.done():
                if future.status != "finished":
                    return Outcome("failed", error=f"the cluster task failed: {future.exception()!r}")
                return Outcome("stopped" if stopped else "solved", solution=str(future.result()))
            if time.monotonic() > deadline:
                future.cancel()
                return Outcome(
                    "failed", error=f"no plan from the cluster within the limit plus {grace_s:g} s"
                )
            if not stopped and should_stop():
                Event(event_name, client=client).set()
                stopped = True
                deadline = min(deadline, time.monotonic() + grace_s)
            time.sleep(POLL_S)
    except (TimeoutError, OSError) as exc:
        return Outcome("failed", error=f"the cluster failed: {exc}")


# --------------------------------------------------------------------------- dispatch


def worker_id() -> str:
    """Who holds a claim: host, process and a random part (a pid can come back after a restart)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


class Dispatcher:
    """A worker of the shared queue: claims jobs while fewer than ``settings.workers`` run here,
    renews its leases, puts back the jobs of dead workers, erases jobs past the retention time,
    and records each result only while it still owns the job."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store, self.settings = store, settings
        self.owner = worker_id()
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._running: set[str] = set()
        self._lost: set[str] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._client: Any = None
        self._last_beat = 0.0
        self._last_purge = 0.0

    def start(self) -> None:
        if self.settings.dask_scheduler:
            from distributed import Client

            self._client = Client(self.settings.dask_scheduler, set_as_default=False)
        context()
        self._thread = threading.Thread(target=self._loop, name="carerun-dispatch", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def close(self) -> None:
        """A clean shutdown puts the jobs it interrupts back in the queue; their solver processes
        die with the worker, and another worker (or the next start) solves them again."""
        self._closing.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)
        with self._lock:
            interrupted = list(self._running)
        for job_id in interrupted:
            self.store.requeue(job_id, self.owner)
        if self._client is not None:
            self._client.close()

    def running(self) -> int:
        with self._lock:
            return len(self._running)

    def _loop(self) -> None:
        while not self._closing.is_set():
            try:
                self._housekeeping()
                job = None
                if self.running() < self.settings.workers:
                    job = self.store.claim_next(self.owner, self.settings.lease_s)
            except Exception:  # the database went away for a moment: try again shortly
                log.exception("queue unavailable; retrying")
                job = None
            if job is None:
                self._wake.wait(0.5)
                self._wake.clear()
                continue
            with self._lock:
                self._running.add(job.id)
            threading.Thread(target=self._run, args=(job,), name=f"job-{job.id}", daemon=True).start()

    def _housekeeping(self) -> None:
        """Renew leases every third of a lease; reap expired ones and purge old jobs now and then."""
        now = time.monotonic()
        if now - self._last_beat >= self.settings.lease_s / 3:
            self._last_beat = now
            with self._lock:
                mine = list(self._running)
            lost = self.store.heartbeat(mine, self.owner, self.settings.lease_s)
            if lost:
                log.warning("lost %d job(s) to other workers or erasure: abandoning them", len(lost))
                with self._lock:
                    self._lost |= lost
            self.store.reap(self.settings.max_attempts)
        if self.settings.retention_days > 0 and now - self._last_purge >= PURGE_EVERY_S:
            self._last_purge = now
            gone = self.store.purge(self.settings.retention_days * 86400)
            if gone:
                log.info("erased %d job(s) older than %g days", gone, self.settings.retention_days)

    def _run(self, job: Job) -> None:
        try:
            outcome = self._solve(job)
        except Exception as exc:  # a broken backend must not leave the job solving for ever
            outcome = Outcome("failed", error=f"{type(exc).__name__}: {exc}")
        try:
            if self._closing.is_set():
                return
            if outcome.kind == "solved":
                self.store.finish(job.id, "solved", solution=outcome.solution, owner=self.owner)
            elif outcome.kind == "stopped":
                self.store.finish(
                    job.id, "cancelled", solution=outcome.solution, error=outcome.error, owner=self.owner
                )
            else:
                self.store.finish(job.id, "failed", error=outcome.error, owner=self.owner)
        finally:
            with self._lock:
                self._running.discard(job.id)
                self._lost.discard(job.id)
            self._wake.set()

    def _solve(self, job: Job) -> Outcome:
        last = [0.0]

        def should_stop() -> bool:  # one database read a second at most
            if self._closing.is_set():
                return True
            with self._lock:
                if job.id in self._lost:
                    return True
            now = time.monotonic()
            if now - last[0] < 1.0:
                return False
            last[0] = now
            return self.store.stop_requested(job.id)

        if self._client is not None:
            return run_dask(
                self._client, job.id, job.problem, job.time_limit_s, self.settings.grace_s, should_stop
            )
        return run_local(job.problem, job.time_limit_s, self.settings.grace_s, should_stop)
