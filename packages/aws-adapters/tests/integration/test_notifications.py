"""S3 uploads reach the right worker queue through the provisioned notifications (moto)."""

from __future__ import annotations

import pytest

from vidpipe_aws.clients import AwsClients
from vidpipe_aws.provision import ProvisionedStack, provision
from vidpipe_types.events import ObjectCreated, parse_s3_event_body
from vidpipe_types.keys import build_segment_key
from vidpipe_types.topology import StackNames, Worker

pytestmark = pytest.mark.integration


@pytest.fixture
def stack(aws_clients: AwsClients) -> ProvisionedStack:
    return provision(aws_clients, StackNames(prefix="vp-events"))


def drain_events(clients: AwsClients, queue_url: str, wait_seconds: int) -> list[ObjectCreated]:
    """Every object-created event on the queue (S3's TestEvent parses to nothing)."""
    events: list[ObjectCreated] = []
    while True:
        messages = clients.sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
        ).get("Messages", [])
        if not messages:
            return events
        for message in messages:
            events += parse_s3_event_body(message["Body"])
            clients.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        wait_seconds = 0


def test_an_input_upload_reaches_the_chunking_queue_with_its_key_decoded(
    aws_clients: AwsClients, stack: ProvisionedStack
) -> None:
    key = "input/a b+c.mp4"
    aws_clients.s3.put_object(Bucket=stack.input_bucket, Key=key, Body=b"video")

    events = drain_events(aws_clients, stack.queue_url(Worker.CHUNKING), wait_seconds=5)

    assert [(e.bucket, e.key) for e in events] == [(stack.input_bucket, key)]
    assert drain_events(aws_clients, stack.queue_url(Worker.VIDEO), wait_seconds=0) == []


def test_a_segment_upload_reaches_the_video_queue_only(
    aws_clients: AwsClients, stack: ProvisionedStack
) -> None:
    key = build_segment_key("j1", 0, 2, "passthrough")
    aws_clients.s3.put_object(Bucket=stack.input_bucket, Key=key, Body=b"segment")

    events = drain_events(aws_clients, stack.queue_url(Worker.VIDEO), wait_seconds=5)

    assert [e.key for e in events] == [key]
    assert drain_events(aws_clients, stack.queue_url(Worker.CHUNKING), wait_seconds=1) == []


def test_the_output_bucket_notifies_nobody(
    aws_clients: AwsClients, stack: ProvisionedStack
) -> None:
    aws_clients.s3.put_object(Bucket=stack.output_bucket, Key="input/x.mp4", Body=b"x")

    for worker in (Worker.CHUNKING, Worker.VIDEO):
        assert drain_events(aws_clients, stack.queue_url(worker), wait_seconds=0) == []
