"""The job store on SQLite and (when CARERUN_TEST_POSTGRES_URL is set) PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from api.store import RESTART_REASON, BadCursor, Overloaded, Store, api_keys, hash_key, plan_versions


@pytest.fixture
def store(database_url: str) -> Store:
    s = Store(database_url)
    yield s  # type: ignore[misc]
    s.close()


def submit(store: Store, tenant: str = "acme", per_tenant: int = 10, queue: int = 100) -> str:
    return store.submit(tenant, '{"id": "p"}', visits=3, time_limit_s=1.0, per_tenant=per_tenant, queue=queue)


def test_keys_are_stored_hashed_and_revocable(store: Store) -> None:
    key_id, key = store.create_key("acme")
    with store.engine.connect() as conn:
        stored = conn.execute(select(api_keys.c.key_hash)).scalars().all()
    assert stored == [hash_key(key)] and key not in stored
    assert store.tenant_of(key) == "acme"
    assert store.tenant_of(key + "x") is None
    assert store.revoke_key(key_id) and not store.revoke_key(key_id)
    assert store.tenant_of(key) is None
    assert [k.revoked_at is not None for k in store.list_keys("acme")] == [True]


def test_another_tenants_job_reads_as_unknown(store: Store) -> None:
    job_id = submit(store, "acme")
    assert store.get(job_id, "acme") is not None
    assert store.get(job_id, "other") is None
    assert store.list_jobs("other").jobs == []
    assert store.request_stop(job_id, "other") is None
    assert store.get(job_id, "acme").status == "queued"  # type: ignore[union-attr]


def test_per_tenant_and_queue_limits(store: Store) -> None:
    submit(store, "acme", per_tenant=2)
    submit(store, "acme", per_tenant=2)
    with pytest.raises(Overloaded, match="limit 2"):
        submit(store, "acme", per_tenant=2)
    submit(store, "other", queue=3)
    with pytest.raises(Overloaded, match="queue is full"):
        submit(store, "third", queue=3)


def test_claims_are_oldest_first_and_exclusive(store: Store) -> None:
    ids = [submit(store) for _ in range(6)]
    claimed: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        while (job := store.claim_next()) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(ids)  # every job once, none twice
    assert all(store.get(i).status == "solving" for i in ids)  # type: ignore[union-attr]


def test_stop_cancels_queued_and_flags_solving(store: Store) -> None:
    first, second = submit(store), submit(store)
    claimed = store.claim_next()
    assert claimed is not None and claimed.id == first  # first is solving, second still queued
    job = store.request_stop(second, "acme")
    assert job is not None and job.status == "cancelled"
    store.request_stop(first, "acme")
    assert store.stop_requested(first) and store.get(first).status == "solving"  # type: ignore[union-attr]


def test_an_expired_lease_requeues_the_job_then_fails_it_after_max_attempts(store: Store) -> None:
    done, running, waiting = submit(store), submit(store), submit(store)
    store.claim_next("w1", lease_s=60)
    assert store.finish(done, "solved", solution='{"x": 1}', owner="w1")
    store.claim_next("dead", lease_s=0.01)
    time.sleep(0.05)
    assert store.reap(max_attempts=2) == (1, 0)  # first try: back in the queue
    again = store.get(running)
    assert again is not None and again.status == "queued" and again.owner is None and again.attempts == 1
    claimed = store.claim_next("dead-too", lease_s=0.01)
    assert claimed is not None and claimed.id == running and claimed.attempts == 2
    time.sleep(0.05)
    assert store.reap(max_attempts=2) == (0, 1)
    lost = store.get(running)
    assert lost is not None and lost.status == "failed" and lost.error == RESTART_REASON
    assert store.get(done).solution == '{"x": 1}'  # type: ignore[union-attr]
    assert store.get(waiting).status == "queued"  # type: ignore[union-attr]
    assert store.counts() == {"solved": 1, "failed": 1, "queued": 1}


def test_a_second_process_starting_leaves_live_claims_alone(store: Store) -> None:
    first, second = submit(store), submit(store)
    store.claim_next("api-1", lease_s=60)
    store.claim_next("api-1", lease_s=60)
    other = Store(store.url)  # a second process on the same database: migrates, recovers
    try:
        assert other.recover(max_attempts=1) == 0
        assert {other.get(i).status for i in (first, second)} == {"solving"}  # type: ignore[union-attr]
        assert not other.finish(first, "failed", error="not mine", owner="api-2")
    finally:
        other.close()
    assert store.finish(first, "solved", solution="{}", owner="api-1")
    assert store.get(first).status == "solved"  # type: ignore[union-attr]


def test_only_the_current_owner_finishes_a_job_once(store: Store) -> None:
    job_id = submit(store)
    store.claim_next("stale", lease_s=0.01)
    time.sleep(0.05)
    store.reap(max_attempts=3)
    store.claim_next("fresh", lease_s=60)
    assert not store.finish(job_id, "solved", solution='{"stale": 1}', owner="stale")
    assert store.finish(job_id, "solved", solution='{"fresh": 1}', owner="fresh")
    assert not store.finish(job_id, "failed", error="twice", owner="fresh")  # ended: no second end
    job = store.get(job_id)
    assert job is not None and job.status == "solved" and job.solution == '{"fresh": 1}'


def test_heartbeats_renew_leases_and_report_jobs_lost(store: Store) -> None:
    mine, taken = submit(store), submit(store)
    store.claim_next("w1", lease_s=0.2)
    store.claim_next("w1", lease_s=0.2)
    assert store.heartbeat([mine, taken], "w1", lease_s=60) == set()
    assert store.reap(max_attempts=2) == (0, 0)  # renewed: nothing expired
    store.finish(taken, "failed", error="taken over")  # an operator's write, no owner
    assert store.heartbeat([mine, taken], "w1", lease_s=60) == {taken}
    store.delete_job(mine, "acme")
    assert store.heartbeat([mine], "w1", lease_s=60) == {mine}


def test_purge_erases_old_ended_jobs_with_their_versions(store: Store) -> None:
    old, active = submit(store), submit(store)
    store.claim_next("w", lease_s=60)
    store.finish(old, "solved", solution="{}", owner="w")
    store.add_version(old, "acme", "kept", "{}", "{}", 0)
    assert store.purge(older_than_s=3600) == 0  # too young
    assert store.purge(older_than_s=3600, now=time.time() + 7200) == 1
    assert store.get(old) is None and store.get(active) is not None  # queued jobs stay
    with store.engine.connect() as conn:
        assert conn.execute(select(plan_versions)).all() == []


def test_pages_follow_an_opaque_cursor(store: Store) -> None:
    ids = [submit(store) for _ in range(5)]
    seen: list[str] = []
    page = store.list_jobs("acme", limit=2)
    while True:
        seen += [j.id for j in page.jobs]
        if page.cursor is None:
            break
        page = store.list_jobs("acme", limit=2, cursor=page.cursor)
    assert seen == ids[::-1]
    with pytest.raises(BadCursor):
        store.list_jobs("acme", cursor="not-a-cursor")


@pytest.mark.parametrize("job_id", ["abc\x00", "x" * 5000, "ABC", "'; drop table jobs; --"])
def test_malformed_job_ids_never_reach_a_query(store: Store, job_id: str) -> None:
    assert store.get(job_id) is None and store.request_stop(job_id, "acme") is None
    assert not store.delete_job(job_id, "acme") and store.list_versions(job_id, "acme") is None


def test_requeue_only_moves_solving_jobs(store: Store) -> None:
    first, second = submit(store), submit(store)
    store.claim_next("w", lease_s=60)
    assert not store.requeue(first, owner="someone else")
    assert store.requeue(first, owner="w") and not store.requeue(second)
    assert store.get(first).status == "queued"  # type: ignore[union-attr]
    claimed = store.claim_next()
    assert claimed is not None and claimed.id == first  # back at the head of the queue
