"""The seeded Wiltshire instance generator and the instances it ships."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.generate import day as generate
from solver.generate.day import (
    ATTRIBUTION,
    DATA_PATH,
    HOMECARE_DIR,
    HUBS,
    REPO_ROOT,
    SHIPPED,
    GenerateConfig,
    calibration,
    format_calibration,
    generate_day,
    hub_zone,
    load_lsoas,
    shift_mix,
    shipped_instance,
    write_problem,
    zone_lsoas,
)
from solver.model.clock import parse_time
from solver.model.problem import Problem, Solution

CALIBRATION_KEYS = {
    "visits",
    "clients",
    "carers",
    "double_up_share",
    "share_30min",
    "contact_hours",
    "carer_contact_hours_per_carer",
    "carer_hours_available",
    "served_share",
    "mean_miles_between_visits",
    "travel_min_per_contact_hour",
    "travel_share_of_paid_time",
    "wtr_break_share",
    "min_rest_between_days_h",
    "promised_share",
    "medication_gaps",
}


def _json(problem: Problem) -> str:
    return problem.model_dump_json(indent=2, exclude_none=True) + "\n"


def _load(name: str) -> Problem:
    return Problem.model_validate_json((HOMECARE_DIR / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def zone() -> Problem:
    return _load("zone")


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_byte_identical_json() -> None:
    first = _json(generate_day("Westbury", visits=60, seed=7))
    assert first == _json(generate_day("Westbury", visits=60, seed=7))
    assert first != _json(generate_day("Westbury", visits=60, seed=8))


@pytest.mark.parametrize("name", list(SHIPPED))
def test_shipped_file_regenerates_identically(name: str) -> None:
    text = (HOMECARE_DIR / f"{name}.json").read_text(encoding="utf-8")
    assert _json(shipped_instance(name)) == text


@pytest.mark.parametrize("name", list(SHIPPED))
def test_shipped_file_validates(name: str) -> None:
    problem = _load(name)
    assert len(problem.visits) == SHIPPED[name]["visits"]
    assert problem.options.time_limit_s == 30
    assert problem.options.seed == 0


# --------------------------------------------------------------------------- zone.json shape


def test_zone_json_shape(zone: Problem) -> None:
    n = len(zone.visits)
    assert 297 <= n <= 363
    doubles = sum(v.carers_required == 2 for v in zone.visits) / n
    assert 0.15 <= doubles <= 0.25
    assert 35 <= len(zone.carers) <= 50


def test_every_visit_fits_some_carers_shift(zone: Problem) -> None:
    for visit in zone.visits:
        assert any(
            c.shift.start <= visit.window.start and visit.window.end + visit.duration_s <= c.shift.end
            for c in zone.carers
        ), visit.id


def test_every_visit_has_enough_eligible_carers(zone: Problem) -> None:
    """Skills were topped up so that at least twice the carers needed may do each visit."""
    for visit in zone.visits:
        able = [
            c
            for c in zone.carers
            if set(visit.skills) <= set(c.skills)
            and c.id not in visit.excluded_carers
            and (visit.carer_gender is None or c.gender == visit.carer_gender)
            and max(c.shift.start, visit.window.start) + visit.duration_s <= c.shift.end
        ]
        assert len(able) >= 2 * visit.carers_required, visit.id


def test_double_ups_are_am_or_bed_calls(zone: Problem) -> None:
    for visit in zone.visits:
        if visit.carers_required == 2:
            assert visit.window.start < parse_time("11:00") or visit.window.start >= parse_time("18:30")


def test_windows_are_thirty_or_sixty_minutes_either_side(zone: Problem) -> None:
    widths = {(v.window.end - v.window.start) // 60 for v in zone.visits}
    assert widths <= set(range(0, 121))
    assert {60, 120} <= widths


def test_every_shift_over_six_hours_has_a_twenty_minute_break(zone: Problem) -> None:
    """Working Time Regulations, reg. 12: a rest break of 20 minutes in a day over 6 hours."""
    for carer in zone.carers:
        if carer.shift.end - carer.shift.start > 6 * 3600:
            assert any(b.duration_min >= 20 for b in carer.breaks), carer.id
            for brk in carer.breaks:  # placed inside the day, not at either end of it
                assert carer.shift.start < brk.window.start
                assert brk.window.end + brk.duration_s < carer.shift.end


def test_eleven_hours_rest_between_one_days_finish_and_the_next_start(zone: Problem) -> None:
    """Reg. 10: a carer works the same pattern every day, so a shift may span at most 13 hours."""
    for carer in zone.carers:
        assert carer.shift.start + 24 * 3600 - carer.shift.end >= 11 * 3600, carer.id


def test_shift_mix_keeps_most_carers_on_split_shifts(zone: Problem) -> None:
    split = [c for c in zone.carers if any(b.duration_min == 150 for b in c.breaks)]
    assert 0.55 <= len(split) / len(zone.carers) <= 0.75
    assert any(c.shift.end == parse_time("22:00") for c in zone.carers)  # bed calls are covered


def test_every_visit_has_a_promised_time_inside_its_window(zone: Problem) -> None:
    for visit in zone.visits:
        assert visit.promised is not None
        assert visit.window.start <= visit.promised.time <= visit.window.end
        assert visit.promised.tolerance_min == 15


def test_medication_calls_of_a_client_keep_four_hours_apart(zone: Problem) -> None:
    by_id = {v.id: v for v in zone.visits}
    gaps = [(v, a) for v in zone.visits for a in v.after]
    assert len(gaps) >= 10
    for visit, gap in gaps:
        earlier = by_id[gap.visit_id]
        assert gap.min_gap_min == 240
        assert "medication" in visit.skills and "medication" in earlier.skills
        assert earlier.client == visit.client
        assert visit.promised is not None and earlier.promised is not None
        assert visit.promised.time - earlier.promised.time >= 240 * 60  # both promises can be kept
        assert visit.window.end - earlier.window.start >= 240 * 60


def test_clients_spread_towards_the_rural_lsoas() -> None:
    """Provider overlap: an LSOA's weight is its area, so a big rural LSOA draws more clients."""
    area = zone_lsoas("Warminster")
    weights = generate.lsoa_weights(area, GenerateConfig())
    assert weights.sum() == pytest.approx(1.0)
    big, small = int(area.area_km2.argmax()), int(area.area_km2.argmin())
    assert weights[big] / weights[small] == pytest.approx(area.area_km2[big] / area.area_km2[small])
    flat = generate.lsoa_weights(area, GenerateConfig(spread_exponent=0.0))
    assert flat == pytest.approx(1 / len(area.codes))


