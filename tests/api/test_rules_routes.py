"""``POST /v1/evaluate`` and ``POST /v1/replan`` through the real app (real worker processes)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from solver.analysis.check import check
from solver.day.replan import Events, transform
from solver.engine.search import solve
from solver.model.clock import parse_time
from solver.model.problem import Problem, Solution
from tests.api.conftest import Api, instance, open_api, tiny_problem
from tests.api.test_app import assert_problem_json

NOW = "10:00"


def evaluate(api: Api, problem: dict[str, Any], plan: dict[str, Any]) -> Any:
    return api.client.post("/v1/evaluate", json={"problem": problem, "plan": plan}, headers=api.headers())


def short_form(solution: dict[str, Any]) -> dict[str, Any]:
    return {
        "runs": [
            {"carer_id": r["carer_id"], "visit_ids": [s["visit_id"] for s in r["stops"]]}
            for r in solution["runs"]
        ]
    }


# --------------------------------------------------------------------------- evaluate


def test_evaluate_a_clean_plan_in_both_forms(api: Api) -> None:
    problem = tiny_problem()
    solved = api.client.post("/v1/solve", json=problem, headers=api.headers()).json()
    for plan in (short_form(solved), solved):
        response = evaluate(api, problem, plan)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["ok"] is True and body["violations"] == []
        solution = Solution.model_validate(body["solution"])
        assert solution.kpis.visits_assigned == 3 and solution.violations == []
        assert short_form(body["solution"]) == short_form(solved)
        assert check(Problem.model_validate(problem), solution) == []


def test_evaluate_a_solved_plan_reports_what_solve_reported(api: Api) -> None:
    """One timing: the plan keeps its own times, so its runs, pay and KPIs are solve's."""
    problem = tiny_problem()
    solved = api.client.post("/v1/solve", json=problem, headers=api.headers()).json()
    body = evaluate(api, problem, solved).json()
    assert body["solution"]["runs"] == solved["runs"]
    assert body["solution"]["kpis"] == solved["kpis"]
    assert body["solution"]["solver"]["notes"] == ["times as given in the plan, which keep every rule"]


def test_evaluate_lists_a_broken_window(api: Api) -> None:
    """v3 (window 11:00-12:00, 30 min at C) before v2 (10:00-11:00 at B): v2 cannot start
    before 11:35, so it starts late, and the plan is still timed and returned."""
    problem = tiny_problem()
    plan = {"runs": [{"carer_id": "c1", "visit_ids": ["v1", "v3", "v2"]}]}
    response = evaluate(api, problem, plan)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is False
    late = [v for v in body["violations"] if v["rule"] == "window"]
    assert [v["visit_id"] for v in late] == ["v2"] and "11:35" in late[0]["message"]
    assert body["solution"]["violations"] == body["violations"]
    stops = {s["visit_id"]: s for s in body["solution"]["runs"][0]["stops"]}
    assert stops["v2"]["start"] == "11:35:00"


@pytest.mark.parametrize(
    ("runs", "path", "words"),
    [
        ([{"carer_id": "c1", "visit_ids": ["v1", "v999"]}], "plan.runs[0].visit_ids[1]", "unknown visit"),
        ([{"carer_id": "nobody", "visit_ids": ["v1"]}], "plan.runs[0].carer_id", "unknown carer"),
        (
            [{"carer_id": "c1", "visit_ids": ["v1"]}, {"carer_id": "c2", "visit_ids": ["v1"]}],
            "plan.runs[1].visit_ids[0]",
            "in more runs",
        ),
        ([{"carer_id": "c1"}], "plan.runs[0].visit_ids", "Field required"),
    ],
)
def test_evaluate_bad_plan_is_422_naming_the_field(
    api: Api, runs: list[dict[str, Any]], path: str, words: str
) -> None:
    body = assert_problem_json(evaluate(api, tiny_problem(), {"runs": runs}), 422)
    assert [e["path"] for e in body["errors"]] == [path]
    assert words in body["errors"][0]["message"]


# --------------------------------------------------------------------------- replan


@pytest.fixture(scope="module")
def small_day() -> tuple[dict[str, Any], dict[str, Any]]:
    """small.json (40 visits, 5 carers) and a published plan of it, fixed by seed and solution limit."""
    problem = instance("small.json", 5)
    published = solve(Problem.model_validate(problem), time_limit_s=5, seed=0, solution_limit=100)
    return problem, published.model_dump(mode="json")


def sickest(published: dict[str, Any]) -> str:
    """The carer with the most visits still to do at 10:00 and at least one done before."""
    now = parse_time(NOW)
    runs = [r for r in published["runs"] if any(parse_time(s["start"]) < now for s in r["stops"])]
    best = max(runs, key=lambda r: sum(parse_time(s["start"]) >= now for s in r["stops"]))
    return str(best["carer_id"])


def replan_body(
    problem: dict[str, Any], published: dict[str, Any], *events: dict[str, Any]
) -> dict[str, Any]:
    return {
        "problem": problem,
        "published": published,
        "events": {"events": list(events)},
        "now": NOW,
        "time_limit_s": 3,
    }


