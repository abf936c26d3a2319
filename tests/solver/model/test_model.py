"""Tests for the contract models (solver/model/problem.py) and how solver/io/documents.py reports bad input.

One small valid problem (2 carers, 3 visits, haversine travel) is broken one way at a time.
Every broken input must be rejected with an ``InputError`` whose message names the file, the
field path (``visits[1].window``) and the problem, on one line, so that a person can fix the
JSON without reading a traceback.
"""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from solver.io.documents import InputError, parse
from solver.model.errors import FieldIssue, field_path, join_path
from solver.model.problem import MatrixTravel, Problem, Solution

Json = dict[str, Any]
GE0 = "greater than or equal to 0"
ONE_OR_TWO = "Input should be 1 or 2"


def valid_problem() -> Json:
    """Two carers (one walks, one has a different end place), three visits, haversine travel."""
    return {
        "id": "tiny-2026-11-26",
        "date": "2026-11-26",
        "carers": [
            {
                "id": "c1",
                "start": {"lat": 51.320, "lon": -2.205},
                "shift": {"start": "07:00", "end": "14:00"},
                "breaks": [{"window": {"start": "11:00", "end": "13:00"}, "duration_min": 30}],
                "skills": ["medication"],
                "max_working_min": 420,
                "max_visits": 18,
                "travel_mode": "car",
                "gender": "female",
            },
            {
                "id": "c2",
                "start": {"lat": 51.330, "lon": -2.210},
                "end": {"lat": 51.340, "lon": -2.220},
                "shift": {"start": "08:00", "end": "16:00:00"},
                "travel_mode": "walk",
            },
        ],
        "visits": [
            {
                "id": "v1",
                "client_id": "cl1",
                "location": {"lat": 51.318, "lon": -2.214},
                "window": {"start": "07:30", "end": "09:30"},
                "duration_min": 30,
                "skills": ["medication"],
                "preferred_carers": ["c1"],
                "excluded_carers": ["c2"],
                "priority": "critical",
            },
            {
                "id": "v2",
                "location": {"lat": 51.325, "lon": -2.205},
                "window": {"start": "09:00", "end": "11:00"},
                "duration_min": 45,
                "carers_required": 2,
            },
            {
                "id": "v3",
                "location": {"lat": 51.330, "lon": -2.215},
                "window": {"start": "12:00", "end": "13:30"},
                "duration_min": 20,
                "priority": "low",
                "pinned_carer": "c2",
            },
        ],
        "travel": {"model": "haversine", "circuity": 1.3, "speed_kmh": {"car": 40, "walk": 4.5}},
        "options": {"time_limit_s": 1, "seed": 0},
    }


def places(d: Json) -> list[Json]:
    """Every place of the problem, in a fixed order: carer starts and ends, then visits."""
    out: list[Json] = []
    for carer in d["carers"]:
        out.append(carer["start"])
        if "end" in carer:
            out.append(carer["end"])
    out.extend(v["location"] for v in d["visits"])
    return out


def with_matrix(d: Json) -> Json:
    """The problem with explicit car and walk matrices over all of its places (6 of them)."""
    locations = places(d)
    n = len(locations)
    square = [[0 if i == j else 60 * abs(i - j) for j in range(n)] for i in range(n)]
    d["travel"] = {
        "model": "matrix",
        "locations": locations,
        "durations_s": {"car": copy.deepcopy(square), "walk": [[5 * x for x in row] for row in square]},
        "distances_m": {"car": [[10 * x for x in row] for row in square]},
    }
    return d


def test_valid_problem_validates() -> None:
    problem = Problem.model_validate_json(json.dumps(valid_problem()))
    assert [c.id for c in problem.carers] == ["c1", "c2"]
    assert [v.id for v in problem.visits] == ["v1", "v2", "v3"]
    # Times become integer seconds since midnight; durations stay minutes with an _s view.
    assert problem.carers[0].shift.start == 7 * 3600
    assert problem.carers[1].shift.end == 16 * 3600
    assert problem.visits[0].window.end == 9 * 3600 + 1800
    assert problem.visits[1].duration_s == 45 * 60
    assert problem.carers[0].breaks[0].duration_s == 30 * 60
    # Defaults from docs/contract.md.
    assert problem.carers[0].end_location == problem.carers[0].start
    assert problem.carers[1].end_location.lat == pytest.approx(51.34)
    assert problem.visits[1].client == "v2"
    assert problem.visits[1].priority == "normal"
    assert problem.visits[0].carers_required == 1
    assert problem.visits[0].demand == 0


def test_valid_problem_round_trips() -> None:
    problem = Problem.model_validate_json(json.dumps(valid_problem()))
    text = problem.model_dump_json()
    again = Problem.model_validate_json(text)
    assert again == problem
    assert again.model_dump_json() == text
    # Output times are "HH:MM:SS" strings, never integers.
    dumped = json.loads(text)
    assert dumped["carers"][0]["shift"] == {"start": "07:00:00", "end": "14:00:00"}
    assert dumped["visits"][2]["window"] == {"start": "12:00:00", "end": "13:30:00"}


