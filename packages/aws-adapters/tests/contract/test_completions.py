"""SegmentCompletionStore contract, against the in-memory fake and DynamoDB on a moto server.

Both stores page every 2 items here, so a count or list that read only its first page (the
classic bug: ignoring LastEvaluatedKey) would come out short.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from vidpipe_aws._dynamo import to_item
from vidpipe_aws.clients import AwsClients
from vidpipe_aws.completions import SegmentCompletionStore
from vidpipe_aws.dynamo_completions import DynamoCompletionStore
from vidpipe_aws.fakes import InMemorySegmentCompletionStore
from vidpipe_aws.provision import ensure_table
from vidpipe_types.payloads import SegmentCompletion
from vidpipe_types.topology import SEGMENT_COMPLETIONS_TABLE

AT = datetime(2026, 3, 1, 12, 0, 0, 123_456, tzinfo=UTC)


@pytest.fixture(params=["memory", pytest.param("dynamodb", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest) -> SegmentCompletionStore:
    if request.param == "memory":
        return InMemorySegmentCompletionStore(page_size=2)
    clients = request.getfixturevalue("aws_clients")
    ensure_table(clients.dynamodb, SEGMENT_COMPLETIONS_TABLE, "test-completions")
    return DynamoCompletionStore(clients.dynamodb, "test-completions", page_size=2)


def completion(job_id: str, index: int, total: int = 5) -> SegmentCompletion:
    return SegmentCompletion(
        job_id=job_id,
        segment_index=index,
        output_s3_uri=f"s3://vidpipe-output/jobs/{job_id}/segments/{index}.mp4",
        completed_at=AT,
        total_segments=total,
    )


def test_put_is_true_once_then_a_no_op(store: SegmentCompletionStore) -> None:
    first = completion("j1", 0)
    duplicate = first.model_copy(update={"output_s3_uri": "s3://elsewhere/x.mp4"})

    assert store.put(first) is True
    assert store.put(duplicate) is False
    assert store.list("j1") == [first]


def test_count_and_list_read_every_page(store: SegmentCompletionStore) -> None:
    indexes = list(range(5))
    random.Random(7).shuffle(indexes)
    for index in indexes:
        store.put(completion("j1", index))
    for index in range(3):
        store.put(completion("j2", index, total=3))

    assert store.count("j1") == 5
    assert store.count("j2") == 3
    assert [c.segment_index for c in store.list("j1")] == [0, 1, 2, 3, 4]
    assert store.list("j1")[4] == completion("j1", 4)


def test_count_on_an_exact_page_boundary(store: SegmentCompletionStore) -> None:
    for index in range(4):
        store.put(completion("j1", index, total=4))

    assert store.count("j1") == 4
    assert len(store.list("j1")) == 4


def test_a_job_without_completions_counts_zero(store: SegmentCompletionStore) -> None:
    assert store.count("nobody") == 0
    assert store.list("nobody") == []


def test_the_fake_really_pages() -> None:
    store = InMemorySegmentCompletionStore(page_size=2)
    for index in range(5):
        store.put(completion("j1", index))

    assert len(store.list("j1")) == 5
    assert store.pages_read == 3


def test_count_is_one_read_whatever_the_segment_count() -> None:
    store = InMemorySegmentCompletionStore(page_size=2)
    for index in range(50):
        store.put(completion("j1", index, total=50))

    assert store.count("j1") == 50
    assert store.pages_read == 0  # the job's count, not its records


def test_duplicates_do_not_raise_the_count(store: SegmentCompletionStore) -> None:
    for _ in range(3):
        store.put(completion("j1", 0))
        store.put(completion("j1", 1))

    assert store.count("j1") == 2
    assert [c.segment_index for c in store.list("j1")] == [0, 1]  # the count is no record


@pytest.mark.integration
def test_records_written_before_the_count_existed_are_counted_by_pages(
    aws_clients: AwsClients,
) -> None:
    ensure_table(aws_clients.dynamodb, SEGMENT_COMPLETIONS_TABLE, "test-legacy")
    store = DynamoCompletionStore(aws_clients.dynamodb, "test-legacy", page_size=2)
    for index in range(3):
        # A record as the store wrote it before: a plain conditional put, no count item.
        item = to_item(completion("old", index, total=3).model_dump(mode="json"))
        aws_clients.dynamodb.put_item(TableName="test-legacy", Item=item)

    assert store.count("old") == 3


def test_delete_job_removes_that_jobs_completions_only(store: SegmentCompletionStore) -> None:
    for index in range(3):
        store.put(completion("gone", index, total=3))
    store.put(completion("kept", 0, total=1))

    assert store.delete_job("gone") == 3
    assert store.count("gone") == 0
    assert store.count("kept") == 1
    assert store.delete_job("gone") == 0
