"""The Queue port's own rules, on the in-memory fake: SQS's bounds and the error edge."""

from __future__ import annotations

from typing import ClassVar

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from vidpipe_aws import AwsAdapterError, NotFoundError, ReceivedMessage, RetryableAwsError
from vidpipe_aws.fakes import InMemoryQueue
from vidpipe_aws.queue import SQS_MAX_VISIBILITY_SECONDS


def client_error(code: str, message: str = "refused", status: int = 400) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "ReceiveMessage",
    )


class BrokenQueue(InMemoryQueue):
    """A fake whose backend raises botocore's errors, as SqsQueue's client would."""

    _native_errors: ClassVar[tuple[type[Exception], ...]] = (
        ClientError,
        EndpointConnectionError,
    )
    failure: Exception = RuntimeError("set by the test")

    def _receive(
        self, max_messages: int, wait_seconds: int, visibility_timeout: int | None
    ) -> list[ReceivedMessage]:
        raise self.failure

    def _send(self, body: str, delay_seconds: int) -> str:
        raise self.failure


def broken(failure: Exception) -> BrokenQueue:
    queue = BrokenQueue(name="work")
    queue.failure = failure
    return queue


def test_a_missing_queue_says_which_and_which_setting_to_check() -> None:
    queue = broken(client_error("AWS.SimpleQueueService.NonExistentQueue", "no queue"))

    with pytest.raises(NotFoundError) as raised:
        queue.receive(1, 0)

    message = str(raised.value)
    assert message.startswith("receive from memory://work: AWS.SimpleQueueService")
    assert "QUEUE_URL" in message and "provisioned" in message
    assert isinstance(raised.value.__cause__, ClientError)


def test_throttling_and_lost_connections_are_retryable_with_what_to_check() -> None:
    throttled = broken(client_error("ThrottlingException", status=400))
    unreachable = broken(EndpointConnectionError(endpoint_url="http://127.0.0.1:1"))

    for queue in (throttled, unreachable):
        with pytest.raises(RetryableAwsError, match="AWS_ENDPOINT_URL"):
            queue.send("job")


def test_access_denied_says_to_grant_the_action() -> None:
    queue = broken(client_error("AccessDenied", "not authorized to perform sqs:SendMessage"))

    with pytest.raises(AwsAdapterError, match="grant the worker's role") as raised:
        queue.send("job")
    assert not isinstance(raised.value, RetryableAwsError | NotFoundError)


def test_other_refusals_say_a_retry_will_not_help() -> None:
    queue = broken(client_error("InvalidParameterValue", "bad attribute"))

    with pytest.raises(AwsAdapterError, match="retrying it unchanged will not help"):
        queue.receive(1, 0)


def test_errors_that_are_not_the_backends_pass_through_untouched() -> None:
    bug = KeyError("a bug in the adapter")
    queue = broken(bug)

    with pytest.raises(KeyError) as raised:
        queue.receive(1, 0)
    assert raised.value is bug


def test_our_own_errors_pass_the_edge_as_they_are() -> None:
    queue = InMemoryQueue()
    queue.send("job")
    (message,) = queue.receive(1, 0)
    queue.delete(message.receipt_handle)

    with pytest.raises(NotFoundError, match="is not current$"):
        queue.change_visibility(message.receipt_handle, 30)


def test_receive_takes_at_most_ten_messages_and_at_least_one() -> None:
    queue = InMemoryQueue()
    queue.send_batch([f"job-{n}" for n in range(25)])

    assert len(queue.receive(50, 0)) == 10
    assert len(queue.receive(0, 0)) == 1


def test_visibility_is_clamped_to_what_sqs_accepts() -> None:
    clock = [0.0]
    queue = InMemoryQueue(clock=lambda: clock[0])
    message_id = queue.send("job")
    (message,) = queue.receive(1, 0)

    queue.change_visibility(message.receipt_handle, 10 * SQS_MAX_VISIBILITY_SECONDS)
    clock[0] = SQS_MAX_VISIBILITY_SECONDS + 1.0

    (again,) = queue.receive(1, 0)
    assert again.message_id == message_id


def test_a_send_delay_beyond_sqs_limit_is_refused_before_any_call() -> None:
    queue = InMemoryQueue()

    with pytest.raises(ValueError, match="delay_seconds must be 0..900"):
        queue.send("job", delay_seconds=901)
    assert len(queue) == 0
