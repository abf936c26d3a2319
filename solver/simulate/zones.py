"""Zone designs: which zone each client's home falls in, and the zones' outlines.

Generated designs are groupings of Wiltshire's 307 LSOAs; a client belongs to the zone of the
LSOA whose population-weighted centroid is nearest, and a zone's outline is the union of its
LSOAs' Voronoi cells, each clipped to the county's hull plus 3 km and to a disc twice the
radius of its LSOA's area, gaps inside filled (``_cells``): the ONS file has centroids and
areas, not boundaries, so outlines are an approximation. User designs are GeoJSON polygons, and a client
belongs to the polygon that contains their home.

- ``legacy3``: Wiltshire's former 3-zone model. Its boundaries are not published (docs/calibration.md,
  "Zone designs"); the 2011-16 lot names ("North 2", "West 2") and provider split suggest North, West and
  South. We group the 18 area-board hub towns six to a zone (see ``LEGACY3``), then every LSOA
  follows its nearest hub town.
- ``hubs18``: the nearest of the 18 area-board hub towns (``solver.generate.day.HUBS``).
- ``kmeans:K``: k-means (k-means++ start, seeded) on LSOA centroids in km.
- ``patches50`` / ``patches:N``: about 10,000 residents per patch (Buurtzorg scale, docs/calibration.md),
  i.e. equal numbers of LSOAs, by recursive bisection along the longer side.
- ``geojson:PATH``: the user's Polygon / MultiPolygon features (named by ``name`` or ``zone``).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.cluster.vq import kmeans2
from shapely.geometry import GeometryCollection, MultiPoint, MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient
from shapely.ops import unary_union

from solver.generate.day import HUBS, Lsoas, km_between, load_lsoas
from solver.io.documents import InputError

FloatArray = NDArray[np.float64]
KM_PER_DEG = 111.32
OUTLINE_MARGIN_KM = 3.0
CELL_DISC = 2.0

# The legacy North / West / South split by hub town [derived, unverified: docs/calibration.md].
LEGACY3: dict[str, tuple[str, ...]] = {
    "North": (
        "Chippenham",
        "Calne",
        "Corsham",
        "Malmesbury",
        "Royal Wootton Bassett & Cricklade",
        "Marlborough",
    ),
    "West": ("Trowbridge", "Melksham", "Bradford on Avon", "Westbury", "Warminster", "Devizes"),
    "South": ("Salisbury", "Amesbury", "Tidworth", "Southern Wiltshire", "South West Wiltshire", "Pewsey"),
}
DESIGN_HELP = "legacy3, hubs18, kmeans:K, patches50, patches:N or geojson:PATH"


@dataclass(frozen=True)
class ZoneDesign:
    """A named set of zones: LSOA-based (``lsoa_zone``) or polygon-based (``polygons`` only)."""

    name: str
    zones: tuple[str, ...]
    polygons: dict[str, BaseGeometry]  # zone -> outline in (lon, lat)
    lsoa_zone: tuple[int, ...] | None = None  # zone index of each LSOA, in file order

    def assign(self, homes: dict[str, tuple[float, float]]) -> dict[str, str | None]:
        """The zone of each client (None: outside every polygon of a user design)."""
        ids = list(homes)
        if not ids:
            return {}
        lat = np.array([homes[c][0] for c in ids])
        lon = np.array([homes[c][1] for c in ids])
        if self.lsoa_zone is not None:
            lsoas = load_lsoas()
            nearest = km_between(lat[:, None], lon[:, None], lsoas.lat[None, :], lsoas.lon[None, :]).argmin(1)
            return {c: self.zones[self.lsoa_zone[int(k)]] for c, k in zip(ids, nearest, strict=True)}
        out: dict[str, str | None] = dict.fromkeys(ids)
        for zone in self.zones:
            inside = shapely.contains_xy(self.polygons[zone], lon, lat)
            for c, hit in zip(ids, inside, strict=True):
                if hit and out[c] is None:
                    out[c] = zone
        return out


def _xy(lsoas: Lsoas) -> tuple[FloatArray, float, float]:
    """LSOA centroids in km on a local flat projection, with its origin."""
    lat0, lon0 = float(lsoas.lat.mean()), float(lsoas.lon.mean())
    x = (lsoas.lon - lon0) * KM_PER_DEG * math.cos(math.radians(lat0))
    y = (lsoas.lat - lat0) * KM_PER_DEG
    return np.column_stack([x, y]), lat0, lon0


@lru_cache(maxsize=1)
def _cells() -> tuple[BaseGeometry, ...]:
    """Each LSOA's area, in km: its Voronoi cell of the centroids, clipped to the county outline.

    ONS ships centroids and areas, not boundaries. The outline is the union of the cells, each
    clipped to the hull of the centroids plus ``OUTLINE_MARGIN_KM`` and to a disc of ``CELL_DISC``
    times the radius of a circle of its LSOA's area (so a large border cell stops near where its
    LSOA would, not at the hull), with the gaps between discs inside the county filled."""
    lsoas = load_lsoas()
    xy, _, _ = _xy(lsoas)
    points = MultiPoint([tuple(p) for p in xy])
    hull = points.convex_hull.buffer(OUTLINE_MARGIN_KM)
    cells = shapely.intersection(
        np.array(shapely.voronoi_polygons(points, extend_to=hull, ordered=True).geoms), hull
    )
    discs = shapely.buffer(shapely.points(xy), CELL_DISC * np.sqrt(lsoas.area_km2 / math.pi), quad_segs=8)
    covered = unary_union(shapely.intersection(cells, discs))
    pieces = [p for p in shapely.get_parts(covered) if isinstance(p, Polygon)]
    county = unary_union([Polygon(p.exterior) for p in pieces])
    return tuple(_polygonal(cell) for cell in shapely.intersection(cells, county))


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """The polygon parts of an intersection (dropping the slivers of lines and points)."""
    parts = [p for p in shapely.get_parts(geometry) if isinstance(p, Polygon) and not p.is_empty]
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _to_lonlat(geometry: BaseGeometry) -> BaseGeometry:
    _, lat0, lon0 = _xy(load_lsoas())
    kx = KM_PER_DEG * math.cos(math.radians(lat0))

    def shift(xy: FloatArray) -> FloatArray:
        return np.column_stack([lon0 + xy[:, 0] / kx, lat0 + xy[:, 1] / KM_PER_DEG])

    return shapely.transform(geometry, shift)


def _outlines(labels: list[int], n_zones: int) -> list[BaseGeometry]:
    """Each zone's union of its LSOAs' cells (``_cells``), in (lon, lat)."""
    parts: list[list[BaseGeometry]] = [[] for _ in range(n_zones)]
    for cell, label in zip(_cells(), labels, strict=True):
        parts[label].append(cell)
    return [_to_lonlat(unary_union(p)) for p in parts]


def county_outline() -> BaseGeometry:
    """Wiltshire as the union of every LSOA's cell (``_cells``), in (lon, lat): an approximation
    from the centroids and areas, described in the report's caveats."""
    return _to_lonlat(unary_union(_cells()))