def test_matrix_problem_validates_and_round_trips() -> None:
    problem = parse(Problem, json.dumps(with_matrix(valid_problem())), "p.json")
    assert problem.travel.model == "matrix"
    assert Problem.model_validate_json(problem.model_dump_json()) == problem


def test_parse_accepts_valid_problem() -> None:
    problem = parse(Problem, json.dumps(valid_problem()), "p.json")
    assert problem.id == "tiny-2026-11-26"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:00", 0), ("7:05", 7 * 3600 + 300), ("07:30:15", 27015), ("23:59:59", 86399), ("24:00", 86400)],
)
def test_time_formats_accepted(text: str, seconds: int) -> None:
    d = valid_problem()
    d["visits"][0]["window"] = {"start": "00:00", "end": text}
    problem = parse(Problem, json.dumps(d), "p.json")
    assert problem.visits[0].window.end == seconds


def test_python_callers_may_pass_seconds() -> None:
    """Only JSON insists on strings; Python code may build models from integer seconds."""
    d = valid_problem()
    d["visits"][0]["window"] = {"start": 27000, "end": 30600}
    problem = Problem.model_validate(d)
    assert (problem.visits[0].window.start, problem.visits[0].window.end) == (27000, 30600)


# --------------------------------------------------------------------------- malformed input

Mutation = Callable[[Json], Any]


def setp(path: str, value: Any) -> Mutation:
    """A mutation that sets ``d[a][b]...`` = value, for a dotted path with integer list indices."""
    *parents, last = path.split(".")

    def mutate(d: Json) -> None:
        node: Any = d
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[int(last) if last.isdigit() else last] = value

    return mutate


def delp(path: str) -> Mutation:
    *parents, last = path.split(".")

    def mutate(d: Json) -> None:
        node: Any = d
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        del node[last]

    return mutate


def drop_visit_location(d: Json) -> None:
    """Matrix over every place but v3's: the matrix is square and sized right, v3 is missing."""
    with_matrix(d)
    travel = d["travel"]
    gone = travel["locations"].index(d["visits"][2]["location"])
    del travel["locations"][gone]
    for per_mode in (travel["durations_s"], travel["distances_m"]):
        for mode, matrix in per_mode.items():
            kept = [row for i, row in enumerate(matrix) if i != gone]
            per_mode[mode] = [[x for j, x in enumerate(row) if j != gone] for row in kept]


def matrix_then(change: Callable[[Json], None]) -> Mutation:
    def mutate(d: Json) -> None:
        with_matrix(d)
        change(d["travel"])

    return mutate


def _ragged(t: Json) -> None:
    t["durations_s"]["car"][2].pop()


def _too_small(t: Json) -> None:
    t["durations_s"]["car"] = [row[:5] for row in t["durations_s"]["car"][:5]]


def _no_walk(t: Json) -> None:
    del t["durations_s"]["walk"]


def _negative(t: Json) -> None:
    t["durations_s"]["car"][0][1] = -5


def _over_a_day(t: Json) -> None:
    t["durations_s"]["car"][3][4] = 86_401


def _nan(t: Json) -> None:
    t["durations_s"]["walk"][1][0] = float("nan")


def _place_twice(t: Json) -> None:
    t["locations"].append(dict(t["locations"][0]))
    for per_mode in (t["durations_s"], t["distances_m"]):
        for matrix in per_mode.values():
            for row in matrix:
                row.append(row[0])
            matrix.append(list(matrix[0]))


def _null_diagonal(t: Json) -> None:
    t["durations_s"]["car"][2][2] = None


def _null_distance_of_a_leg(t: Json) -> None:
    t["distances_m"]["car"][0][1] = None


def _distance_without_duration(t: Json) -> None:
    t["distances_m"]["bus"] = t["durations_s"]["car"]


def _duplicate_visit(d: Json) -> None:
    d["visits"][1]["id"] = "v1"


def _duplicate_carer(d: Json) -> None:
    d["carers"][1]["id"] = "c1"
    d["visits"][0]["excluded_carers"] = []
    d["visits"][2]["pinned_carer"] = "c1"


def _pinned_and_excluded(d: Json) -> None:
    d["visits"][2]["excluded_carers"] = ["c1", "c2"]


def _carer_start_not_in_matrix(d: Json) -> None:
    with_matrix(d)
    d["carers"][0]["start"] = {"lat": 50.0, "lon": -1.0}


def _after_cycle(d: Json) -> None:
    d["visits"][0]["after"] = [{"visit_id": "v3"}]
    d["visits"][2]["after"] = [{"visit_id": "v2"}]
    d["visits"][1]["after"] = [{"visit_id": "v1", "min_gap_min": 10}]


