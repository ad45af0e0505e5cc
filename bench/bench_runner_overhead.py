"""Per-message overhead of the worker runner vs a bare boto3 receive/delete loop.

Both consume the same number of messages from an SQS queue on an embedded moto server with a
handler that does nothing, so what is measured is the machinery around a handler: the
runner's thread per message, visibility bookkeeping, heartbeat, JSON logs and EMF metric lines
(written to /dev/null here, to stdout in a container) against `receive_message` (10 at a time)
and one `delete_message` per message. The clock stops when the last message is deleted.

    .venvs/cli/bin/python bench/bench_runner_overhead.py [--messages 300] [--concurrency 10 2]

Every figure is measured in this one run; moto answers in-process, so the absolute times are
moto's, and the ratio is what carries over.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from vidpipe_aws import Queue, ReceivedMessage, Runner, RunnerSettings, SqsQueue
from vidpipe_aws.local_aws import EmbeddedAws
from vidpipe_cli import local_clients

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

REGION = "us-east-1"


class CountingQueue(Queue):
    """Delegates to an SqsQueue and signals when `expected` messages have been deleted."""

    def __init__(self, inner: SqsQueue, expected: int) -> None:
        self._inner = inner
        self._expected = expected
        self._deleted = 0
        self._lock = threading.Lock()
        self.done = threading.Event()

    @property
    def url(self) -> str:
        return self._inner.url

    def _receive(
        self, max_messages: int, wait_seconds: int, visibility_timeout: int | None
    ) -> list[ReceivedMessage]:
        return self._inner.receive(max_messages, wait_seconds, visibility_timeout)

    def _delete(self, receipt_handle: str) -> None:
        self._inner.delete(receipt_handle)
        with self._lock:
            self._deleted += 1
            if self._deleted >= self._expected:
                self.done.set()

    def _change_visibility(self, receipt_handle: str, timeout_seconds: int) -> None:
        self._inner.change_visibility(receipt_handle, timeout_seconds)

    def _send(self, body: str, delay_seconds: int) -> str:
        return self._inner.send(body, delay_seconds)

    def _send_chunk(self, bodies: list[str]) -> None:
        self._inner.send_batch(bodies)


def fill(queue: SqsQueue, count: int) -> None:
    queue.send_batch([f'{{"n": {n}}}' for n in range(count)])


def bare_loop(sqs: SQSClient, url: str, count: int) -> float:
    started = time.perf_counter()
    deleted = 0
    while deleted < count:
        response = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=60
        )
        for message in response.get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            deleted += 1
    return time.perf_counter() - started


def runner_loop(queue: SqsQueue, count: int, concurrency: int) -> float:
    counting = CountingQueue(queue, count)
    settings = RunnerSettings(
        WORKER_NAME="bench",
        MAX_CONCURRENT_JOBS=concurrency,
        RECEIVE_BATCH_SIZE=10,
        WAIT_TIME_SECONDS=1,
        VISIBILITY_TIMEOUT_SECONDS=60,
        HEALTH_PORT=-1,
        SHUTDOWN_GRACE_SECONDS=10,
    )
    runner = Runner(counting, lambda message: None, settings)
    thread = threading.Thread(target=runner.run, name="runner")
    # The runner's EMF metric lines go to stdout, as in a container; keep them off the report.
    with Path(os.devnull).open("w") as devnull, contextlib.redirect_stdout(devnull):
        started = time.perf_counter()
        thread.start()
        if not counting.done.wait(300):
            raise SystemExit("the runner did not consume every message within 300 s")
        elapsed = time.perf_counter() - started
        runner.stop()
        thread.join(30)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[10, 2],
        help="MAX_CONCURRENT_JOBS values to run (10 receives full batches like the bare loop; "
        "2 is the default).",
    )
    args = parser.parse_args()
    count: int = args.messages

    aws = EmbeddedAws()
    endpoint = aws.start()
    try:
        clients = local_clients(endpoint, REGION)
        url = clients.sqs.create_queue(
            QueueName="bench-runner-overhead", Attributes={"VisibilityTimeout": "60"}
        )["QueueUrl"]
        queue = SqsQueue(clients.sqs, url)

        # Warm-up: connections, moto's first-request costs.
        fill(queue, 20)
        bare_loop(clients.sqs, url, 20)

        fill(queue, count)
        bare = bare_loop(clients.sqs, url, count)
        results = []
        for concurrency in args.concurrency:
            fill(queue, count)
            results.append((concurrency, runner_loop(queue, count, concurrency)))
    finally:
        aws.stop()

    bare_ms = bare / count * 1000
    print(f"messages per run: {count} (no-op handler), moto on loopback, {os.cpu_count()} CPUs")
    print(f"bare boto3 receive(10)/delete loop: {bare:7.2f} s  {bare_ms:6.2f} ms/message")
    for concurrency, elapsed in results:
        per = elapsed / count * 1000
        print(
            f"runner MAX_CONCURRENT_JOBS={concurrency:<3}        {elapsed:7.2f} s  "
            f"{per:6.2f} ms/message  ratio {elapsed / bare:5.2f}x  "
            f"overhead {per - bare_ms:+6.2f} ms/message"
        )


if __name__ == "__main__":
    main()
