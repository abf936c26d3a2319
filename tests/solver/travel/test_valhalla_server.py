"""A Valhalla server (``valhalla_service``, from the pyvalhalla wheel) started here, on this
machine's loopback, answers the same road matrix as Valhalla in-process on the same tiles."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("valhalla", reason="road travel needs pyvalhalla (Python 3.12 or later)")

from solver.model.problem import Problem, ValhallaTravel
from solver.travel import build_travel
from solver.travel.valhalla import road_engine, route_matrix, valhalla_bin
from tests.solver.roads import ADDRESSES, NO_CAR_ROUTE, helsinki_day

START_TIMEOUT_S = 60


pytestmark = pytest.mark.usefixtures("roads_cache")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(helsinki_tiles: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``valhalla_service`` on the Helsinki tiles, listening on 127.0.0.1 only; its internal
    sockets in a folder of its own so that two test runs never share them."""
    run = tmp_path_factory.mktemp("valhalla-service")
    config = json.loads((helsinki_tiles / "valhalla.json").read_text())
    port = free_port()
    config["httpd"]["service"].update(
        listen=f"tcp://127.0.0.1:{port}",
        loopback=f"ipc://{run}/loopback",
        interrupt=f"ipc://{run}/interrupt",
        drain_seconds=0,
        shutdown_seconds=0,
    )
    for worker in ("loki", "thor", "odin"):
        config[worker]["service"]["proxy"] = f"ipc://{run}/{worker}"
    config_file = run / "valhalla.json"
    config_file.write_text(json.dumps(config))
    log = (run / "service.log").open("w")
    process = subprocess.Popen(
        [str(valhalla_bin("valhalla_service")), str(config_file), "1"], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"{url}/status", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"valhalla_service did not start: {(run / 'service.log').read_text()[-500:]}")
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.mark.parametrize("costing", ["auto", "pedestrian", "bicycle"])
def test_the_server_answers_as_the_actor_does(helsinki_tiles: Path, server: str, costing: str) -> None:
    places = [*ADDRESSES, NO_CAR_ROUTE]
    local = road_engine(ValhallaTravel(model="valhalla", tiles=str(helsinki_tiles)))
    remote = road_engine(ValhallaTravel(model="valhalla", url=server))
    for pairs in (2500, 10):  # the same requests, in one block and in several
        here = route_matrix(local, costing, places, pairs, 1000)
        there = route_matrix(remote, costing, places, pairs, 1000)
        np.testing.assert_array_equal(here.durations_s, there.durations_s)
        np.testing.assert_array_equal(here.distances_m, there.distances_m)


def test_a_problem_can_name_the_server(helsinki_tiles: Path, server: str) -> None:
    on_tiles = build_travel(helsinki_day(helsinki_tiles))
    document = helsinki_day(helsinki_tiles).model_dump(mode="json")
    document["travel"] = {"model": "valhalla", "url": server}
    on_server = build_travel(Problem.model_validate(document))
    assert on_server.notes == ()  # another tile set's identity: not the local tiles' entries
    for mode in ("car", "walk"):
        np.testing.assert_array_equal(on_server.durations_s[mode], on_tiles.durations_s[mode])