def raw(text: str) -> Callable[[Json], str]:
    """A 'mutation' that ignores the problem and returns the raw text to parse."""
    return lambda _d: text


def replace_text(old: str, new: str) -> Callable[[Json], str]:
    """Edit the JSON text itself (for values json.dumps would not write)."""

    def mutate(d: Json) -> str:
        text = json.dumps(d)
        assert old in text
        return text.replace(old, new, 1)

    return mutate


# (id, mutation, substring of the field path, substring of the message). A mutation edits the
# problem dict in place, or returns the text to parse instead.
MALFORMED: list[tuple[str, Callable[[Json], Any], str, str]] = [
    # unknown fields
    ("unknown-top-level-field", setp("colour", "blue"), "colour", "Extra inputs are not permitted"),
    (
        "visit-field-typo",
        setp("visits.1.exluded_carers", ["c1"]),
        "visits[1].exluded_carers",
        "Extra inputs are not permitted",
    ),
    ("unknown-carer-field", setp("carers.0.skils", ["hoist"]), "carers[0].skils", "Extra inputs"),
    ("unknown-location-field", setp("visits.0.location.lng", -2.2), "visits[0].location.lng", "Extra inputs"),
    # missing / duplicate ids
    ("missing-visit-id", delp("visits.0.id"), "visits[0].id", "Field required"),
    ("missing-carer-id", delp("carers.1.id"), "carers[1].id", "Field required"),
    ("empty-problem-id", setp("id", ""), "id", "at least 1 character"),
    ("duplicate-visit-id", _duplicate_visit, "visits[1].id", "duplicate id 'v1'"),
    ("duplicate-carer-id", _duplicate_carer, "carers[1].id", "duplicate id 'c1'"),
    ("missing-visits", delp("visits"), "visits", "Field required"),
    # windows and shifts
    (
        "window-start-after-end",
        setp("visits.1.window", {"start": "11:00", "end": "09:00"}),
        "visits[1].window",
        "after its end",
    ),
    (
        "shift-start-equals-end",
        setp("carers.0.shift", {"start": "09:00", "end": "09:00"}),
        "carers[0].shift",
        "must be before its end",
    ),
    (
        "shift-start-after-end",
        setp("carers.1.shift", {"start": "17:00", "end": "08:00"}),
        "carers[1].shift",
        "must be before its end",
    ),
    (
        "break-window-reversed",
        setp("carers.0.breaks.0.window", {"start": "13:00", "end": "11:00"}),
        "carers[0].breaks[0].window",
        "after its end",
    ),
    # times of day
    ("time-25-00", setp("carers.0.shift.start", "25:00"), "carers[0].shift.start", "past the end of the day"),
    ("time-7.30", setp("visits.2.window.start", "7.30"), "visits[2].window.start", "not a time of day"),
    (
        "time-integer-in-json",
        setp("visits.1.window.start", 27000),
        "visits[1].window.start",
        "expected a time of day as a string",
    ),
    ("time-float-in-json", setp("visits.1.window.end", 39600.0), "visits[1].window.end", "as a string"),
    ("time-minutes-60", setp("visits.0.window.end", "09:60"), "visits[0].window.end", "not a time of day"),
    ("time-empty", setp("carers.1.shift.end", ""), "carers[1].shift.end", "not a time of day"),
    ("time-null", setp("visits.0.window.start", None), "visits[0].window.start", "as a string"),
    # coordinates
    ("lat-91", setp("visits.0.location.lat", 91), "visits[0].location.lat", "less than or equal to 90"),
    ("lon-minus-181", setp("carers.1.end.lon", -181), "carers[1].end.lon", "greater than or equal to -180"),
    (
        "location-as-pair",
        setp("visits.2.location", [51.3, -2.2]),
        "visits[2].location",
        "Input should be an object",
    ),
    # numbers
    ("negative-duration", setp("visits.1.duration_min", -5), "visits[1].duration_min", GE0),
    (
        "duration-infinity",
        setp("visits.1.duration_min", float("inf")),
        "visits[1].duration_min",
        "finite number",
    ),
    (
        "duration-1e400",
        replace_text('"duration_min": 45', '"duration_min": 1e400'),
        "visits[1].duration_min",
        "finite number",
    ),
    (
        "duration-nan",
        replace_text('"duration_min": 45', '"duration_min": NaN'),
        "visits[1].duration_min",
        "finite number",
    ),
    ("carers-required-3", setp("visits.1.carers_required", 3), "visits[1].carers_required", ONE_OR_TWO),
    ("carers-required-0", setp("visits.0.carers_required", 0), "visits[0].carers_required", ONE_OR_TWO),
    (
        "priority-urgent",
        setp("visits.0.priority", "urgent"),
        "visits[0].priority",
        "'critical', 'normal' or 'low'",
    ),
    ("max-visits-negative", setp("carers.0.max_visits", -1), "carers[0].max_visits", GE0),
    ("max-working-negative", setp("carers.0.max_working_min", -60), "carers[0].max_working_min", GE0),
    (
        "break-duration-negative",
        setp("carers.0.breaks.0.duration_min", -30),
        "carers[0].breaks[0].duration_min",
        GE0,
    ),
    ("demand-negative", setp("visits.0.demand", -1), "visits[0].demand", GE0),
    ("capacity-negative", setp("carers.0.capacity", -1), "carers[0].capacity", GE0),
    # references between carers and visits
    (
        "excluded-unknown-carer",
        setp("visits.0.excluded_carers", ["c2", "c9"]),
        "visits[0].excluded_carers[1]",
        "unknown carer id 'c9'",
    ),
    (
        "preferred-unknown-carer",
        setp("visits.1.preferred_carers", ["zz"]),
        "visits[1].preferred_carers[0]",
        "unknown carer id 'zz'",
    ),
    (
        "pinned-unknown-carer",
        setp("visits.2.pinned_carer", "c3"),
        "visits[2].pinned_carer",
        "unknown carer id 'c3'",
    ),
    ("pinned-also-excluded", _pinned_and_excluded, "visits[2].pinned_carer", "also in excluded_carers"),
    ("no-carers", setp("carers", []), "carers", "at least 1 item"),
    # haversine travel
    (
        "travel-mode-without-speed",
        setp("carers.1.travel_mode", "bike"),
        "carers[1].travel_mode",
        "'bike' has no speed in travel.speed_kmh",
    ),
    ("haversine-speed-0", setp("travel.speed_kmh.walk", 0), "travel.speed_kmh.walk", "greater than 0"),
    ("circuity-0.5", setp("travel.circuity", 0.5), "travel.circuity", "greater than or equal to 1"),
    ("travel-model-manhattan", setp("travel.model", "manhattan"), "travel", "'manhattan'"),
    # matrix travel
    ("matrix-not-square", matrix_then(_ragged), "travel.durations_s.car", "must be 6 x 6"),
    ("matrix-wrong-size", matrix_then(_too_small), "travel.durations_s.car", "must be 6 x 6"),
    ("matrix-missing-visit-location", drop_visit_location, "visits[2].location", "not in travel.locations"),
    ("matrix-missing-carer-start", _carer_start_not_in_matrix, "carers[0].start", "not in travel.locations"),
    (
        "matrix-missing-mode",
        matrix_then(_no_walk),
        "carers[1].travel_mode",
        "'walk' has no matrix in travel.durations_s",
    ),
    ("matrix-negative-entry", matrix_then(_negative), "travel.durations_s.car[0][1]", GE0),
    (
        "matrix-over-a-day",
        matrix_then(_over_a_day),
        "travel.durations_s.car[3][4]",
        "less than or equal to 86400",
    ),
    ("matrix-nan", matrix_then(_nan), "travel.durations_s.walk[1][0]", "finite number"),
    (
        "matrix-place-twice",
        matrix_then(_place_twice),
        "travel.locations[6]",
        "same place as travel.locations[0]",
    ),
    ("matrix-null-diagonal", matrix_then(_null_diagonal), "travel.durations_s.car[2][2]", "from itself"),
    (
        "matrix-null-distance",
        matrix_then(_null_distance_of_a_leg),
        "travel.distances_m.car[0][1]",
        "durations_s.car[0][1] is a number",
    ),
    (
        "matrix-distances-without-durations",
        matrix_then(_distance_without_duration),
        "travel.distances_m.bus",
        "no durations_s for mode 'bus'",
    ),
    (
        "matrix-no-locations",
        matrix_then(lambda t: t.update(locations=[])),
        "travel.locations",
        "at least 1 item",
    ),
    # options
    ("time-limit-0", setp("options.time_limit_s", 0), "options.time_limit_s", "greater than 0"),
    ("seed-negative", setp("options.seed", -1), "options.seed", GE0),
    (
        "solution-limit-0",
        setp("options.solution_limit", 0),
        "options.solution_limit",
        "greater than or equal to 1",
    ),
    ("unknown-option", setp("options.threads", 8), "options.threads", "Extra inputs"),
    # care rules: promised times, after (gaps), history, continuity, pay
    (
        "promised-time-bad",
        setp("visits.0.promised", {"time": "8.00"}),
        "visits[0].promised.time",
        "not a time",
    ),
    (
        "promised-negative-cost",
        setp("visits.0.promised", {"time": "08:00", "late_cost_per_min": -1}),
        "visits[0].promised.late_cost_per_min",
        GE0,
    ),
    (
        "after-unknown-visit",
        setp("visits.2.after", [{"visit_id": "v9", "min_gap_min": 240}]),
        "visits[2].after[0].visit_id",
        "unknown visit id 'v9'",
    ),
    (
        "after-itself",
        setp("visits.2.after", [{"visit_id": "v3"}]),
        "visits[2].after[0].visit_id",
        "cannot come after itself",
    ),
    (
        "after-twice",
        setp("visits.2.after", [{"visit_id": "v1"}, {"visit_id": "v1", "min_gap_min": 5}]),
        "visits[2].after[1].visit_id",
        "named twice",
    ),
    (
        "after-max-below-min",
        setp("visits.2.after", [{"visit_id": "v1", "min_gap_min": 60, "max_gap_min": 30}]),
        "visits[2].after[0]",
        "below min_gap_min",
    ),
    (
        "after-negative-gap",
        setp("visits.2.after", [{"visit_id": "v1", "min_gap_min": -5}]),
        "visits[2].after[0].min_gap_min",
        GE0,
    ),
    ("after-cycle", _after_cycle, "visits[0].after", "form a cycle (v1 -> v3 -> v2 -> v1)"),
    (
        "history-bad-date",
        setp("history", [{"date": "2026-02-30", "client_id": "a", "carer_id": "c1"}]),
        "history[0].date",
        "valid date",
    ),
    (
        "history-unknown-field",
        setp("history", [{"date": "2026-11-25", "client": "a", "carer_id": "c1"}]),
        "history[0].client",
        "Extra inputs",
    ),
    (
        "continuity-cap-0",
        setp("continuity", {"max_carers_per_client": 0}),
        "continuity.max_carers_per_client",
        "greater than or equal to 1",
    ),
    (
        "continuity-regular-negative",
        setp("continuity", {"regular_carers": -1}),
        "continuity.regular_carers",
        GE0,
    ),
    ("pay-wage-negative", setp("pay", {"wage_per_hour": -1}), "pay.wage_per_hour", GE0),
    ("carer-wage-negative", setp("carers.0.wage_per_hour", -2), "carers[0].wage_per_hour", GE0),
    ("pay-unknown-field", setp("pay", {"wage": 12}), "pay.wage", "Extra inputs"),
    (
        "pay-rate-over-one",
        setp("pay", {"holiday_pay_rate": 1.2}),
        "pay.holiday_pay_rate",
        "less than or equal",
    ),
    ("pay-preset-unknown", setp("pay", {"wage_preset": "london"}), "pay.wage_preset", "real_living_wage"),
    ("pay-gap-negative", setp("pay", {"unpaid_gap_min": -5}), "pay.unpaid_gap_min", GE0),
    (
        "pay-home-trip-on-roads",
        lambda d: d.update(
            travel={"model": "valhalla", "url": "http://localhost:8002"}, pay={"unpaid_if_home_for_min": 30}
        ),
        "pay.unpaid_if_home_for_min",
        "needs haversine or matrix travel",
    ),
    ("options-objective-unknown", setp("options.objective", "money"), "options.objective", "paid-time"),
    (
        "history-end-bad",
        setp("history", [{"date": "2026-11-25", "client_id": "a", "carer_id": "c1", "end": "25:99"}]),
        "history[0].end",
        "time",
    ),
    # not a problem at all
    ("bad-date", setp("date", "2026-13-01"), "date", "valid date"),
    ("not-json", raw("carers: [c1]"), "", "Invalid JSON"),
    ("truncated-json", lambda d: json.dumps(d)[:-10], "", "Invalid JSON"),
    ("json-list", raw("[]"), "", "Input should be an object"),
    ("json-list-of-problem", lambda d: json.dumps([d]), "", "Input should be an object"),
]