def _from_labels(name: str, zone_names: list[str], labels: list[int]) -> ZoneDesign:
    used = sorted(set(labels))
    remap = {old: new for new, old in enumerate(used)}  # drop empty clusters, keep order
    labels = [remap[k] for k in labels]
    names = [zone_names[k] for k in used]
    outlines = _outlines(labels, len(names))
    return ZoneDesign(name, tuple(names), dict(zip(names, outlines, strict=True)), tuple(labels))


def _nearest_hub() -> list[int]:
    lsoas = load_lsoas()
    hubs = list(HUBS)
    hub_lat = np.array([HUBS[h][0] for h in hubs])
    hub_lon = np.array([HUBS[h][1] for h in hubs])
    return [int(k) for k in km_between(lsoas.lat[:, None], lsoas.lon[:, None], hub_lat, hub_lon).argmin(1)]


def hubs18() -> ZoneDesign:
    return _from_labels("hubs18", list(HUBS), _nearest_hub())


def legacy3() -> ZoneDesign:
    names = list(LEGACY3)
    group = {hub: names.index(z) for z, hubs in LEGACY3.items() for hub in hubs}
    hubs = list(HUBS)
    return _from_labels("legacy3", names, [group[hubs[k]] for k in _nearest_hub()])


def kmeans(k: int, seed: int) -> ZoneDesign:
    lsoas = load_lsoas()
    if not 1 <= k <= len(lsoas.codes):
        raise InputError(f"design kmeans:{k}: k must be between 1 and {len(lsoas.codes)} (the LSOAs)")
    xy, _, _ = _xy(lsoas)
    _, labels = kmeans2(xy, k, seed=seed, minit="++", iter=50)
    return _from_labels(f"kmeans:{k}", [f"K{i + 1:02d}" for i in range(k)], [int(x) for x in labels])


def patches(n: int) -> ZoneDesign:
    lsoas = load_lsoas()
    if not 1 <= n <= len(lsoas.codes):
        raise InputError(f"design patches:{n}: N must be between 1 and {len(lsoas.codes)} (the LSOAs)")
    xy, _, _ = _xy(lsoas)
    labels = [0] * len(lsoas.codes)
    _bisect(xy, list(range(len(lsoas.codes))), n, 0, labels)
    name = "patches50" if n == 50 else f"patches:{n}"
    return _from_labels(name, [f"P{i + 1:02d}" for i in range(n)], labels)


def _bisect(xy: FloatArray, rows: list[int], n: int, first: int, labels: list[int]) -> None:
    """Split ``rows`` into ``n`` patches of equal LSOA count, cutting across the longer side."""
    if n == 1:
        for r in rows:
            labels[r] = first
        return
    pts = xy[rows]
    axis = int(np.argmax(pts.max(0) - pts.min(0)))
    order = [rows[i] for i in np.argsort(pts[:, axis], kind="stable")]
    left_n = n // 2
    cut = round(len(rows) * left_n / n)
    _bisect(xy, order[:cut], left_n, first, labels)
    _bisect(xy, order[cut:], n - left_n, first + left_n, labels)


