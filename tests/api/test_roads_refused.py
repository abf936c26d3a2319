"""The HTTP service never reads a client's tile folder nor calls a client's routing server."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, tiny_problem
from tests.api.test_app import assert_problem_json


@pytest.mark.parametrize(
    "travel",
    [{"model": "valhalla", "tiles": "/etc"}, {"model": "valhalla", "url": "http://127.0.0.1:9/"}],
)
def test_road_travel_is_refused_by_field(api: Api, travel: dict[str, str]) -> None:
    problem = tiny_problem()
    problem["travel"] = travel
    for path in ("/v1/solve", "/v1/plans"):
        body = assert_problem_json(api.client.post(path, json=problem, headers=api.headers()), 422)
        assert [e["path"] for e in body["errors"]] == ["travel.model"]
        assert "matrix form" in body["detail"]