@pytest.mark.parametrize(
    ("mutate", "path", "message"), [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED]
)
def test_malformed_problem_is_rejected_naming_the_field(
    mutate: Callable[[Json], Any], path: str, message: str
) -> None:
    d = valid_problem()
    result = mutate(d)
    text = result if isinstance(result, str) else json.dumps(d)
    with pytest.raises(InputError) as caught:
        parse(Problem, text, "p.json")
    report = str(caught.value)
    head, *lines = report.splitlines()
    assert head.startswith("p.json: "), report
    assert "problem(s)" in head, report
    assert lines, report
    # The field path and what is wrong with it are on the same line of the report.
    assert any(path in line and message in line for line in lines), (path, message, report)
    assert "Traceback" not in report
    assert "https://errors.pydantic.dev" not in report


def test_malformed_table_is_large_enough() -> None:
    assert len(MALFORMED) >= 25
    assert len({c[0] for c in MALFORMED}) == len(MALFORMED)


def test_every_problem_is_reported_not_just_the_first() -> None:
    d = valid_problem()
    d["visits"][0]["excluded_carers"] = ["nobody"]
    d["visits"][1]["window"] = {"start": "11:00", "end": "09:00"}
    d["carers"][1]["shift"]["start"] = "7.30"
    with pytest.raises(InputError) as caught:
        parse(Problem, json.dumps(d), "p.json")
    report = str(caught.value)
    assert "visits[1].window" in report
    assert "carers[1].shift.start" in report