def from_geojson(path: str | Path) -> ZoneDesign:
    """A user design from a GeoJSON file; anything malformed is an ``InputError`` naming where."""
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise InputError(f"design geojson:{file}: no such file") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"design geojson:{file}: not JSON ({exc})") from exc
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise InputError(f"{file}: the top level is a JSON {kind}; expected a GeoJSON FeatureCollection")
    if data.get("type") == "Feature":
        features: Any = [data]
    elif data.get("type") == "FeatureCollection":
        features = data.get("features")
    else:
        raise InputError(f"{file}: type: expected 'FeatureCollection' or 'Feature', got {data.get('type')!r}")
    if not isinstance(features, list) or not features:
        raise InputError(f"{file}: features: expected a non-empty list of Polygon features")
    polygons: dict[str, BaseGeometry] = {}
    for i, feature in enumerate(features):
        where = f"{file}: features[{i}]"
        if not isinstance(feature, dict):
            raise InputError(f"{where}: expected a Feature object, got a JSON {type(feature).__name__}")
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict):
            raise InputError(f"{where}.geometry: missing; expected a Polygon or MultiPolygon")
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise InputError(f"{where}.properties: expected an object")
        zone = str(props.get("name") or props.get("zone") or f"Z{i + 1:02d}")
        if zone in polygons:
            raise InputError(f"{where}.properties.name: duplicate zone name {zone!r}")
        polygons[zone] = _polygon(geometry, f"{where}.geometry")
    return ZoneDesign(f"geojson:{file.name}", tuple(polygons), polygons, None)


def _polygon(geometry: dict[str, Any], where: str) -> BaseGeometry:
    """A Polygon or MultiPolygon checked ring by ring: RFC 7946 positions, closed rings."""
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon"):
        raise InputError(f"{where}.type: expected a Polygon or MultiPolygon, got {kind!r}")
    polys = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polys, list) or not polys:
        raise InputError(f"{where}.coordinates: expected a list of linear rings")
    for p, rings in enumerate(polys):
        at = f"{where}.coordinates" + ("" if kind == "Polygon" else f"[{p}]")
        if not isinstance(rings, list) or not rings:
            raise InputError(f"{at}: expected a list of linear rings")
        for r, ring in enumerate(rings):
            _check_ring(ring, f"{at}[{r}]")
    try:
        shaped = shape(geometry)
    except Exception as exc:  # shapely raises several types on malformed rings
        raise InputError(f"{where}: {exc}") from exc
    if not shaped.is_valid:
        raise InputError(f"{where}: not a valid polygon ({shapely.is_valid_reason(shaped)})")
    return shaped


def _check_ring(ring: Any, where: str) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise InputError(f"{where}: a linear ring needs at least 4 positions")
    for k, position in enumerate(ring):
        ok = isinstance(position, list) and len(position) in (2, 3)
        ok = ok and all(isinstance(x, int | float) and not isinstance(x, bool) for x in position)
        if not ok:
            raise InputError(f"{where}[{k}]: expected a position [lon, lat], got {json.dumps(position)}")
        lon, lat = position[0], position[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90 and math.isfinite(lon) and math.isfinite(lat)):
            raise InputError(f"{where}[{k}]: [{lon}, {lat}] is not [longitude, latitude] in degrees")
    if ring[0][:2] != ring[-1][:2]:
        raise InputError(f"{where}: the ring is not closed (its first and last positions differ)")


def resolve(token: str, seed: int) -> ZoneDesign:
    """A design from its name (``DESIGN_HELP``); unknown names are a clear input error."""
    text = token.strip()
    if text == "legacy3":
        return legacy3()
    if text == "hubs18":
        return hubs18()
    if text == "patches50":
        return patches(50)
    if text.startswith("geojson:"):
        return from_geojson(text.removeprefix("geojson:"))
    match = re.fullmatch(r"(kmeans|patches):(\d+)", text)
    if match:
        number = int(match.group(2))
        return kmeans(number, seed) if match.group(1) == "kmeans" else patches(number)
    raise InputError(f"unknown zone design {token!r}; use {DESIGN_HELP}")


def zones_geojson(designs: list[ZoneDesign]) -> dict[str, Any]:
    """RFC 7946 FeatureCollection of every design's zones ([lon, lat], exterior rings
    counter-clockwise)."""
    features = [
        {
            "type": "Feature",
            "properties": {"design": d.name, "zone": z},
            "geometry": mapping(counter_clockwise(shapely.set_precision(d.polygons[z], 1e-6))),
        }
        for d in designs
        for z in d.zones
    ]
    return {"type": "FeatureCollection", "features": features}


def counter_clockwise(geometry: BaseGeometry) -> BaseGeometry:
    """RFC 7946 section 3.1.6: exterior rings counter-clockwise, holes clockwise."""
    if isinstance(geometry, Polygon):
        return orient(geometry, 1.0)
    if isinstance(geometry, MultiPolygon):
        return MultiPolygon([orient(p, 1.0) for p in geometry.geoms])
    if isinstance(geometry, GeometryCollection):
        return GeometryCollection([counter_clockwise(g) for g in geometry.geoms])
    return geometry
