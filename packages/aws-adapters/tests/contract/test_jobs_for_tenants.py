"""JobStore additions for the HTTP API (cancel, delete, a tenant's listing), on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vidpipe_aws.dynamo_jobs import DynamoJobStore
from vidpipe_aws.errors import NotFoundError
from vidpipe_aws.fakes import InMemoryJobStore
from vidpipe_aws.jobs import InvalidCursorError, JobStore
from vidpipe_aws.provision import ensure_table
from vidpipe_types.job import Job, JobOptions, JobStatus
from vidpipe_types.topology import JOBS_TABLE

S = JobStatus
START = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", pytest.param("dynamodb", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest) -> JobStore:
    if request.param == "memory":
        return InMemoryJobStore(page_size=2, clock=lambda: START)
    clients = request.getfixturevalue("aws_clients")
    ensure_table(clients.dynamodb, JOBS_TABLE, "tenant-jobs")
    return DynamoJobStore(clients.dynamodb, "tenant-jobs", page_size=2, clock=lambda: START)


def tenant_job(job_id: str, tenant: str | None, minute: int) -> Job:
    created = START + timedelta(minutes=minute)
    return Job.new(
        job_id, "in", f"input/{job_id}/source.mp4", JobOptions(), created, tenant_id=tenant
    )


def test_cancel_moves_a_job_that_is_not_final_and_is_idempotent(store: JobStore) -> None:
    store.create_if_absent(tenant_job("j1", "acme", 0))
    store.transition("j1", from_statuses={S.CREATED}, to_status=S.PROCESSING, total_segments=2)
    store.claim_reassembly("j1", "media-1", 60)

    first = store.cancel("j1")
    second = store.cancel("j1")

    assert first.cancelled_now and first.job.status is S.CANCELLED
    assert first.job.reassembly_lease_owner is None
    assert "cancelled" in first.job.stage_timestamps
    assert not second.cancelled_now and second.job.status is S.CANCELLED
    # A cancelled job cannot be claimed or completed by a worker that is still running.
    assert store.claim_reassembly("j1", "media-2", 60) is None
    assert store.complete("j1", "media-1", {"final": "k"}) is False


def test_cancel_leaves_a_final_job_as_it_is(store: JobStore) -> None:
    store.create_if_absent(tenant_job("j1", "acme", 0))
    store.fail("j1", "chunking", "no video stream")

    outcome = store.cancel("j1")

    assert not outcome.cancelled_now
    assert outcome.job.status is S.FAILED


def test_cancel_of_a_missing_job_is_not_found(store: JobStore) -> None:
    with pytest.raises(NotFoundError):
        store.cancel("nope")


def test_delete_removes_the_record_once(store: JobStore) -> None:
    store.create_if_absent(tenant_job("j1", "acme", 0))
    assert store.delete("j1") is True
    assert store.get("j1") is None
    assert store.delete("j1") is False


def test_a_tenant_lists_only_its_own_jobs_newest_first_page_by_page(store: JobStore) -> None:
    for minute, (job_id, tenant) in enumerate(
        [("a1", "acme"), ("b1", "beta"), ("a2", "acme"), ("n1", None), ("a3", "acme")]
    ):
        store.create_if_absent(tenant_job(job_id, tenant, minute))

    first, cursor = store.list_for_tenant("acme", limit=2)
    assert [job.job_id for job in first] == ["a3", "a2"]
    assert cursor is not None
    rest, end = store.list_for_tenant("acme", limit=2, cursor=cursor)
    assert [job.job_id for job in rest] == ["a1"]
    assert end is None
    assert [job.job_id for job in store.list_for_tenant("beta")[0]] == ["b1"]


def test_a_status_filter_still_fills_the_page(store: JobStore) -> None:
    for minute in range(6):
        store.create_if_absent(tenant_job(f"a{minute}", "acme", minute))
    store.fail("a1", "chunking", "bad")
    store.fail("a4", "chunking", "bad")

    failed, _ = store.list_for_tenant("acme", status=S.FAILED, limit=2)

    assert [job.job_id for job in failed] == ["a4", "a1"]


def test_a_cursor_of_another_tenant_is_refused(store: JobStore) -> None:
    for minute in range(3):
        store.create_if_absent(tenant_job(f"a{minute}", "acme", minute))
    _, cursor = store.list_for_tenant("acme", limit=1)
    assert cursor is not None

    with pytest.raises(InvalidCursorError):
        store.list_for_tenant("beta", cursor=cursor)
    with pytest.raises(InvalidCursorError):
        store.list_for_tenant("acme", cursor={**cursor, "extra": "x"})
    with pytest.raises(InvalidCursorError):
        store.list_for_tenant("acme", cursor={**cursor, "job_id": 7})


def test_limit_out_of_range_is_refused(store: JobStore) -> None:
    with pytest.raises(ValueError, match="limit"):
        store.list_for_tenant("acme", limit=0)