def test_reference_errors_are_all_listed() -> None:
    d = valid_problem()
    d["visits"][0]["excluded_carers"] = ["x1"]
    d["visits"][1]["preferred_carers"] = ["x2"]
    d["visits"][2]["pinned_carer"] = "x3"
    with pytest.raises(InputError) as caught:
        parse(Problem, json.dumps(d), "p.json")
    report = str(caught.value)
    for needle in ("visits[0].excluded_carers[0]", "visits[1].preferred_carers[0]", "visits[2].pinned_carer"):
        assert needle in report


def test_input_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse(Problem, "{}", "p.json")


def test_travel_without_model_defaults_to_haversine() -> None:
    d = valid_problem()
    del d["travel"]["model"]
    problem = parse(Problem, json.dumps(d), "p.json")
    assert problem.travel.model == "haversine"


def test_travel_may_be_omitted() -> None:
    d = valid_problem()
    del d["travel"]
    problem = parse(Problem, json.dumps(d), "p.json")
    assert problem.travel.model == "haversine"


# --------------------------------------------------------------------------- JSON schema


def _resolve(schema: Json, node: Json) -> Json:
    ref = node.get("$ref")
    if ref is None:
        return node
    return schema["$defs"][ref.rsplit("/", 1)[1]]


def test_problem_schema_is_json_with_string_times() -> None:
    schema = json.loads(json.dumps(Problem.model_json_schema()))
    props = schema["properties"]
    assert "visits" in props and "carers" in props
    assert {"id", "carers", "visits"} <= set(schema["required"])
    defs = schema["$defs"]
    for name in ("TimeWindow", "Shift"):
        for field in ("start", "end"):
            assert defs[name]["properties"][field]["type"] == "string", (name, field)
    visit = _resolve(schema, props["visits"]["items"])
    assert _resolve(schema, visit["properties"]["window"]) is defs["TimeWindow"]
    carer = _resolve(schema, props["carers"]["items"])
    assert _resolve(schema, carer["properties"]["shift"]) is defs["Shift"]
    # Unknown fields are an error in the schema too.
    assert schema["additionalProperties"] is False
    assert defs["Visit"]["additionalProperties"] is False


