"""Test doubles and data shared by the unit and integration tests: a world of in-memory
fakes around the handler, a fake Splitter, and a small real video for the ffmpeg tests."""

from __future__ import annotations

import math
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidpipe_aws import (
    JobStore,
    OutboxDeliverer,
    Queue,
    ReassemblyTrigger,
    WebhookNotifier,
    WebhookStatus,
)
from vidpipe_aws.fakes import (
    InMemoryJobStore,
    InMemoryObjectStorage,
    InMemoryQueue,
    InMemorySegmentCompletionStore,
)
from vidpipe_aws.queue import ReceivedMessage
from vidpipe_chunking import ChunkingHandler, ChunkingSettings
from vidpipe_chunking.splitter import StrategyChoice
from vidpipe_ffmpeg import (
    AudioStream,
    InvalidMediaError,
    ProbeResult,
    Segment,
    SplitResult,
    VideoStream,
    validate,
)
from vidpipe_testkit import RecordingNotifier, received_message, s3_event_body
from vidpipe_types import Job, ReassemblyReason


class CountingTrigger(ReassemblyTrigger):
    """The real trigger, remembering each evaluation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[str, str]] = []

    def evaluate(self, job_id: str, reason: ReassemblyReason, **kwargs: Any) -> bool:
        self.calls.append((job_id, reason))
        return super().evaluate(job_id, reason, **kwargs)


INPUT_BUCKET = "vidpipe-input"


class CountingStorage(InMemoryObjectStorage):
    """In-memory S3 that remembers each upload and download."""

    def __init__(self, buckets: list[str]) -> None:
        super().__init__(buckets)
        self.uploads: list[str] = []
        self.downloads: list[str] = []

    def _upload_file(
        self,
        path: Path,
        bucket: str,
        key: str,
        content_type: str | None,
        metadata: dict[str, str],
        tags: dict[str, str],
    ) -> None:
        self.uploads.append(key)
        super()._upload_file(path, bucket, key, content_type, metadata, tags)

    def _download_file(self, bucket: str, key: str, path: Path) -> None:
        self.downloads.append(key)
        super()._download_file(bucket, key, path)


class RecordingJobStore(InMemoryJobStore):
    """In-memory jobs that remember the stages written (progress), and can cancel a job when
    a stage starting with `cancel_at_stage` is about to be written, or after a number of reads
    (`cancel_after_reads`), to stop a handler at one precise step."""

    def __init__(self) -> None:
        super().__init__()
        self.stages: list[str] = []
        self.cancel_at_stage: str | None = None
        self.cancel_after_reads: int | None = None

    def get(self, job_id: str) -> Job | None:
        if self.cancel_after_reads is not None:
            self.cancel_after_reads -= 1
            if self.cancel_after_reads < 0:
                self.cancel_after_reads = None
                self.cancel(job_id)
        return super().get(job_id)

    def update_fields(self, job_id: str, **fields: Any) -> Job:
        if "stage" in fields:
            self.stages.append(fields["stage"])
        return super().update_fields(job_id, **fields)

    def update_active(self, job_id: str, **fields: Any) -> Job | None:
        if "stage" in fields:
            if self.cancel_at_stage and fields["stage"].startswith(self.cancel_at_stage):
                self.cancel(job_id)
            self.stages.append(fields["stage"])
        return super().update_active(job_id, **fields)

    def renew_chunking(
        self, job_id: str, owner: str, lease_seconds: float, **fields: Any
    ) -> Job | None:
        if "stage" in fields:
            if self.cancel_at_stage and fields["stage"].startswith(self.cancel_at_stage):
                self.cancel(job_id)
            self.stages.append(fields["stage"])
        return super().renew_chunking(job_id, owner, lease_seconds, **fields)


#: What the fake probe says of any upload unless told otherwise: 3 s, 160x120, 10 fps, a
#: keyframe every second, with audio (as the integration tests' generated video).
TINY = ProbeResult(
    duration=3.0,
    size=12_345,
    format_name="mov,mp4,m4a,3gp,3g2,mj2",
    bit_rate=32_000,
    video=VideoStream(codec="h264", width=160, height=120, fps=10.0, pix_fmt="yuv420p"),
    audio=AudioStream(codec="aac", sample_rate=44_100, channels=1),
    keyframes=(0.0, 1.0, 2.0),
)


@dataclass
class Split:
    """One call of FakeSplitter.split, for assertions."""

    source: Path
    segment_seconds: float
    strategy: StrategyChoice


@dataclass
class FakeSplitter:
    """A Splitter without ffmpeg: every upload probes as `probed` (or fails with `bad`), the
    real (pure) validation runs, and a split writes one small file per segment_seconds."""

    probed: ProbeResult = TINY
    bad: str | None = None
    probes: list[Path] = field(default_factory=list)
    splits: list[Split] = field(default_factory=list)

    def probe(self, source: Path) -> ProbeResult:
        assert source.is_file(), "the handler probes the downloaded upload"
        self.probes.append(source)
        if self.bad is not None:
            raise InvalidMediaError(self.bad)
        return self.probed.model_copy(update={"size": source.stat().st_size})

    def validate(
        self,
        probed: ProbeResult,
        *,
        max_duration_seconds: float,
        max_size_bytes: int,
        max_width: int,
        max_height: int,
    ) -> None:
        validate(
            probed,
            max_duration_seconds=max_duration_seconds,
            max_size_bytes=max_size_bytes,
            max_width=max_width,
            max_height=max_height,
        )

    def split(
        self,
        source: Path,
        out_dir: Path,
        segment_seconds: float,
        probed: ProbeResult,
        *,
        strategy: StrategyChoice,
    ) -> SplitResult:
        self.splits.append(Split(source, segment_seconds, strategy))
        out_dir.mkdir(parents=True, exist_ok=True)
        total = max(1, math.floor(probed.duration / segment_seconds))
        segments = []
        for index in range(total):
            path = out_dir / f"{index:05d}.mp4"
            path.write_bytes(f"segment {index} of {source.name}".encode())
            start = index * segment_seconds
            end = probed.duration if index == total - 1 else start + segment_seconds
            segments.append(Segment(path=path, index=index, start=start, duration=end - start))
        return SplitResult(
            segments=segments, strategy="reencode" if strategy == "reencode" else "copy"
        )


class DeliveringNotifier(RecordingNotifier):
    """Records each notify and, as a worker's attached outbox does, performs the job's
    pending outbox entries (the detection request) at once."""

    def __init__(self, jobs: JobStore, detection_queue: Queue | None) -> None:
        super().__init__()
        self._outbox = OutboxDeliverer(jobs, WebhookNotifier(None), detection_queue=detection_queue)

    def notify(self, job_id: str, status: WebhookStatus, **kwargs: Any) -> None:
        super().notify(job_id, status, **kwargs)
        self._outbox.deliver(job_id)


@dataclass
class World:
    storage: CountingStorage
    jobs: RecordingJobStore
    completions: InMemorySegmentCompletionStore
    reassembly_queue: InMemoryQueue
    detection_queue: InMemoryQueue
    trigger: CountingTrigger
    notifier: RecordingNotifier
    splitter: FakeSplitter | None  # None: real ffmpeg
    work_dir: Path
    handler: ChunkingHandler

    def upload(
        self, key: str, path: Path, metadata: Mapping[str, str] | None = None
    ) -> ReceivedMessage:
        """Put a file in the input bucket; return the SQS message its S3 event would be."""
        self.storage.upload_file(path, INPUT_BUCKET, key, metadata=metadata)
        return message(s3_event_body(INPUT_BUCKET, key))

    def segment_keys(self, job_id: str) -> list[str]:
        return list(self.storage.list_keys(INPUT_BUCKET, f"segments/{job_id}/"))


def message(body: str, receive_count: int = 1) -> ReceivedMessage:
    return received_message(body, receive_count=receive_count)


def make_settings(work_dir: Path, **overrides: object) -> ChunkingSettings:
    values: dict[str, object] = {
        "MODEL": "passthrough",
        "SEGMENT_SECONDS": 1,
        "SPLIT_STRATEGY": "auto",
        "WORK_DIR": work_dir,
    }
    values.update(overrides)
    return ChunkingSettings(**values)  # type: ignore[arg-type]


def make_world(
    tmp_path: Path,
    *,
    with_detection_queue: bool = True,
    splitter: FakeSplitter | None = None,
    real_ffmpeg: bool = False,
    **overrides: object,
) -> World:
    """The handler over fresh fakes; `real_ffmpeg` gives it its default Splitter instead."""
    storage = CountingStorage([INPUT_BUCKET])
    jobs = RecordingJobStore()
    completions = InMemorySegmentCompletionStore()
    reassembly_queue = InMemoryQueue(name="reassembly")
    detection_queue = InMemoryQueue(name="detection")
    trigger = CountingTrigger(jobs, completions, reassembly_queue)
    notifier = DeliveringNotifier(jobs, detection_queue if with_detection_queue else None)
    splitter = None if real_ffmpeg else splitter or FakeSplitter()
    work_dir = tmp_path / "work"
    handler = ChunkingHandler(
        storage,
        jobs,
        trigger,
        make_settings(work_dir, **overrides),
        detection_queue=detection_queue if with_detection_queue else None,
        notifier=notifier,
        splitter=splitter,
    )
    return World(
        storage,
        jobs,
        completions,
        reassembly_queue,
        detection_queue,
        trigger,
        notifier,
        splitter,
        work_dir,
        handler,
    )


def make_test_video(path: Path, *, seconds: int = 3, fps: int = 10) -> Path:
    """A small H.264 + AAC MP4 with a keyframe every second (ffmpeg's test pattern)."""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None, "ffmpeg must be on PATH"
    subprocess.run(
        [
            ffmpeg, "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc=size=160x120:rate={fps}:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-g", str(fps), "-keyint_min", str(fps), "-sc_threshold", "0",
            "-c:a", "aac", "-shortest", "-movflags", "+faststart",
            str(path),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip
    return path