def test_zone_travel_is_inside_the_uk_bands(zone: Problem) -> None:
    """Mean leg 3.0-4.3 miles and 8-15 travel minutes per contact hour on a construction plan."""
    figures = calibration(zone)
    for key in ("mean_miles_between_visits", "travel_min_per_contact_hour", "travel_share_of_paid_time"):
        low, high = figures[key]["target"] or (0, 0)
        assert low <= figures[key]["value"] <= high, key


@pytest.mark.parametrize("seed", [1, 2])
def test_other_warminster_days_travel_inside_the_uk_bands(seed: int) -> None:
    """The bands hold by the generator's mechanism, not for one shipped file only."""
    figures = calibration(generate_day("Warminster", visits=330, seed=seed))
    for key in (
        "carers",
        "carer_contact_hours_per_carer",
        "mean_miles_between_visits",
        "travel_min_per_contact_hour",
        "travel_share_of_paid_time",
    ):
        low, high = figures[key]["target"] or (0, 0)
        assert low <= figures[key]["value"] <= high, key


@pytest.mark.parametrize(("zone_name", "seed"), [("Warminster", 0), ("Devizes", 1), ("Calne", 2)])
def test_shift_mix_moves_hours_to_the_bed_calls_and_keeps_the_split_share(zone_name: str, seed: int) -> None:
    """More carers are out after 20:00 than the plain mix puts there; splits stay splits."""
    config = GenerateConfig()
    day = generate_day(zone_name, visits=330, seed=seed)
    visits = [
        {
            "window": {"start": v.window.start, "end": v.window.end},
            "duration_min": v.duration_min,
            "carers_required": v.carers_required,
        }
        for v in day.visits
    ]
    n = len(day.carers)
    counts = shift_mix(n, visits, config)
    assert sum(counts.values()) == n
    total = sum(p.share for p in config.shifts.values())
    split = sum(counts[name] for name, p in config.shifts.items() if len(p.blocks) == 2)
    planned = sum(n * p.share / total for p in config.shifts.values() if len(p.blocks) == 2)
    assert abs(split - planned) <= 1
    late_end = parse_time("22:00")
    evening = sum(counts[name] for name, p in config.shifts.items() if parse_time(p.end) == late_end)
    planned_evening = sum(
        n * p.share / total for p in config.shifts.values() if parse_time(p.end) == late_end
    )
    assert evening >= planned_evening + 2