def test_solution_schema_has_string_times() -> None:
    schema = json.loads(json.dumps(Solution.model_json_schema()))
    defs = schema["$defs"]
    for field in ("arrival", "start", "end"):
        assert defs["Stop"]["properties"][field]["type"] == "string"
    for field in ("start", "end"):
        assert defs["Run"]["properties"][field]["type"] == "string"


# --------------------------------------------------------------------------- care-rule fields


def test_care_rule_fields_default_so_old_problems_are_unchanged() -> None:
    problem = parse(Problem, json.dumps(valid_problem()), "p.json")
    assert problem.history == []
    assert problem.continuity.regular_carers == 3
    assert problem.continuity.cost_min == 20.0
    assert problem.continuity.max_carers_per_client is None
    # unset rates are those in force on the problem's date (solver.analysis.pay.PayPolicy)
    assert problem.pay.wage_per_hour is None and problem.pay.wage_preset == "national_living_wage"
    assert problem.pay.national_living_wage is None
    assert problem.pay.mileage_per_mile == pytest.approx(0.45)
    assert problem.carers[0].wage_per_hour is None
    assert problem.visits[0].promised is None
    assert problem.visits[0].after == []


def test_care_rule_fields_validate_and_round_trip() -> None:
    d = valid_problem()
    d["history"] = [{"date": "2026-11-25", "client_id": "cl1", "carer_id": "c1"}]
    d["continuity"] = {"regular_carers": 2, "cost_min": 10, "max_carers_per_client": 2}
    d["pay"] = {"wage_per_hour": 13.5, "mileage_per_mile": 0.3}
    d["carers"][1]["wage_per_hour"] = 14.0
    d["visits"][0]["promised"] = {"time": "08:00", "tolerance_min": 10, "late_cost_per_min": 2}
    d["visits"][2]["after"] = [{"visit_id": "v1", "min_gap_min": 240, "max_gap_min": 300}]
    problem = parse(Problem, json.dumps(d), "p.json")
    promised = problem.visits[0].promised
    assert promised is not None
    assert (promised.time, promised.earliest_s, promised.latest_s) == (
        8 * 3600,
        7 * 3600 + 3000,
        8 * 3600 + 600,
    )
    assert promised.early_cost_per_min == 0.0
    link = problem.visits[2].after[0]
    assert (link.visit_id, link.min_gap_s, link.max_gap_s) == ("v1", 240 * 60, 300 * 60)
    assert problem.history[0].date.isoformat() == "2026-11-25"
    assert problem.pay.national_living_wage is None  # untouched default: the rate in force
    assert Problem.model_validate_json(problem.model_dump_json()) == problem
    assert json.loads(problem.model_dump_json())["visits"][0]["promised"]["time"] == "08:00:00"


