"""The three workers' real handlers wired together over the in-memory ports, one step at a time.

A deterministic stand-in for the local stack, used to kill a worker between any two steps:
the storage fake emits S3 events like the bucket notifications do (`input/` -> chunking,
`segments/` -> video), queues run on a fake clock, and a `Crash` raised anywhere in a handler
leaves its message in flight, exactly as a `kill -9` would, until its visibility runs out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from vidpipe_aws import (
    BadInput,
    OutboxDeliverer,
    ReassemblyTrigger,
    RetryLater,
    Unparseable,
    WebhookNotifier,
)
from vidpipe_aws.fakes import (
    InMemoryJobStore,
    InMemoryObjectStorage,
    InMemoryQueue,
    InMemorySegmentCompletionStore,
)
from vidpipe_chunking import ChunkingHandler, ChunkingSettings
from vidpipe_ffmpeg import DEFAULT_LIMITS
from vidpipe_media import MediaHandler, MediaSettings, Sweeper
from vidpipe_types import INPUT_PREFIX, MAX_RECEIVE_COUNT, SEGMENTS_PREFIX
from vidpipe_video import VideoHandler, VideoSettings, builtin_registry

INPUT_BUCKET = "vidpipe-input"
OUTPUT_BUCKET = "vidpipe-output"
VISIBILITY_TIMEOUT = 60
LEASE_SECONDS = 120
SWEEP_STALE_SECONDS = 300


class Crash(BaseException):  # noqa: N818 - it is an event, not an error
    """The worker process died here. BaseException, so no handler's `except` catches it."""


@dataclass
class Clock:
    """One clock for queues (monotonic seconds) and stores (UTC datetimes)."""

    seconds: float = 0.0
    epoch: datetime = datetime(2026, 1, 1, tzinfo=UTC)

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> datetime:
        return self.epoch + timedelta(seconds=self.seconds)

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


@dataclass
class RecordingNotifier:
    """Records each notify and delivers the job's outbox at once, as a worker's notifier
    with its attached OutboxDeliverer does (promotions of final artifacts included)."""

    events: list[tuple[str, str]] = field(default_factory=list)
    outbox: OutboxDeliverer | None = None

    def notify(
        self,
        job_id: str,
        status: Any,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        metadata: Any = None,
    ) -> None:
        self.events.append((job_id, str(status)))
        if self.outbox is not None:
            self.outbox.deliver(job_id)

    def flush(self, timeout_seconds: float = 0.0) -> bool:
        return True


class NotifyingStorage(InMemoryObjectStorage):
    """Object storage that sends S3 events for the notification rules, as S3 does."""

    def __init__(self, routes: dict[str, InMemoryQueue]) -> None:
        super().__init__()
        self._routes = routes

    def upload_file(self, path: str | Path, bucket: str, key: str, **kwargs: Any) -> None:
        super().upload_file(path, bucket, key, **kwargs)
        for prefix, queue in self._routes.items():
            if bucket == INPUT_BUCKET and key.startswith(prefix):
                info = self.head(bucket, key)
                queue.send(s3_event(bucket, key, info.size, info.etag))


def s3_event(bucket: str, key: str, size: int, etag: str) -> str:
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "eventName": "ObjectCreated:Put",
        "s3": {
            "bucket": {"name": bucket},
            "object": {"key": quote_plus(key), "size": size, "eTag": etag},
        },
    }
    return json.dumps({"Records": [record]})


def crash_after(obj: object, method: str, when: Callable[..., bool] = lambda *a, **k: True) -> None:
    """Kill the worker right after `obj.method` succeeds, the first time `when` holds."""
    _inject(obj, method, when, before=False)


def crash_before(
    obj: object, method: str, when: Callable[..., bool] = lambda *a, **k: True
) -> None:
    """Kill the worker right before `obj.method` runs, the first time `when` holds."""
    _inject(obj, method, when, before=True)


def _inject(obj: object, method: str, when: Callable[..., bool], *, before: bool) -> None:
    original = getattr(obj, method)
    armed = [True]

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        fire = armed[0] and when(*args, **kwargs)
        if fire and before:
            armed[0] = False
            raise Crash(f"killed before {method}")
        result = original(*args, **kwargs)
        if fire:
            armed[0] = False
            raise Crash(f"killed after {method}")
        return result

    setattr(obj, method, wrapper)


