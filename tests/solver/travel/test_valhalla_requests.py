"""How a road matrix is split into requests; needs no routing engine."""

from __future__ import annotations

import pytest

from solver.travel.valhalla import forward_requests


@pytest.mark.parametrize(
    ("n", "max_pairs"), [(1, 1), (13, 1), (13, 5), (13, 25), (13, 2500), (1000, 2500), (7, 48)]
)
def test_every_pair_once_within_the_limit_and_searching_forward(n: int, max_pairs: int) -> None:
    seen: list[tuple[int, int]] = []
    for rows, cols in forward_requests(n, max_pairs):
        assert len(rows) * len(cols) <= max(max_pairs, 1)
        assert len(rows) <= len(cols)  # Valhalla searches forward only then
        seen.extend((i, j) for i in rows for j in cols)
    assert sorted(seen) == [(i, j) for i in range(n) for j in range(n)]


def test_a_server_limit_of_2500_asks_1000_places_two_sources_at_a_time() -> None:
    requests = list(forward_requests(1000, 2500))
    assert len(requests) == 500
    assert all(len(cols) == 1000 for _, cols in requests)