def test_after_chain_without_cycle_is_valid() -> None:
    d = valid_problem()
    d["visits"][1]["after"] = [{"visit_id": "v1"}]
    d["visits"][2]["after"] = [{"visit_id": "v1"}, {"visit_id": "v2", "min_gap_min": 30}]
    assert len(parse(Problem, json.dumps(d), "p.json").visits[2].after) == 2


def test_history_file_model() -> None:
    from solver.model.problem import History

    h = History.model_validate_json(
        '{"history": [{"date": "2026-11-25", "client_id": "a", "carer_id": "c1"}]}'
    )
    assert h.history[0].carer_id == "c1"


def test_solution_care_rule_fields_are_optional_and_round_trip() -> None:
    from solver.model.problem import Change, RunPay

    base: Json = {
        "problem_id": "p",
        "status": "solved",
        "runs": [],
        "kpis": {
            "visits": 0,
            "visits_assigned": 0,
            "care_s": 0,
            "travel_s": 0,
            "distance_m": 0,
            "wait_s": 0,
            "travel_per_care_hour_min": 0.0,
            "carers_used": 0,
        },
        "solver": {"engine": "x", "wall_s": 0.0, "seed": 0},
    }
    sol = Solution.model_validate(base)
    assert sol.changes is None and sol.violations is None and sol.kpis.pay_cost is None
    base["changes"] = [{"visit_id": "v1", "from_carer": "c1", "to_carer": None, "from_start": "09:00"}]
    base["violations"] = [{"rule": "min_gap", "message": "too close", "visit_id": "v2"}]
    sol = Solution.model_validate_json(json.dumps(base))
    assert sol.changes == [Change(visit_id="v1", from_carer="c1", from_start=9 * 3600)]
    assert json.loads(sol.model_dump_json())["changes"][0]["from_start"] == "09:00:00"
    pay = RunPay(
        working_s=3600,
        paid_s=3600,
        unpaid_commute_s=600,
        wage_cost=12.71,
        mileage_cost=0.0,
        cost=12.71,
        pay_per_working_hour=12.71,
        flags=["BELOW_NLW"],
    )
    assert RunPay.model_validate_json(pay.model_dump_json()) == pay


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("visits", 0, "demand"), 10**30),
        (("carers", 0, "capacity"), 10**30),
        (("carers", 0, "max_visits"), 10**30),
        (("options", "solution_limit"), 10**30),
        (("continuity", "cost_min"), 1e12),
        (("visits", 0, "duration_min"), 1e12),
    ],
)
def test_numbers_past_the_engine_arithmetic_are_refused(path: tuple[str | int, ...], value: float) -> None:
    """The CLI and the API share these bounds: a huge value is a named field error, never an overflow."""
    data = valid_problem()
    data.setdefault("continuity", {})
    data.setdefault("options", {})
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(InputError) as err:
        parse(Problem, json.dumps(data), "problem")
    assert ".".join(str(k) for k in path) in str(err.value).replace("[", ".").replace("]", "")


# --------------------------------------------------------------------------- errors as data


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        ("visits.0.duration_min", 1441, "visits[0].duration_min"),
        ("carers.0.breaks.0.duration_min", 1441, "carers[0].breaks[0].duration_min"),
        ("carers.0.max_working_min", 10 * 1440 + 1, "carers[0].max_working_min"),
        ("travel.speed_kmh.car", 1001, "travel.speed_kmh.car"),
        ("travel.speed_kmh.walk", 0.001, "travel.speed_kmh.walk"),
    ],
)
def test_rules_of_the_domain_are_the_models(path: str, value: float, where: str) -> None:
    """A visit of over a day, a faster-than-a-plane carer: refused by the contract, so by the CLI."""
    d = valid_problem()
    setp(path, value)(d)
    with pytest.raises(InputError) as caught:
        parse(Problem, json.dumps(d), "p.json")
    assert [e.path for e in caught.value.errors] == [where]


def test_a_day_long_visit_and_a_plane_speed_are_still_allowed() -> None:
    d = valid_problem()
    d["visits"][0]["duration_min"] = 1440
    d["travel"]["speed_kmh"]["car"] = 1000
    parse(Problem, json.dumps(d), "p.json")


def test_matrix_entries_are_bounded() -> None:
    d = with_matrix(valid_problem())
    d["travel"]["distances_m"]["car"][0][1] = 10_000_001
    with pytest.raises(InputError) as caught:
        parse(Problem, json.dumps(d), "p.json")
    assert [e.path for e in caught.value.errors] == ["travel.distances_m.car[0][1]"]


