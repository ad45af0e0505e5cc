"""The reassembly trigger on the real adapters: DynamoDB tables and an SQS queue on moto."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vidpipe_aws.clients import AwsClients
from vidpipe_aws.dynamo_completions import DynamoCompletionStore
from vidpipe_aws.dynamo_jobs import DynamoJobStore
from vidpipe_aws.provision import provision
from vidpipe_aws.reassembly import ReassemblyTrigger
from vidpipe_aws.sqs import SqsQueue
from vidpipe_types.job import Job, JobOptions, JobStatus
from vidpipe_types.payloads import ReassemblyPayload, SegmentCompletion
from vidpipe_types.topology import StackNames, Worker

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TOTAL = 5


def test_completions_before_the_total_then_chunking_sends_once(aws_clients: AwsClients) -> None:
    stack = provision(aws_clients, StackNames(prefix="vp-reassembly"))
    jobs = DynamoJobStore(aws_clients.dynamodb, stack.jobs_table)
    completions = DynamoCompletionStore(
        aws_clients.dynamodb, stack.segment_completions_table, page_size=2
    )
    queue = SqsQueue(aws_clients.sqs, stack.queue_url(Worker.REASSEMBLY))
    trigger = ReassemblyTrigger(jobs, completions, queue)
    jobs.create_if_absent(Job.new("j1", stack.input_bucket, "input/a.mp4", JobOptions(), NOW))

    for index in reversed(range(TOTAL)):
        completions.put(
            SegmentCompletion(
                job_id="j1",
                segment_index=index,
                output_s3_uri=f"s3://{stack.output_bucket}/jobs/j1/segments/{index}.mp4",
                completed_at=NOW,
                total_segments=TOTAL,
            )
        )
        assert trigger.evaluate("j1", "completion") is False

    jobs.transition(
        "j1",
        from_statuses={JobStatus.CREATED, JobStatus.CHUNKING},
        to_status=JobStatus.PROCESSING,
        total_segments=TOTAL,
    )
    assert trigger.evaluate("j1", "chunking") is True

    messages = queue.receive(max_messages=10, wait_seconds=1)
    assert [ReassemblyPayload.model_validate_json(m.body) for m in messages] == [
        ReassemblyPayload(job_id="j1", total_segments=TOTAL, reason="chunking")
    ]
    job = jobs.get("j1")
    assert job is not None
    assert (job.completed_segments, job.progress_percent) == (TOTAL, 90.0)
