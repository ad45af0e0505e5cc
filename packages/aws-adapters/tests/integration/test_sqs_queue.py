"""SqsQueue against a moto server over HTTP: attributes, visibility, stale handles, batches."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from vidpipe_aws.clients import AwsClients
from vidpipe_aws.errors import AwsAdapterError, NotFoundError, RetryableAwsError
from vidpipe_aws.sqs import SqsQueue
from vidpipe_aws.testing import free_loopback_port

pytestmark = pytest.mark.integration


@pytest.fixture
def queue(aws_clients: AwsClients) -> SqsQueue:
    url = aws_clients.sqs.create_queue(QueueName="vidpipe-sqs-test")["QueueUrl"]
    return SqsQueue(aws_clients.sqs, url)


def messages_on(queue: SqsQueue, clients: AwsClients) -> int:
    """Visible plus in-flight messages, as SQS counts them."""
    attributes = clients.sqs.get_queue_attributes(
        QueueUrl=queue.url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def test_receive_reports_receive_count_and_sent_time(queue: SqsQueue) -> None:
    message_id = queue.send('{"job": 1}')

    (first,) = queue.receive(10, 1, visibility_timeout=0)
    (second,) = queue.receive(10, 1, visibility_timeout=30)

    assert (first.message_id, first.body) == (message_id, '{"job": 1}')
    assert (first.receive_count, second.receive_count) == (1, 2)
    assert first.sent_at is not None and first.sent_at.utcoffset() is not None
    assert queue.receive(10, 0) == []  # hidden for 30 s by the second receive


def test_delete_removes_the_message(queue: SqsQueue, aws_clients: AwsClients) -> None:
    queue.send("job")
    (message,) = queue.receive(1, 1)

    queue.delete(message.receipt_handle)

    assert messages_on(queue, aws_clients) == 0


def test_change_visibility_zero_makes_it_receivable_at_once(queue: SqsQueue) -> None:
    queue.send("job")
    (message,) = queue.receive(1, 1, visibility_timeout=300)

    queue.change_visibility(message.receipt_handle, 0)

    (again,) = queue.receive(1, 1)
    assert (again.message_id, again.receive_count) == (message.message_id, 2)


def test_a_stale_receipt_handle_is_not_found_on_visibility_and_ignored_on_delete(
    queue: SqsQueue,
) -> None:
    queue.send("job")
    (message,) = queue.receive(1, 1)
    queue.delete(message.receipt_handle)

    with pytest.raises(NotFoundError):
        queue.change_visibility(message.receipt_handle, 30)
    queue.delete(message.receipt_handle)  # deleting twice is not an error


def test_send_batch_sends_every_body_in_chunks_of_ten(queue: SqsQueue) -> None:
    bodies = [f"segment-{n}" for n in range(23)]

    queue.send_batch(bodies)

    received: list[str] = []
    while batch := queue.receive(10, 1, visibility_timeout=300):
        received.extend(m.body for m in batch)
    assert sorted(received) == sorted(bodies)


class PartlyFailingSqs:
    """The real client, except that the first SendMessageBatch loses some entries.

    SQS may accept a batch call and fail single entries on its side (SenderFault false);
    moto never does, so this wrapper plays that part.
    """

    def __init__(self, client: Any, *, sender_fault: bool) -> None:
        self._client = client
        self._sender_fault = sender_fault
        self.batch_sizes: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def send_message_batch(self, *, QueueUrl: str, Entries: list[Any]) -> Any:  # noqa: N803
        self.batch_sizes.append(len(Entries))
        if len(self.batch_sizes) > 1:
            return self._client.send_message_batch(QueueUrl=QueueUrl, Entries=Entries)
        kept, lost = Entries[:6], Entries[6:]
        response = self._client.send_message_batch(QueueUrl=QueueUrl, Entries=kept)
        response["Failed"] = [
            {"Id": e["Id"], "SenderFault": self._sender_fault, "Code": "InternalError"}
            for e in lost
        ]
        return response


def test_entries_failed_on_the_service_side_are_sent_again(
    queue: SqsQueue, aws_clients: AwsClients
) -> None:
    client = PartlyFailingSqs(aws_clients.sqs, sender_fault=False)
    flaky = SqsQueue(client, queue.url)  # type: ignore[arg-type]
    bodies = [f"segment-{n}" for n in range(10)]

    flaky.send_batch(bodies)

    assert client.batch_sizes == [10, 4]
    received: list[str] = []
    while batch := queue.receive(10, 1, visibility_timeout=300):
        received.extend(m.body for m in batch)
    assert sorted(received) == sorted(bodies)


def test_entries_rejected_as_our_fault_raise_without_a_retry(
    queue: SqsQueue, aws_clients: AwsClients
) -> None:
    client = PartlyFailingSqs(aws_clients.sqs, sender_fault=True)
    flaky = SqsQueue(client, queue.url)  # type: ignore[arg-type]

    with pytest.raises(AwsAdapterError, match="rejected"):
        flaky.send_batch([f"segment-{n}" for n in range(10)])
    assert client.batch_sizes == [10]


@pytest.mark.parametrize(
    "call",
    [
        lambda q: q.receive(1, 0),
        lambda q: q.send("job"),
        lambda q: q.send_batch(["a", "b"]),
        lambda q: q.change_visibility("no-such-handle", 10),
    ],
    ids=["receive", "send", "send_batch", "change_visibility"],
)
def test_a_missing_queue_is_not_found_and_says_what_to_check(
    aws_clients: AwsClients, queue: SqsQueue, call: Any
) -> None:
    missing = SqsQueue(aws_clients.sqs, queue.url.rsplit("/", 1)[0] + "/no-such-queue")

    with pytest.raises(NotFoundError) as raised:
        call(missing)

    assert missing.url in str(raised.value)
    assert "QUEUE_URL" in str(raised.value)
    assert isinstance(raised.value.__cause__, ClientError)  # botocore's stays the cause only


def test_a_refused_request_is_our_error_and_says_a_retry_will_not_help(queue: SqsQueue) -> None:
    with pytest.raises(AwsAdapterError, match="will not help") as raised:
        queue.send("x" * (1024 * 1024 + 1))  # over SQS's size limit

    assert not isinstance(raised.value, ClientError)
    assert queue.url in str(raised.value)


def test_an_unreachable_endpoint_is_retryable() -> None:
    client = boto3.session.Session(region_name="us-east-1").client(
        "sqs",
        endpoint_url=f"http://127.0.0.1:{free_loopback_port()}",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=1),
    )
    queue = SqsQueue(client, "http://127.0.0.1/123456789012/nowhere")

    with pytest.raises(RetryableAwsError, match="AWS_ENDPOINT_URL"):
        queue.receive(1, 0)
