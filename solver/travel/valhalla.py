"""The road provider: Valhalla on OpenStreetMap data, in-process on a local tile set or over HTTP.

Carers drive roads, not great circles: a river with one bridge, a one-way town centre or a
rural lane makes the straight line a poor guess, and a plan timed on it runs late. Valhalla
answers a many-to-many ``sources_to_targets`` request with seconds and metres per pair, per
costing (``car`` is ``auto``, ``walk`` is ``pedestrian``, ``bike`` is ``bicycle``).

- ``tiles`` routes in-process with ``pyvalhalla``'s ``Actor`` (the ``roads`` extra); ``url``
  posts the same requests to a Valhalla server. Both answer the same JSON, read in one place.
  Matrices are computed with exact one-to-many searches (``exact``); a server should be set
  the same way (``carerun roads build`` writes such a ``valhalla.json``).
- A server limits the pairs of one request (``max_pairs``, 2,500 by default in Valhalla), so
  the matrix is asked for in blocks (``forward_requests``); in-process, blocks are larger.
- A pair with no route (an island, a one-way dead end at the edge of the extract) comes back
  without a time: it is NaN here and ``UNREACHABLE_S`` in the integer matrices, a leg no time
  window can fit.
- A place further than ``max_snap_m`` from any road of its costing is off the map: the error
  names each visit or carer at such a place.
- Matrices are kept on disk (``solver.travel.cache``) and a hit is said in the travel notes,
  which the engine copies into ``solver.notes``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from solver.model.errors import FieldIssue, InputError
from solver.model.problem import Location, Problem, ValhallaTravel
from solver.travel.cache import FloatMatrix, MatrixCache, Place, RoadMatrix, default_cache_dir
from solver.travel.provider import UNREACHABLE_S, TravelMatrices, used_places

HTTP_TIMEOUT_S = 120.0
ACTOR_METHOD = {"sources_to_targets": "matrix"}  # the server's action names, as the Actor spells them
LOCAL_PAIRS = 250_000  # pairs of one in-process request: no server limit, and memory to spare
LOCATE_GROUP = 20  # a server's default limit on the locations of one request
UNCONNECTED = "unconnected regions"  # Valhalla's refusal of a block in which no pair has a route

Request = dict[str, Any]
Engine = Callable[[str, Request], Any]  # (action, request) -> Valhalla's JSON answer


class RoadEngineError(RuntimeError):
    """Valhalla refused a request for a reason other than a place off the map."""


def exact(config: dict[str, Any]) -> dict[str, Any]:
    """Valhalla's config set to answer matrices with one-to-many Dijkstra searches.

    Its default bidirectional matrix (CostMatrix) bounds each search by the other places of the
    request, so a leg's time depends on the rest of the matrix: on the Helsinki tiles a 240 m
    bike leg came back as 438 s in a 13-place request and 44 s on its own, and some legs with a
    route came back with none. The one-to-many search gives a car leg the same time in any
    block (on foot and by bike nearly: docs/roads.md, Limits), and was 9 to 16 times faster
    there on 200 places."""
    config["thor"]["source_to_target_algorithm"] = "timedistancematrix"
    return config


def _actor_engine(tiles: str) -> Engine:
    """Valhalla in this process, on the tile directory or ``.tar`` extract at ``tiles``."""
    return _actor(str(Path(tiles).resolve()))


@lru_cache(maxsize=4)
def _actor(tiles: str) -> Engine:
    try:
        import valhalla
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise InputError.at(
            "travel.tiles",
            "road travel on a local tile set needs pyvalhalla (Python 3.12 or later): "
            "pip install 'carerun[roads]', or give travel.url of a Valhalla server",
        ) from exc
    path = Path(tiles)
    if not path.exists():
        raise InputError.at("travel.tiles", f"no tile set at {tiles} (build one with carerun roads build)")
    if path.is_dir():
        config = valhalla.get_config(tile_extract="", tile_dir=path)
    else:
        config = valhalla.get_config(tile_extract=path, tile_dir="")
    exact(config)
    limits = config["service_limits"]
    for costing in ("auto", "pedestrian", "bicycle", "motor_scooter", "motorcycle", "truck", "taxi", "bus"):
        if costing in limits:  # our own blocks bound a request; the process may take any size
            limits[costing]["max_matrix_location_pairs"] = 1_000_000
    actor = valhalla.Actor(config)

    def call(action: str, request: Request) -> Request:
        try:
            answer: Request = getattr(actor, ACTOR_METHOD.get(action, action))(request)
        except RuntimeError as exc:  # ValhallaError: the message is Valhalla's JSON error
            raise RoadEngineError(str(exc)) from exc
        return answer

    return call


def _server_engine(url: str) -> Engine:
    """A Valhalla server: POST the request as JSON to ``url/action``."""
    base = url.rstrip("/")

    def call(action: str, request: Request) -> Request:
        data = json.dumps(request).encode()
        post = urllib.request.Request(
            f"{base}/{action}", data=data, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(post, timeout=HTTP_TIMEOUT_S) as response:
                answer: Request = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise RoadEngineError(exc.read().decode(errors="replace")) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise InputError.at("travel.url", f"cannot reach the Valhalla server at {url}: {exc}") from exc
        return answer

    return call


def road_engine(travel: ValhallaTravel) -> Engine:
    """The engine that ``travel`` names: local tiles in-process, or a server."""
    return _actor_engine(travel.tiles) if travel.tiles is not None else _server_engine(str(travel.url))


def tileset_identity(travel: ValhallaTravel, engine: Engine) -> str:
    """What names the road data in a cache key: where it is and when its tiles were built."""
    where = str(Path(travel.tiles).resolve()) if travel.tiles is not None else str(travel.url)
    try:
        status = engine("status", {})
    except (RoadEngineError, InputError):
        status = {}
    return f"{where}|{status.get('tileset_last_modified', '')}|{status.get('version', '')}"


def _blocks(n: int, size: int) -> Iterator[range]:
    for start in range(0, n, size):
        yield range(start, min(start + size, n))


def _point(place: Place, snap_m: float) -> dict[str, float]:
    return {"lat": place[0], "lon": place[1], "search_cutoff": snap_m}


def _read_block(
    answer: Request, rows: range, cols: range, durations: FloatMatrix, distances: FloatMatrix
) -> None:
    """Copy one ``sources_to_targets`` answer (distances in km) into the matrices."""
    table = answer["sources_to_targets"]
    if isinstance(table, dict):  # the compact form: {"durations": [[...]], "distances": [[...]]}
        for i, row in enumerate(table["durations"]):
            for j, seconds in enumerate(row):
                if seconds is not None:
                    durations[rows[i], cols[j]] = seconds
                    distances[rows[i], cols[j]] = 1000 * table["distances"][i][j]
        return
    for i, row in enumerate(table):
        for j, cell in enumerate(row):
            if cell.get("time") is not None:
                durations[rows[i], cols[j]] = cell["time"]
                distances[rows[i], cols[j]] = 1000 * cell["distance"]


def forward_requests(n: int, max_pairs: int) -> Iterator[tuple[range, range]]:
    """(sources, targets) of each request for an n-by-n matrix: at most ``max_pairs`` pairs,
    as many targets as fit (each source's search then runs once per block of targets), and
    never more sources than targets.

    Valhalla's one-to-many matrix searches forward from each source when there are no more
    sources than targets, and backward from each target otherwise; on the Helsinki tiles the
    backward searches missed one-way streets (a 270 s drive came back as 120 s), while forward
    ones agree with ``route``."""
    width = max(1, min(n, max_pairs))
    height = max(1, min(width, max_pairs // width))
    for cols in _blocks(n, width):
        for rows in _blocks(n, min(height, len(cols))):
            yield rows, cols


def route_matrix(
    engine: Engine, costing: str, places: list[Place], max_pairs: int, snap_m: float
) -> RoadMatrix:
    """Seconds and metres between every pair of ``places`` by ``costing``; NaN where no route.

    Raises ``OffMap`` with the indices of the places that no road of the costing reaches."""
    n = len(places)
    durations = np.full((n, n), np.nan)
    distances = np.full((n, n), np.nan)
    for rows, cols in forward_requests(n, max_pairs):
        request = {
            "sources": [_point(places[i], snap_m) for i in rows],
            "targets": [_point(places[j], snap_m) for j in cols],
            "costing": costing,
            "units": "kilometers",
            "verbose": False,
        }
        try:
            answer = engine("sources_to_targets", request)
        except RoadEngineError as exc:
            block = sorted(set(rows) | set(cols))
            off = [block[k] for k in _off_map(engine, costing, [places[i] for i in block], snap_m)]
            if off:
                raise OffMap(off, str(exc)) from exc
            if UNCONNECTED not in str(exc):
                raise
            continue  # no pair of the block has a route: they stay NaN
        _read_block(answer, rows, cols, durations, distances)
    np.fill_diagonal(durations, 0.0)
    np.fill_diagonal(distances, 0.0)
    return RoadMatrix(list(places), durations, distances)


class OffMap(Exception):
    """Places (by index) that no road of the costing is near; the engine's message as well."""

    def __init__(self, indices: list[int], message: str) -> None:
        super().__init__(message)
        self.indices = indices


def _off_map(engine: Engine, costing: str, places: list[Place], snap_m: float) -> list[int]:
    """The places (by index) with no road of ``costing`` within ``snap_m``: ``locate`` finds
    no edge for them. Asked in groups, as a server limits the locations of one request."""
    out: list[int] = []
    for group in _blocks(len(places), LOCATE_GROUP):
        request = {"locations": [_point(places[i], snap_m) for i in group], "costing": costing}
        found = engine("locate", request)
        out.extend(i for i, answer in zip(group, found, strict=True) if not answer.get("edges"))
    return out


def _who_is_at(problem: Problem, place: Location) -> list[FieldIssue]:
    """One issue per visit or carer end at ``place``, naming it."""
    where = f"({place.lat}, {place.lon})"
    issues = [
        FieldIssue(f"visits[{i}].location", f"visit {v.id!r} at {where} is off the road map")
        for i, v in enumerate(problem.visits)
        if v.location.key() == place.key()
    ]
    for i, c in enumerate(problem.carers):
        for field, loc in (("start", c.start), ("end", c.end_location)):
            if loc.key() == place.key():
                issues.append(
                    FieldIssue(
                        f"carers[{i}].{field}", f"carer {c.id!r}'s {field} {where} is off the road map"
                    )
                )
    return issues


def road_matrices(problem: Problem) -> tuple[list[Location], dict[str, RoadMatrix], list[str]]:
    """The places of ``problem``, a road matrix per travel mode its carers use, and notes."""
    travel = problem.travel
    assert isinstance(travel, ValhallaTravel)
    places = used_places(problem)
    keys = [p.key() for p in places]
    engine = road_engine(travel)
    cache = MatrixCache(default_cache_dir()) if travel.cache else None
    tileset = tileset_identity(travel, engine) if cache is not None else ""
    out: dict[str, RoadMatrix] = {}
    notes: list[str] = []
    for mode in sorted({c.travel_mode for c in problem.carers}):
        costing = travel.costing[mode]
        hit = cache.get(tileset, costing, keys) if cache is not None else None
        if hit is not None:
            out[mode] = hit
            notes.append(f"road matrix for {mode} ({costing}, {len(keys)} places) read from the cache")
            continue
        try:
            pairs = travel.max_pairs if travel.url is not None else max(travel.max_pairs, LOCAL_PAIRS)
            out[mode] = route_matrix(engine, costing, keys, pairs, travel.max_snap_m)
        except OffMap as exc:
            issues = [issue for i in exc.indices for issue in _who_is_at(problem, places[i])]
            if not issues:
                raise RoadEngineError(f"Valhalla refused the {costing} matrix: {exc}") from exc
            raise InputError(issues) from exc
        if cache is not None:
            cache.put(tileset, costing, out[mode])
    return places, out, notes


def valhalla_travel(problem: Problem) -> TravelMatrices:
    """Matrices of a problem whose travel model is ``valhalla``."""
    places, matrices, notes = road_matrices(problem)
    durations = {
        m: np.where(np.isnan(r.durations_s), UNREACHABLE_S, np.rint(r.durations_s))
        for m, r in matrices.items()
    }
    distances = {m: np.rint(np.nan_to_num(r.distances_m)) for m, r in matrices.items()}
    return TravelMatrices(
        places=places,
        durations_s={m: d.astype(np.int64) for m, d in durations.items()},
        distances_m={m: d.astype(np.int64) for m, d in distances.items()},
        _index={p.key(): i for i, p in enumerate(places)},
        notes=tuple(notes),
    )


ATTRIBUTION = "Road data © OpenStreetMap contributors, under the Open Database Licence (ODbL) 1.0."


def valhalla_bin(name: str) -> Path:
    """One of the Valhalla executables that the ``pyvalhalla`` wheel carries."""
    try:
        import valhalla
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RoadEngineError("building tiles needs pyvalhalla (Python 3.12 or later)") from exc
    return Path(valhalla.PYVALHALLA_DIR) / "bin" / name


def build_tiles(extract: Path, out: Path, log: Path | None = None) -> Path:
    """Valhalla tiles for an OpenStreetMap extract (``.osm.pbf``) in ``out``, which then holds
    the tile hierarchy, the ``valhalla.json`` used to build it and the data's attribution.
    Returns ``out``: the ``tiles`` of a problem's ``valhalla`` travel."""
    import subprocess

    import valhalla

    if not extract.is_file():
        raise InputError.at("extract", f"no OpenStreetMap extract at {extract}")
    out.mkdir(parents=True, exist_ok=True)
    config = valhalla.get_config(tile_extract="", tile_dir=out)
    config["mjolnir"]["tile_dir"] = str(out.resolve())
    config["mjolnir"]["concurrency"] = 1
    exact(config)  # a valhalla_service started on this file answers as the in-process Actor
    config_file = out / "valhalla.json"
    config_file.write_text(json.dumps(config, indent=1))
    command = [str(valhalla_bin("valhalla_build_tiles")), "-c", str(config_file), str(extract.resolve())]
    log_file = log or out / "build.log"
    with log_file.open("w") as sink:
        done = subprocess.run(command, stdout=sink, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0 or (not any(out.glob("*/*/*/*.gph")) and not any(out.glob("*/*/*.gph"))):
        tail = log_file.read_text(errors="replace").strip().splitlines()[-3:]
        raise RoadEngineError(f"valhalla_build_tiles failed ({done.returncode}): {' / '.join(tail)}")
    (out / "ATTRIBUTION.txt").write_text(f"{ATTRIBUTION}\nBuilt from {extract.name}.\n")
    return out


def _cells(matrix: FloatMatrix, scale: float = 1.0) -> list[list[float | None]]:
    """Rows of JSON numbers rounded to the unit, ``None`` (null) where there is no route."""
    return [[None if np.isnan(x) else float(round(x * scale)) for x in row] for row in matrix]


def matrix_document(problem: Problem) -> tuple[dict[str, Any], list[str]]:
    """``problem`` as a JSON document whose road travel is written out as a ``matrix`` travel
    (null where there is no route), and the travel notes: what a provider inspects or reuses."""
    places, matrices, notes = road_matrices(problem)
    document = problem.model_dump(mode="json", by_alias=True)
    document["travel"] = {
        "model": "matrix",
        "locations": [p.model_dump() for p in places],
        "durations_s": {m: _cells(r.durations_s) for m, r in matrices.items()},
        "distances_m": {m: _cells(r.distances_m) for m, r in matrices.items()},
    }
    return document, notes


def matrix_form(problem: Problem) -> Problem:
    """``problem`` on the matrices its road travel gives: what the checker reads, so that a
    plan and its check rest on the very same seconds and metres."""
    document, _ = matrix_document(problem)
    return type(problem).model_validate(document)


def checkable(problem: Problem) -> Problem:
    """What the checker reads for ``problem``: its matrix form if its travel is on roads (the
    checker runs no routing engine), else the problem itself."""
    return matrix_form(problem) if isinstance(problem.travel, ValhallaTravel) else problem
