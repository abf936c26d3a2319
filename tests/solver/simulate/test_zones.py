"""Zone designs (solver/simulate/zones.py): every LSOA in exactly one zone, seeded, outlines."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from solver.generate.day import hub_zone, load_lsoas
from solver.io.documents import InputError
from solver.simulate.zones import LEGACY3, kmeans, patches, resolve, zones_geojson


def test_hubs18_matches_the_generators_hub_cells() -> None:
    design = resolve("hubs18", 0)
    lsoas = load_lsoas()
    assert design.lsoa_zone is not None and len(design.zones) == 18
    mine = {
        code for code, k in zip(lsoas.codes, design.lsoa_zone, strict=True) if design.zones[k] == "Warminster"
    }
    assert mine == set(hub_zone("Warminster"))


def test_legacy3_groups_the_hub_towns_six_to_a_zone() -> None:
    design = resolve("legacy3", 0)
    assert design.zones == tuple(LEGACY3)
    assert sorted(len(h) for h in LEGACY3.values()) == [6, 6, 6]
    home = {
        "trowbridge": (51.3164, -2.2094),
        "salisbury": (51.0740, -1.7936),
        "chippenham": (51.4590, -2.1160),
    }
    assert design.assign(home) == {"trowbridge": "West", "salisbury": "South", "chippenham": "North"}


def test_patches50_are_about_ten_thousand_people_each() -> None:
    design = patches(50)
    assert design.name == "patches50" and len(design.zones) == 50
    sizes = Counter(design.lsoa_zone or ())
    assert set(sizes.values()) <= {6, 7}  # 307 LSOAs of ~1,660 residents: ~10,000 per patch


def test_kmeans_is_seeded() -> None:
    assert kmeans(30, 0).lsoa_zone == kmeans(30, 0).lsoa_zone
    assert kmeans(30, 0).lsoa_zone != kmeans(30, 1).lsoa_zone
    assert len(kmeans(30, 0).zones) <= 30


def test_outlines_do_not_overlap_and_hold_their_lsoas() -> None:
    design = resolve("kmeans:6", 0)
    lsoas = load_lsoas()
    polys = [design.polygons[z] for z in design.zones]
    for i, a in enumerate(polys):
        for b in polys[i + 1 :]:
            assert a.intersection(b).area < 1e-9
    for k, lat, lon in zip(design.lsoa_zone or (), lsoas.lat, lsoas.lon, strict=True):
        assert polys[k].buffer(1e-6).contains(Point(lon, lat))


def test_geojson_is_lon_lat(tmp_path: Path) -> None:
    doc = zones_geojson([resolve("legacy3", 0)])
    lon, lat = doc["features"][0]["geometry"]["coordinates"][0][0]
    assert -2.5 < lon < -1.4 and 50.9 < lat < 51.8
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(doc))
    user = resolve(f"geojson:{path}", 0)
    assert user.zones == ("North", "West", "South")
    assert user.assign({"x": (51.0740, -1.7936), "sea": (50.0, -3.0)}) == {"x": "South", "sea": None}


@pytest.mark.parametrize(
    "token", ["legacy4", "kmeans:0", "kmeans:x", "patches:999", "geojson:/no/such.geojson"]
)
def test_bad_design_names_are_input_errors(token: str) -> None:
    with pytest.raises(InputError):
        resolve(token, 0)


@settings(max_examples=8, deadline=None)
@given(st.integers(min_value=1, max_value=307))
def test_patches_of_any_count_are_equal_to_one_lsoa(n: int) -> None:
    sizes = Counter(patches(n).lsoa_zone or ())
    assert len(sizes) == n and max(sizes.values()) - min(sizes.values()) <= 1