def test_ids_and_exact_visit_count() -> None:
    problem = generate_day("Calne", visits=57, seed=3)
    assert [v.id for v in problem.visits] == [f"v{i:03d}" for i in range(1, 58)]
    assert [c.id for c in problem.carers] == [f"c{i:02d}" for i in range(1, len(problem.carers) + 1)]
    assert all(v.client_id is not None and v.client_id.startswith("cl") for v in problem.visits)


def test_fixed_carer_count_is_respected() -> None:
    assert len(generate_day("Devizes", visits=30, carers=9, seed=1).carers) == 9


@settings(max_examples=15, deadline=None)
@given(hub=st.sampled_from(sorted(HUBS)), visits=st.integers(1, 60), seed=st.integers(0, 2**31 - 1))
def test_any_hub_seed_and_size_gives_a_valid_day(hub: str, visits: int, seed: int) -> None:
    problem = generate_day(hub, visits=visits, seed=seed)
    assert len(problem.visits) == visits
    start, end = parse_time("07:00"), parse_time("22:00")
    assert all(
        start <= v.window.start <= v.window.end and v.window.end + v.duration_s <= end for v in problem.visits
    )
    assert Problem.model_validate_json(_json(problem)) == problem


# --------------------------------------------------------------------------- zones and data


def test_hub_zones_partition_the_county() -> None:
    zones = {hub: hub_zone(hub) for hub in HUBS}
    codes = [code for cell in zones.values() for code in cell]
    assert len(codes) == len(set(codes)) == 307
    assert set(codes) == set(load_lsoas().codes)
    assert len(zones["Warminster"]) == 18  # docs/calibration.md, "Places"
    assert len(zone_lsoas("county").codes) == 307
    assert len(zone_lsoas("Salisbury+Amesbury").codes) == len(zones["Salisbury"]) + len(zones["Amesbury"])


def test_zone_aliases_and_unknown_zone() -> None:
    assert hub_zone("bradford-on-avon") == hub_zone("Bradford on Avon")
    assert hub_zone("Tisbury") == hub_zone("South West Wiltshire")
    assert hub_zone("Downton") == hub_zone("Southern Wiltshire")
    assert hub_zone("Royal Wootton Bassett") == hub_zone("Royal Wootton Bassett & Cricklade")
    with pytest.raises(ValueError, match="unknown zone 'Swindon'"):
        hub_zone("Swindon")


def test_data_is_read_from_the_package() -> None:
    assert DATA_PATH.is_file()
    assert Path(str(DATA_PATH)).is_relative_to(Path(generate.__file__).parent / "data")
    assert "../shared" not in Path(generate.__file__).read_text(encoding="utf-8")


def test_missing_csv_gives_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.csv"
    shipped = r"solver/generate/data/wiltshire_lsoa21_centroids\.csv"
    with pytest.raises(FileNotFoundError, match=shipped) as info:
        load_lsoas(missing)
    assert str(missing) in str(info.value)
    with pytest.raises(FileNotFoundError, match="LSOA centroid data not found"):
        generate_day(visits=5, config=GenerateConfig(lsoa_csv=str(missing)))


