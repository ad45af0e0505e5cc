"""The runner against a moto server over HTTP: heartbeat and dead-lettering, for real."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from vidpipe_aws.clients import AwsClients
from vidpipe_aws.queue import ReceivedMessage
from vidpipe_aws.runner import Runner, RunnerSettings
from vidpipe_aws.sqs import SqsQueue

pytestmark = pytest.mark.integration


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.1)


@contextmanager
def running(runner: Runner) -> Iterator[None]:
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        runner.stop()
        thread.join(timeout=15)
    assert not thread.is_alive()


def messages_on(clients: AwsClients, url: str) -> int:
    attributes = clients.sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def test_a_handler_longer_than_the_visibility_timeout_is_not_redelivered(
    aws_clients: AwsClients,
) -> None:
    url = aws_clients.sqs.create_queue(
        QueueName="vidpipe-heartbeat", Attributes={"VisibilityTimeout": "2"}
    )["QueueUrl"]
    queue = SqsQueue(aws_clients.sqs, url)
    queue.send("a 40-minute job, in short")
    started, done = threading.Event(), threading.Event()

    def handler(message: ReceivedMessage) -> None:
        started.set()
        time.sleep(5)  # 2.5 base visibility timeouts
        done.set()

    settings = RunnerSettings(
        VISIBILITY_TIMEOUT_SECONDS=2,
        HEARTBEAT_INTERVAL_SECONDS=0.5,
        WAIT_TIME_SECONDS=1,
        HEALTH_PORT=-1,
    )
    other_consumer = SqsQueue(aws_clients.sqs, url)
    stolen: list[ReceivedMessage] = []
    with running(Runner(queue, handler, settings)):
        assert started.wait(10)
        while not done.is_set():
            stolen.extend(other_consumer.receive(10, 1, visibility_timeout=30))
        wait_until(lambda: messages_on(aws_clients, url) == 0)

    assert stolen == []


def test_a_failing_handler_lands_on_the_dead_letter_queue_after_max_receives(
    aws_clients: AwsClients,
) -> None:
    sqs = aws_clients.sqs
    dlq_url = sqs.create_queue(QueueName="vidpipe-failing-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    url = sqs.create_queue(
        QueueName="vidpipe-failing",
        Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})
        },
    )["QueueUrl"]
    queue = SqsQueue(sqs, url)
    queue.send("poison")
    receive_counts: list[int] = []

    def handler(message: ReceivedMessage) -> None:
        receive_counts.append(message.receive_count)
        raise RuntimeError("this input breaks the worker every time")

    # A backoff ceiling under half a second rounds to 0: retries come back at once.
    settings = RunnerSettings(
        BACKOFF_BASE_SECONDS=0.2, BACKOFF_MAX_SECONDS=0.4, WAIT_TIME_SECONDS=1, HEALTH_PORT=-1
    )
    with running(Runner(queue, handler, settings)):
        wait_until(lambda: messages_on(aws_clients, dlq_url) == 1)

    assert receive_counts == [1, 2, 3]
    assert messages_on(aws_clients, url) == 0
    (dead,) = SqsQueue(sqs, dlq_url).receive(1, 1)
    assert dead.body == "poison"