def test_replan_a_sick_carer(api: Api, small_day: tuple[dict[str, Any], dict[str, Any]]) -> None:
    problem, published = small_day
    sick = sickest(published)
    event = {"type": "carer_unavailable", "carer_id": sick, "from": NOW}
    response = api.client.post(
        "/v1/replan", json=replan_body(problem, published, event), headers=api.headers()
    )
    assert response.status_code == 200, response.text
    new = Solution.model_validate(response.json())
    now = parse_time(NOW)

    def stops(plan: Solution) -> dict[tuple[str, str], Any]:
        return {(r.carer_id, s.visit_id): s for r in plan.runs for s in r.stops}

    old_plan = Solution.model_validate(published)
    frozen = {k: s for k, s in stops(old_plan).items() if s.start < now}
    assert frozen and all(stops(new)[k] == s for k, s in frozen.items())
    assert all(s.start < now for (c, _), s in stops(new).items() if c == sick)
    handed_on = {v for (c, v), s in stops(old_plan).items() if c == sick and s.start >= now}
    assert handed_on and new.changes
    assert handed_on <= {ch.visit_id for ch in new.changes if ch.from_carer == sick}
    served = {v for _, v in stops(new)}
    unassigned = {u.visit_id for u in new.unassigned}
    assert served | unassigned == {v["id"] for v in problem["visits"]} and not served & unassigned
    replanned, _ = transform(
        Problem.model_validate(problem), old_plan, Events.model_validate({"events": [event]}), now
    )
    assert check(replanned, new) == []


@pytest.mark.parametrize(
    ("event", "path", "words"),
    [
        (
            {"type": "carer_unavailable", "carer_id": "nobody", "from": NOW},
            "events.events[0].carer_id",
            "unknown carer",
        ),
        (
            {"type": "visit_overrun", "visit_id": "v999", "extra_min": 5},
            "events.events[0].visit_id",
            "unknown visit",
        ),
        ({"type": "visit_kidnapped", "visit_id": "v001"}, "events.events[0]", ""),
    ],
)
def test_replan_bad_event_is_422_naming_the_field(
    api: Api, small_day: tuple[dict[str, Any], dict[str, Any]], event: dict[str, Any], path: str, words: str
) -> None:
    problem, published = small_day
    response = api.client.post(
        "/v1/replan", json=replan_body(problem, published, event), headers=api.headers()
    )
    body = assert_problem_json(response, 422)
    assert body["errors"][0]["path"].startswith(path) and words in body["errors"][0]["message"]


def test_replan_refuses_to_cancel_a_frozen_stop_or_a_foreign_plan(
    api: Api, small_day: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    problem, published = small_day
    begun = min((s for r in published["runs"] for s in r["stops"]), key=lambda s: parse_time(s["start"]))
    cancel = {"type": "visit_cancelled", "visit_id": begun["visit_id"]}
    body = assert_problem_json(
        api.client.post("/v1/replan", json=replan_body(problem, published, cancel), headers=api.headers()),
        422,
    )
    assert (
        body["errors"][0]["path"] == "events.events[0]"
        and "cannot be cancelled" in body["errors"][0]["message"]
    )
    foreign = copy.deepcopy(published) | {"problem_id": "another-day"}
    body = assert_problem_json(
        api.client.post("/v1/replan", json=replan_body(problem, foreign), headers=api.headers()), 422
    )
    assert body["errors"][0]["path"] == "published.problem_id"
    bad_now = replan_body(problem, published) | {"now": "25:00"}
    body = assert_problem_json(api.client.post("/v1/replan", json=bad_now, headers=api.headers()), 422)
    assert body["errors"][0]["path"] == "now"


def test_both_routes_need_a_key(api: Api) -> None:
    for route in ("/v1/evaluate", "/v1/replan"):
        response = api.client.post(route, json={})
        assert_problem_json(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


def test_both_routes_are_documented(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    for route, ref in (("/v1/evaluate", "EvaluateRequest"), ("/v1/replan", "ReplanRequest")):
        op = doc["paths"][route]["post"]
        assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(ref)
        assert {"200", "401", "422"} <= set(op["responses"])
        assert ref in doc["components"]["schemas"]


def test_evaluate_names_every_bad_reference(api: Api) -> None:
    plan = {"runs": [{"carer_id": "c1", "visit_ids": ["v999", "v1", "v998"]}]}
    body = assert_problem_json(evaluate(api, tiny_problem(), plan), 422)
    assert [e["path"] for e in body["errors"]] == ["plan.runs[0].visit_ids[0]", "plan.runs[0].visit_ids[2]"]


def test_replan_takes_a_day_over_the_sync_visit_cap(
    tmp_path: Path, small_day: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    """Re-planning is for whole zones: the job cap applies, not ``CARERUN_SYNC_MAX_VISITS``."""
    problem, published = small_day
    for small_api in open_api(tmp_path, sync_max_visits=10):
        ok = small_api.client.post(
            "/v1/replan", json=replan_body(problem, published), headers=small_api.headers()
        )
        assert ok.status_code == 200, ok.text
    for tight_api in open_api(tmp_path, max_visits=10):
        refused = tight_api.client.post(
            "/v1/replan", json=replan_body(problem, published), headers=tight_api.headers()
        )
        assert assert_problem_json(refused, 422)["errors"][0]["path"] == "problem.visits"


@pytest.mark.slow
def test_replan_a_330_visit_zone(api: Api) -> None:
    problem = instance("zone.json", 10)
    published = solve(Problem.model_validate(problem), time_limit_s=10, seed=0, solution_limit=200)
    plan = published.model_dump(mode="json")
    event = {"type": "carer_unavailable", "carer_id": sickest(plan), "from": NOW}
    body = replan_body(problem, plan, event) | {"time_limit_s": 5}
    response = api.client.post("/v1/replan", json=body, headers=api.headers())
    assert response.status_code == 200, response.text
    new = Solution.model_validate(response.json())
    assert new.changes and len(problem["visits"]) == 330
    served = {s.visit_id for r in new.runs for s in r.stops} | {u.visit_id for u in new.unassigned}
    assert served == {v["id"] for v in problem["visits"]}
