"""What workers stop on: `update_active` (a progress write that leaves final jobs alone) and
`ensure_active`, on both job-store backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vidpipe_aws.dynamo_jobs import DynamoJobStore
from vidpipe_aws.fakes import InMemoryJobStore
from vidpipe_aws.job_guard import JobStoppedError, ensure_active
from vidpipe_aws.jobs import JobStore
from vidpipe_aws.provision import ensure_table
from vidpipe_types.job import Job, JobOptions, JobStatus
from vidpipe_types.topology import JOBS_TABLE

START = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", pytest.param("dynamodb", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest) -> JobStore:
    if request.param == "memory":
        return InMemoryJobStore(clock=lambda: START)
    clients = request.getfixturevalue("aws_clients")
    ensure_table(clients.dynamodb, JOBS_TABLE, "guard-jobs")
    return DynamoJobStore(clients.dynamodb, "guard-jobs", clock=lambda: START)


def new_job(store: JobStore, job_id: str = "j1") -> Job:
    job, _ = store.create_if_absent(
        Job.new(job_id, "in", f"input/{job_id}/source.mp4", JobOptions(), START)
    )
    return job


def test_update_active_writes_while_the_job_runs(store: JobStore) -> None:
    new_job(store)

    updated = store.update_active("j1", stage="importing: 100 bytes")

    assert updated is not None and updated.stage == "importing: 100 bytes"
    stored = store.get("j1")
    assert stored is not None and stored.stage == "importing: 100 bytes"


def test_update_active_leaves_a_cancelled_job_as_it_is(store: JobStore) -> None:
    new_job(store)
    store.cancel("j1")

    assert store.update_active("j1", stage="chunking: splitting") is None

    stored = store.get("j1")
    assert stored is not None and (stored.status, stored.stage) == (
        JobStatus.CANCELLED,
        "cancelled",
    )


def test_update_active_of_a_missing_job_is_none(store: JobStore) -> None:
    assert store.update_active("nobody", stage="x") is None


def test_ensure_active_returns_the_running_job(store: JobStore) -> None:
    new_job(store)

    assert ensure_active(store, "j1", before="splitting").job_id == "j1"


def test_ensure_active_stops_on_a_cancelled_or_missing_job(store: JobStore) -> None:
    new_job(store)
    store.cancel("j1")

    with pytest.raises(JobStoppedError, match="j1 is cancelled: stopped before joining") as raised:
        ensure_active(store, "j1", before="joining")
    assert raised.value.status is JobStatus.CANCELLED
    with pytest.raises(JobStoppedError, match="no longer exists"):
        ensure_active(store, "gone", before="joining")
