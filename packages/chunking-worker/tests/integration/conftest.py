"""A provisioned stack on the moto server, and the handler wired to it as __main__ wires it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from vidpipe_aws import AwsClients, AwsContext, AwsSettings, ProvisionedStack, SqsQueue, provision
from vidpipe_aws.queue import ReceivedMessage
from vidpipe_chunking import ChunkingHandler, ChunkingSettings
from vidpipe_testkit import RecordingNotifier
from vidpipe_types import ObjectCreated, StackNames, Worker, parse_s3_event_body

from ..support import CountingTrigger, DeliveringNotifier, make_test_video

SEGMENT_SECONDS = 2


@dataclass
class Stack:
    provisioned: ProvisionedStack
    settings: AwsSettings
    ctx: AwsContext

    @property
    def input_bucket(self) -> str:
        return self.provisioned.input_bucket

    def queue(self, worker: Worker) -> SqsQueue:
        return self.ctx.queue(self.provisioned.queue_url(worker), f"{worker.value} queue")

    def dlq(self, worker: Worker) -> SqsQueue:
        return self.ctx.queue(self.provisioned.dlq_url(worker), f"{worker.value} DLQ")


@pytest.fixture
def stack(aws_clients: AwsClients, aws_settings: AwsSettings) -> Stack:
    provisioned = provision(aws_clients, StackNames(prefix="vp-chunking"))
    settings = AwsSettings(
        AWS_REGION=aws_settings.region,
        AWS_ENDPOINT_URL=aws_settings.endpoint_url,
        **provisioned.env(),  # type: ignore[arg-type]
    )
    return Stack(provisioned, settings, AwsContext(settings=settings, clients=aws_clients))


@dataclass
class Chunker:
    handler: ChunkingHandler
    trigger: CountingTrigger
    notifier: RecordingNotifier
    work_dir: Path


@pytest.fixture
def chunker(stack: Stack, tmp_path: Path) -> Chunker:
    ctx = stack.ctx
    trigger = CountingTrigger(ctx.jobs, ctx.completions, stack.queue(Worker.REASSEMBLY))
    notifier = DeliveringNotifier(ctx.jobs, stack.queue(Worker.DETECTION))
    work_dir = tmp_path / "work"
    settings = ChunkingSettings(SEGMENT_SECONDS=SEGMENT_SECONDS, WORK_DIR=work_dir)
    handler = ChunkingHandler(
        ctx.storage,
        ctx.jobs,
        trigger,
        settings,
        detection_queue=stack.queue(Worker.DETECTION),
        notifier=notifier,
    )
    return Chunker(handler, trigger, notifier, work_dir)


@pytest.fixture(scope="session")
def tiny_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 s, 160x120, 10 fps, a keyframe every second, with audio: 3 segments of 1 s."""
    return make_test_video(tmp_path_factory.mktemp("video") / "tiny.mp4")


def receive_until(
    queue: SqsQueue, wanted: int, *, timeout: float = 30.0
) -> Iterator[tuple[ReceivedMessage, list[ObjectCreated]]]:
    """Yield (message, its events) until `wanted` object-created events came, deleting each
    message after the caller has handled it. S3's TestEvent messages come along too."""
    seen = 0
    deadline = time.monotonic() + timeout
    while seen < wanted:
        if time.monotonic() > deadline:
            raise AssertionError(f"only {seen} of {wanted} S3 events arrived on {queue.url}")
        for message in queue.receive(10, wait_seconds=2):
            events = parse_s3_event_body(message.body)
            yield message, events
            queue.delete(message.receipt_handle)
            seen += len(events)


def drain_events(queue: SqsQueue) -> list[ObjectCreated]:
    """The object-created events on the queue now (stops at the first empty receive)."""
    events: list[ObjectCreated] = []
    while messages := queue.receive(10, wait_seconds=1):
        for message in messages:
            events += parse_s3_event_body(message.body)
            queue.delete(message.receipt_handle)
    return events
