"""Zone designs (solver/simulate/zones.py): every LSOA in exactly one zone, seeded, outlines."""

from __future__ import annotations

import json
import math
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, shape

from solver.generate.day import hub_zone, load_lsoas
from solver.io.documents import InputError
from solver.simulate.zones import LEGACY3, ZoneDesign, county_outline, kmeans, patches, resolve, zones_geojson


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
    geometry = doc["features"][0]["geometry"]
    rings = geometry["coordinates"] if geometry["type"] == "Polygon" else geometry["coordinates"][0]
    lon, lat = rings[0][0]
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


def _signed_area(ring: list[list[float]]) -> float:
    """Shoelace sum: positive for a counter-clockwise ring in (lon, lat)."""
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in pairwise(ring)) / 2


def test_exterior_rings_are_counter_clockwise_and_holes_clockwise() -> None:
    """RFC 7946 section 3.1.6, on every design's zones and on a user polygon with a hole written
    the wrong way round."""
    designs = [resolve(name, 0) for name in ("legacy3", "hubs18", "kmeans:12")]
    clockwise_square = [[-2.3, 51.1], [-2.3, 51.3], [-2.0, 51.3], [-2.0, 51.1], [-2.3, 51.1]]
    hole = [[-2.2, 51.15], [-2.1, 51.15], [-2.1, 51.2], [-2.2, 51.2], [-2.2, 51.15]]
    assert _signed_area(clockwise_square) < 0 < _signed_area(hole)
    user = ZoneDesign(
        "user", ("W",), {"W": shape({"type": "Polygon", "coordinates": [clockwise_square, hole]})}
    )
    checked = 0
    for feature in zones_geojson([*designs, user])["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for exterior, *holes in polygons:
            assert _signed_area(exterior) > 0
            assert all(_signed_area(h) < 0 for h in holes)
            checked += 1
    assert checked > 33


def test_county_outline_is_about_wiltshires_area() -> None:
    """The union of the LSOA cells: Wiltshire (unitary authority) is 3,485 km2."""
    outline = county_outline()
    km2 = outline.area * 111.32**2 * math.cos(math.radians(51.3))
    assert 3200 < km2 < 3800
    lsoas = load_lsoas()
    assert all(
        outline.buffer(1e-6).contains(Point(lon, lat)) for lat, lon in zip(lsoas.lat, lsoas.lon, strict=True)
    )


SQUARE = [[-2.3, 51.1], [-2.0, 51.1], [-2.0, 51.3], [-2.3, 51.3], [-2.3, 51.1]]


def _feature(geometry: object) -> dict[str, object]:
    return {"type": "Feature", "properties": {"name": "W"}, "geometry": geometry}


def _doc(geometry: object) -> dict[str, object]:
    return {"type": "FeatureCollection", "features": [_feature(geometry)]}


BOWTIE = [[-2.3, 51.1], [-2.0, 51.3], [-2.0, 51.1], [-2.3, 51.3], [-2.3, 51.1]]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([_feature({"type": "Polygon", "coordinates": [SQUARE]})], "top level is a JSON list"),
        ("just text", "top level is a JSON str"),
        ({"type": "FeatureCollection"}, "features: expected a non-empty list"),
        ({"type": "Topology"}, "type: expected 'FeatureCollection'"),
        ({"type": "FeatureCollection", "features": [7]}, "features[0]: expected a Feature object"),
        ({"type": "FeatureCollection", "features": [{"type": "Feature"}]}, "features[0].geometry: missing"),
        (_doc({"type": "Point", "coordinates": [-2, 51]}), "features[0].geometry.type: expected a Polygon"),
        (
            _doc({"type": "Polygon", "coordinates": [[[-2, "x"]] * 4]}),
            "coordinates[0][0]: expected a position",
        ),
        (_doc({"type": "Polygon", "coordinates": [[[51.2, -200.0]] * 4]}), "is not [longitude, latitude]"),
        (_doc({"type": "Polygon", "coordinates": [[*SQUARE[:-1], [-2.2, 51.1]]]}), "not closed"),
        (_doc({"type": "Polygon", "coordinates": [SQUARE[:2]]}), "at least 4 positions"),
        (_doc({"type": "MultiPolygon", "coordinates": [[BOWTIE]]}), "not a valid polygon (Self-intersection"),
    ],
)
def test_malformed_geojson_exits_2_naming_the_problem(tmp_path: Path, document: object, message: str) -> None:
    """Through the command line: a clear message, exit 2, never an internal error."""
    from typer.testing import CliRunner

    from solver.cli import app

    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(document))
    result = CliRunner().invoke(
        app, ["simulate", "--designs", f"geojson:{path}", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()), result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
