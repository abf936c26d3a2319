"""The job store on SQLite and (when CARERUN_TEST_POSTGRES_URL is set) PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from api.store import RESTART_REASON, Overloaded, Store, api_keys, hash_key


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
    assert store.list_jobs("other") == []
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


def test_recover_fails_jobs_left_solving_and_keeps_results(store: Store) -> None:
    done, running, waiting = submit(store), submit(store), submit(store)
    store.claim_next()
    store.finish(done, "solved", solution='{"x": 1}')
    store.claim_next()
    assert store.recover() == 1
    assert store.get(done).solution == '{"x": 1}'  # type: ignore[union-attr]
    lost = store.get(running)
    assert lost is not None and lost.status == "failed" and lost.error == RESTART_REASON
    assert store.get(waiting).status == "queued"  # type: ignore[union-attr]
    assert store.counts() == {"solved": 1, "failed": 1, "queued": 1}


def test_requeue_only_moves_solving_jobs(store: Store) -> None:
    first, second = submit(store), submit(store)
    store.claim_next()
    assert store.requeue(first) and not store.requeue(second)
    assert store.get(first).status == "queued"  # type: ignore[union-attr]
    claimed = store.claim_next()
    assert claimed is not None and claimed.id == first  # back at the head of the queue
