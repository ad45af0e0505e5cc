"""Record retention (JOB_RETENTION_DAYS): new job and segment-completion records carry the
tables' TTL attribute, in the in-memory fakes and in DynamoDB on a moto server alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from vidpipe_aws.dynamo_completions import DynamoCompletionStore
from vidpipe_aws.dynamo_jobs import DynamoJobStore
from vidpipe_aws.fakes import InMemoryJobStore, InMemorySegmentCompletionStore
from vidpipe_aws.provision import ensure_table
from vidpipe_aws.retention import KEEP_FOREVER, RecordRetention
from vidpipe_aws.settings import AwsSettings
from vidpipe_types.job import Job, JobOptions
from vidpipe_types.modes import Mode
from vidpipe_types.payloads import SegmentCompletion
from vidpipe_types.topology import JOBS_TABLE, SEGMENT_COMPLETIONS_TABLE, TTL_ATTRIBUTE

if TYPE_CHECKING:
    from collections.abc import Callable

    from vidpipe_aws.completions import SegmentCompletionStore
    from vidpipe_aws.jobs import JobStore

CREATED = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
DONE = CREATED + timedelta(minutes=3)
JOB = "job-retention-1"


def job() -> Job:
    options = JobOptions(mode=Mode.PASSTHROUGH)
    return Job.new(JOB, "vidpipe-input", "input/clip.mp4", options, CREATED)


def completion(index: int = 0) -> SegmentCompletion:
    return SegmentCompletion(
        job_id=JOB,
        segment_index=index,
        output_s3_uri=f"s3://vidpipe-output/jobs/{JOB}/segments/{index}.mp4",
        completed_at=DONE,
        total_segments=2,
    )


def _number(item: dict[str, dict[str, str]] | None) -> int | None:
    if item is None or TTL_ATTRIBUTE not in item:
        return None
    return int(item[TTL_ATTRIBUTE]["N"])


@pytest.fixture(params=["memory", pytest.param("dynamodb", marks=pytest.mark.integration)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def job_store(
    request: pytest.FixtureRequest, backend: str, retention: RecordRetention
) -> tuple[JobStore, Callable[[str], int | None]]:
    if backend == "memory":
        memory = InMemoryJobStore(retention=retention)
        return memory, memory.expires_at
    clients = request.getfixturevalue("aws_clients")
    ensure_table(clients.dynamodb, JOBS_TABLE, "test-jobs")

    def stored(job_id: str) -> int | None:
        item = clients.dynamodb.get_item(TableName="test-jobs", Key={"job_id": {"S": job_id}})
        return _number(item.get("Item"))  # type: ignore[arg-type]

    return DynamoJobStore(clients.dynamodb, "test-jobs", retention=retention), stored


def completion_store(
    request: pytest.FixtureRequest, backend: str, retention: RecordRetention
) -> tuple[SegmentCompletionStore, Callable[[int], int | None]]:
    if backend == "memory":
        memory = InMemorySegmentCompletionStore(retention=retention)
        return memory, lambda index: memory.expires_at(JOB, index)
    clients = request.getfixturevalue("aws_clients")
    ensure_table(clients.dynamodb, SEGMENT_COMPLETIONS_TABLE, "test-completions")

    def stored(index: int) -> int | None:
        key = {"job_id": {"S": JOB}, "segment_index": {"N": str(index)}}
        item = clients.dynamodb.get_item(TableName="test-completions", Key=key)
        return _number(item.get("Item"))  # type: ignore[arg-type]

    store = DynamoCompletionStore(clients.dynamodb, "test-completions", retention=retention)
    return store, stored


def test_a_new_job_expires_retention_days_after_it_was_created(
    request: pytest.FixtureRequest, backend: str
) -> None:
    store, expires_at = job_store(request, backend, RecordRetention(30))

    stored, created = store.create_if_absent(job())

    assert created
    assert expires_at(JOB) == int((CREATED + timedelta(days=30)).timestamp())
    # The attribute is the store's: the job reads back the same, and updates keep it.
    assert store.get(JOB) == stored
    store.update_fields(JOB, total_segments=2)
    assert expires_at(JOB) == int((CREATED + timedelta(days=30)).timestamp())


def test_a_segment_completion_expires_retention_days_after_it_completed(
    request: pytest.FixtureRequest, backend: str
) -> None:
    store, expires_at = completion_store(request, backend, RecordRetention(7))

    assert store.put(completion(0))
    assert store.put(completion(1))

    assert expires_at(0) == expires_at(1) == int((DONE + timedelta(days=7)).timestamp())
    assert store.list(JOB) == [completion(0), completion(1)]
    assert store.count(JOB) == 2


def test_zero_days_keeps_records_forever(request: pytest.FixtureRequest, backend: str) -> None:
    jobs, job_expiry = job_store(request, backend, KEEP_FOREVER)
    completions, completion_expiry = completion_store(request, backend, KEEP_FOREVER)

    jobs.create_if_absent(job())
    completions.put(completion(0))

    assert job_expiry(JOB) is None
    assert completion_expiry(0) is None


def test_job_retention_days_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert AwsSettings().retention == KEEP_FOREVER
    monkeypatch.setenv("JOB_RETENTION_DAYS", "90")
    assert AwsSettings().retention == RecordRetention(90)
    monkeypatch.setenv("JOB_RETENTION_DAYS", "-1")
    with pytest.raises(ValueError, match="JOB_RETENTION_DAYS"):
        AwsSettings()