@dataclass
class Pipeline:
    """Every port and handler of one local pipeline; `run()` drives it until nothing is left."""

    work_dir: Path
    segment_seconds: float = 3.0
    clock: Clock = field(default_factory=Clock)

    def __post_init__(self) -> None:
        def queue(name: str) -> InMemoryQueue:
            return InMemoryQueue(
                name=name,
                default_visibility_timeout=VISIBILITY_TIMEOUT,
                clock=self.clock.monotonic,
            )

        self.chunking_queue = queue("chunking")
        self.video_queue = queue("video")
        self.reassembly_queue = queue("reassembly")
        self.storage = NotifyingStorage(
            {INPUT_PREFIX: self.chunking_queue, SEGMENTS_PREFIX: self.video_queue}
        )
        self.jobs = InMemoryJobStore(clock=self.clock.now)
        self.completions = InMemorySegmentCompletionStore()
        self.trigger = ReassemblyTrigger(self.jobs, self.completions, self.reassembly_queue)
        self.outbox = OutboxDeliverer(
            self.jobs,
            WebhookNotifier(None),
            storage=self.storage,
            output_bucket=OUTPUT_BUCKET,
            clock=self.clock.now,
        )
        self.notifier = RecordingNotifier(outbox=self.outbox)
        self.crashes = 0
        self.max_receive_count = 0
        media_settings = MediaSettings(
            REASSEMBLY_LEASE_SECONDS=LEASE_SECONDS,
            SWEEP_INTERVAL_SECONDS=0,
            SWEEP_STALE_SECONDS=SWEEP_STALE_SECONDS,
            WORK_DIR=self.work_dir,
        )
        self.sweeper = Sweeper(
            self.jobs, self.trigger, media_settings, clock=self.clock.now, outbox=self.outbox
        )
        registry = builtin_registry(DEFAULT_LIMITS)
        registry.load_all()
        self.handlers: list[tuple[InMemoryQueue, Callable[[Any], None]]] = [
            (
                self.chunking_queue,
                ChunkingHandler(
                    self.storage,
                    self.jobs,
                    self.trigger,
                    ChunkingSettings(SEGMENT_SECONDS=self.segment_seconds, WORK_DIR=self.work_dir),
                    detection_queue=None,
                    notifier=self.notifier,  # type: ignore[arg-type]
                    clock=self.clock.now,
                ),
            ),
            (
                self.video_queue,
                VideoHandler(
                    storage=self.storage,
                    jobs=self.jobs,
                    completions=self.completions,
                    trigger=self.trigger,
                    registry=registry,
                    settings=VideoSettings(WORK_DIR=self.work_dir),
                    output_bucket=OUTPUT_BUCKET,
                    clock=self.clock.now,
                ),
            ),
            (
                self.reassembly_queue,
                MediaHandler(
                    self.storage,
                    self.jobs,
                    self.completions,
                    media_settings,
                    output_bucket=OUTPUT_BUCKET,
                    notifier=self.notifier,
                    worker_id="media-1",
                    clock=self.clock.now,
                ),
            ),
        ]

    def upload(self, source: Path, job_id: str, name: str = "clip.mp4") -> None:
        self.storage.upload_file(
            source, INPUT_BUCKET, f"{INPUT_PREFIX}{name}", metadata={"job-id": job_id}
        )

    def run(self, max_steps: int = 500) -> None:
        """Handle messages (advancing time when all are in flight) until the stack is idle.

        Idle means: every queue empty and a sweep after SWEEP_STALE_SECONDS finds nothing.
        """
        for _ in range(max_steps):
            if self._step():
                continue
            if any(len(q) for q, _ in self.handlers):
                self.clock.advance(VISIBILITY_TIMEOUT / 2)  # wait for hidden messages
                continue
            self.clock.advance(SWEEP_STALE_SECONDS + 1)
            if self.sweeper.sweep_once() == 0:
                return
        raise AssertionError(f"pipeline not idle after {max_steps} steps")

    def _step(self) -> bool:
        for queue, handler in self.handlers:
            for message in queue.receive(1, 0):
                self.max_receive_count = max(self.max_receive_count, message.receive_count)
                self._handle(queue, handler, message)
                return True
        return False

    def _handle(self, queue: InMemoryQueue, handler: Callable[[Any], None], message: Any) -> None:
        # The runner's outcomes, without its threads: the runner itself has its own tests.
        try:
            handler(message)
        except Crash:
            self.crashes += 1  # the message stays in flight until its visibility runs out
            return
        except RetryLater as retry:
            queue.change_visibility(message.receipt_handle, int(retry.delay_seconds or 5))
            return
        except BadInput as bad:
            if bad.job_id:
                self.jobs.fail(bad.job_id, bad.stage or "unknown", bad.reason)
        except Unparseable:
            pass
        queue.delete(message.receipt_handle)

    def output_keys(self, job_id: str) -> Iterator[str]:
        return self.storage.list_keys(OUTPUT_BUCKET, f"jobs/{job_id}/")


__all__ = [
    "MAX_RECEIVE_COUNT",
    "OUTPUT_BUCKET",
    "Crash",
    "Pipeline",
    "crash_after",
    "crash_before",
]
