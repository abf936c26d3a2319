"""Tenant isolation: another tenant's job answers exactly like an unknown id, on every route."""

from __future__ import annotations

from tests.api.conftest import Api, tiny_problem
from tests.api.test_app import wait_for


def test_second_tenant_gets_404_on_every_job_route(api: Api) -> None:
    job_id = api.client.post("/v1/plans", json=tiny_problem(), headers=api.headers()).json()["id"]
    wait_for(api, job_id)
    theirs = api.headers(other=True)
    for method in ("get", "delete"):
        foreign = api.client.request(method, f"/v1/plans/{job_id}", headers=theirs)
        unknown = api.client.request(method, "/v1/plans/0123456789abcdef0123456789abcdef", headers=theirs)
        assert foreign.status_code == unknown.status_code == 404
        assert foreign.json()["title"] == unknown.json()["title"]
        assert job_id in foreign.json()["detail"]  # it only echoes the id that was asked for
    assert api.client.get("/v1/plans", headers=theirs).json() == {"jobs": [], "next_cursor": None}
    mine = api.client.get(f"/v1/plans/{job_id}", headers=api.headers()).json()
    assert mine["status"] == "solved" and not mine["stop_requested"]  # their DELETE did nothing