def test_attribution_is_kept_verbatim() -> None:
    line = (
        "Source: Office for National Statistics licensed under the Open Government Licence v3.0; "
        "contains OS data © Crown copyright and database right; via github.com/drkane/geo-lookups."
    )
    assert line == ATTRIBUTION
    assert line in (REPO_ROOT / "instances" / "README.md").read_text(encoding="utf-8")
    assert line in (Path(str(DATA_PATH)).parent / "README.md").read_text(encoding="utf-8")
    assert generate.__doc__ is not None and line in generate.__doc__


# --------------------------------------------------------------------------- writing


def test_write_problem_round_trips(tmp_path: Path) -> None:
    problem = generate_day("Corsham", visits=25, seed=5)
    path = write_problem(problem, tmp_path / "out" / "day.json")
    text = path.read_text(encoding="utf-8")
    assert "null" not in text
    assert Problem.model_validate_json(text) == problem


# --------------------------------------------------------------------------- calibration


def test_calibration_estimate_has_the_target_keys(zone: Problem) -> None:
    figures = calibration(zone)
    assert set(figures) == CALIBRATION_KEYS
    assert figures["visits"]["value"] == len(zone.visits)
    assert figures["mean_miles_between_visits"]["basis"] == "estimate"
    assert figures["mean_miles_between_visits"]["target"] == (3.0, 4.3)
    assert figures["share_30min"]["target"] == (0.60, 0.75)
    assert 0 < figures["travel_share_of_paid_time"]["value"] < 1
    assert figures["served_share"]["value"] > 0.9
    assert figures["wtr_break_share"]["value"] == 1.0
    assert figures["min_rest_between_days_h"]["value"] >= 11
    text = format_calibration(figures)
    for figure in figures.values():
        assert figure["label"] in text
    assert "Working Time Regulations 1998, reg. 10" in text  # the sources are printed


def test_calibration_from_a_solution_skips_the_leg_from_home() -> None:
    problem = generate_day("Calne", visits=3, carers=2, seed=2)
    v1, v2, v3 = (v.id for v in problem.visits)
    stop = {"arrival": "08:00", "start": "08:00", "end": "08:30", "wait_s": 0}
    solution = Solution.model_validate(
        {
            "problem_id": problem.id,
            "status": "partial",
            "runs": [
                {
                    "carer_id": problem.carers[0].id,
                    "start": "07:30",
                    "end": "10:00",
                    "stops": [
                        {"visit_id": v1, "travel_s": 9999, "distance_m": 99999, **stop},
                        {"visit_id": v2, "travel_s": 600, "distance_m": 6000, **stop},
                    ],
                    "travel_s": 12000,
                    "distance_m": 120000,
                    "care_s": 3000,
                    "wait_s": 0,
                }
            ],
            "unassigned": [{"visit_id": v3, "code": "OPTIMISER_DROPPED", "reason": "test"}],
            "kpis": {
                "visits": 3,
                "visits_assigned": 2,
                "care_s": 3000,
                "travel_s": 12000,
                "distance_m": 120000,
                "wait_s": 0,
                "travel_per_care_hour_min": 0.0,
                "carers_used": 1,
            },
            "solver": {"engine": "test", "wall_s": 0.0, "seed": 0},
        }
    )
    figures = calibration(problem, solution)
    assert figures["mean_miles_between_visits"]["basis"] == "solution"
    assert figures["mean_miles_between_visits"]["value"] == pytest.approx(6000 / 1609.344, abs=1e-3)
    assert figures["travel_min_per_contact_hour"]["value"] == pytest.approx(10 / (3000 / 3600), abs=1e-3)
    assert figures["travel_share_of_paid_time"]["value"] == pytest.approx(600 / 3600, abs=1e-3)
    assert figures["served_share"]["value"] == pytest.approx(2 / 3, abs=1e-3)
