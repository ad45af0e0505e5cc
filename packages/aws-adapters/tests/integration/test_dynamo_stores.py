"""What the DynamoDB adapters store and send, seen through a moto server."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from vidpipe_aws._dynamo import to_item
from vidpipe_aws.clients import AwsClients
from vidpipe_aws.dynamo_completions import DynamoCompletionStore
from vidpipe_aws.dynamo_jobs import DynamoJobStore
from vidpipe_aws.errors import NotFoundError
from vidpipe_aws.provision import ensure_table
from vidpipe_types.job import Job, JobOptions, JobStatus
from vidpipe_types.payloads import SegmentCompletion
from vidpipe_types.topology import JOBS_TABLE, SEGMENT_COMPLETIONS_TABLE

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def jobs(aws_clients: AwsClients) -> DynamoJobStore:
    ensure_table(aws_clients.dynamodb, JOBS_TABLE, "jobs")
    return DynamoJobStore(aws_clients.dynamodb, "jobs", clock=lambda: NOW)


def count_calls(clients: AwsClients, operation: str) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append(params)

    clients.dynamodb.meta.events.register(f"provide-client-params.dynamodb.{operation}", record)
    return calls


def test_a_job_is_stored_as_top_level_attributes(
    aws_clients: AwsClients, jobs: DynamoJobStore
) -> None:
    jobs.create_if_absent(Job.new("j1", "in", "input/a.mp4", JobOptions(), NOW))
    jobs.transition(
        "j1", from_statuses={JobStatus.CREATED}, to_status=JobStatus.PROCESSING, total_segments=2
    )
    jobs.claim_reassembly("j1", "media-1", 90)

    item = aws_clients.dynamodb.get_item(TableName="jobs", Key={"job_id": {"S": "j1"}})["Item"]

    assert item["status"] == {"S": "reassembling"}
    assert item["total_segments"] == {"N": "2"}
    assert item["reassembly_lease_owner"] == {"S": "media-1"}
    # Epoch seconds, a number: "expired" is a numeric comparison in the condition.
    assert float(item["reassembly_lease_until"]["N"]) == NOW.timestamp() + 90
    # Fixed-width timestamps sort as time does in the by-status index.
    assert item["updated_at"] == {"S": "2026-03-01T12:00:00.000000Z"}
    assert "error" not in item
    assert "completed_at" not in item
    assert all("NULL" not in value for value in item.values())


def _completion(index: int) -> SegmentCompletion:
    return SegmentCompletion(
        job_id="j1",
        segment_index=index,
        output_s3_uri=f"s3://out/jobs/j1/segments/{index}.mp4",
        completed_at=NOW,
        total_segments=5,
    )


def test_count_is_one_consistent_read_of_the_jobs_count(aws_clients: AwsClients) -> None:
    ensure_table(aws_clients.dynamodb, SEGMENT_COMPLETIONS_TABLE, "completions")
    store = DynamoCompletionStore(aws_clients.dynamodb, "completions", page_size=2)
    for index in range(5):
        store.put(_completion(index))
    queries = count_calls(aws_clients, "Query")
    reads = count_calls(aws_clients, "GetItem")

    assert store.count("j1") == 5
    assert queries == []
    (read,) = reads
    assert read["ConsistentRead"] is True


def test_a_count_without_its_item_follows_last_evaluated_key(aws_clients: AwsClients) -> None:
    ensure_table(aws_clients.dynamodb, SEGMENT_COMPLETIONS_TABLE, "completions")
    store = DynamoCompletionStore(aws_clients.dynamodb, "completions", page_size=2)
    for index in range(5):
        # Records as written before the count item existed.
        item = to_item(_completion(index).model_dump(mode="json"))
        aws_clients.dynamodb.put_item(TableName="completions", Item=item)
    queries = count_calls(aws_clients, "Query")

    assert store.count("j1") == 5
    assert len(queries) == 3
    assert all(q["Select"] == "COUNT" and q["ConsistentRead"] for q in queries)
    assert "ExclusiveStartKey" in queries[1]


def test_a_missing_table_is_not_found(aws_clients: AwsClients) -> None:
    store = DynamoJobStore(aws_clients.dynamodb, "no-such-table")

    with pytest.raises(NotFoundError, match="ResourceNotFoundException"):
        store.get("j1")


def test_concurrent_completions_of_one_job_count_exactly_without_server_errors(
    aws_clients: AwsClients, aws_settings: Any
) -> None:
    # The embedded server serves DynamoDB one request at a time (moto's is not thread-safe:
    # concurrent transactions failed with 500s); a client that never retries shows any.
    import boto3
    from botocore.config import Config

    ensure_table(aws_clients.dynamodb, SEGMENT_COMPLETIONS_TABLE, "completions")
    client = boto3.client(
        "dynamodb",
        endpoint_url=aws_settings.endpoint_url,
        region_name=aws_settings.region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, max_pool_connections=16),
    )
    store = DynamoCompletionStore(client, "completions")
    total = 96

    def complete(index: int) -> bool:
        return store.put(
            SegmentCompletion(
                job_id="busy",
                segment_index=index,
                output_s3_uri=f"s3://out/jobs/busy/segments/{index}.mp4",
                completed_at=datetime(2026, 1, 1, tzinfo=UTC),
                total_segments=total,
            )
        )

    with ThreadPoolExecutor(12) as pool:
        written = list(pool.map(complete, [*range(total), *range(0, total, 4)]))

    assert written == [True] * total + [False] * (total // 4)  # duplicates are no-ops
    assert store.count("busy") == total