def test_cross_field_faults_are_issues_with_their_own_paths() -> None:
    d = valid_problem()
    d["visits"][0]["excluded_carers"] = ["x1"]
    d["visits"][2]["pinned_carer"] = "x3"
    with pytest.raises(InputError) as caught:
        parse(Problem, json.dumps(d), "p.json")
    error = caught.value
    assert error.source == "p.json"
    assert error.errors == [
        FieldIssue("visits[0].excluded_carers[0]", "unknown carer id 'x1'"),
        FieldIssue("visits[2].pinned_carer", "unknown carer id 'x3'"),
    ]
    assert str(error) == (
        "p.json: 2 problem(s)\n"
        "  visits[0].excluded_carers[0]: unknown carer id 'x1'\n"
        "  visits[2].pinned_carer: unknown carer id 'x3'"
    )


def test_a_null_leg_and_its_distance_are_accepted() -> None:
    """null: no route; where the duration is null the distance may be null or a number."""
    d = with_matrix(valid_problem())
    d["travel"]["durations_s"]["car"][0][1] = None
    d["travel"]["durations_s"]["car"][1][0] = None
    d["travel"]["distances_m"]["car"][0][1] = None
    travel = parse(Problem, json.dumps(d), "p.json").travel
    assert isinstance(travel, MatrixTravel)
    assert travel.durations_s["car"][0][1] is None and travel.distances_m["car"][1][0] == 600


def test_a_matrix_of_the_wrong_size_is_named_under_travel() -> None:
    d = with_matrix(valid_problem())
    d["travel"]["durations_s"]["walk"] = [[0]]
    with pytest.raises(InputError) as caught:
        parse(Problem, json.dumps(d), "p.json")
    (issue,) = caught.value.errors
    assert issue.path == "travel.durations_s.walk" and "6 x 6" in issue.message


def test_a_carer_with_two_runs_is_named_at_the_second_run() -> None:
    solution = {
        "problem_id": "p",
        "status": "solved",
        "runs": [
            {"carer_id": "c1", "start": "07:00", "end": "08:00", "stops": [], "travel_s": 0,
             "distance_m": 0, "care_s": 0, "wait_s": 0},
        ] * 2,
        "kpis": {"visits": 0, "visits_assigned": 0, "care_s": 0, "travel_s": 0, "distance_m": 0,
                 "wait_s": 0, "travel_per_care_hour_min": 0, "carers_used": 1},
        "solver": {"engine": "x", "wall_s": 0, "seed": 0},
    }  # fmt: skip
    with pytest.raises(InputError) as caught:
        parse(Solution, json.dumps(solution), "s.json")
    assert caught.value.errors == [FieldIssue("runs[1].carer_id", "carer 'c1' has two runs")]


@pytest.mark.parametrize(
    ("text", "issues"),
    [
        ("not a number", [("", "not a number")]),
        ("events[0].carer_id: unknown carer 'x'", [("events[0].carer_id", "unknown carer 'x'")]),
        (
            "plan: runs[0].visit_ids[0]: unknown visit 'a'; runs[1]: two runs; really",
            [("plan.runs[0].visit_ids[0]", "unknown visit 'a'"), ("plan.runs[1]", "two runs; really")],
        ),
        ("plan: its runs cannot be timed", [("plan", "its runs cannot be timed")]),
        (
            "published plan breaks 2 rule(s): [window] late",
            [("", "published plan breaks 2 rule(s): [window] late")],
        ),
        ("--now: 25:00 is not a time", [("", "--now: 25:00 is not a time")]),
    ],
)
def test_an_error_written_as_text_keeps_its_text_and_reads_its_paths(
    text: str, issues: list[tuple[str, str]]
) -> None:
    error = InputError(text)
    assert str(error) == text
    assert [(e.path, e.message) for e in error.errors] == issues


def test_an_error_with_a_source_names_it_first() -> None:
    error = InputError("no such file", source="p.json")
    assert str(error) == "p.json: no such file"
    assert error.errors == [FieldIssue("", "no such file")] and error.source == "p.json"


def test_an_error_keeps_its_issues_across_processes() -> None:
    for error in (InputError([FieldIssue("visits[0]", "bad")], "p.json"), InputError("a.b: c")):
        copied = pickle.loads(pickle.dumps(error))
        assert isinstance(copied, InputError)
        assert (str(copied), copied.errors, copied.source) == (str(error), error.errors, error.source)


def test_field_path_reads_like_the_json() -> None:
    assert field_path(("visits", 3, "window")) == "visits[3].window"
    assert field_path(("travel", "matrix", "durations_s", "car", 0, 1)) == "travel.durations_s.car[0][1]"
    assert field_path(()) == ""
    assert join_path("runs", "[1].carer_id") == "runs[1].carer_id"
    assert join_path("problem", "visits") == "problem.visits" and join_path("", "x") == "x"
