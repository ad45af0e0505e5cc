"""Shared pieces of the media-worker's unit tests: fake media tools and segments, and a world
of in-memory stores (with the kit's clock and notifier) around the handler."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidpipe_aws import OutboxDeliverer, WebhookNotifier, WebhookStatus
from vidpipe_aws.fakes import (
    InMemoryJobStore,
    InMemoryObjectStorage,
    InMemorySegmentCompletionStore,
)
from vidpipe_aws.queue import ReceivedMessage
from vidpipe_ffmpeg import FfmpegFailedError, InvalidMediaError, ProbeResult, VideoStream
from vidpipe_media import MediaHandler, MediaSettings
from vidpipe_media.analysis import Analyzer
from vidpipe_testkit import FakeClock, RecordingNotifier, received_message
from vidpipe_types import (
    Job,
    JobOptions,
    JobStatus,
    Mode,
    ReassemblyPayload,
    ReassemblyReason,
    SegmentCompletion,
    build_output_segment_key,
    s3_uri,
)

INPUT_BUCKET = "vp-input"
OUTPUT_BUCKET = "vp-output"
FPS = 25
#: Frames of the fake segments: 10 s of bikes.mp4 cut at its keyframes (250 frames in all).
SEGMENT_FRAMES = (76, 61, 50, 63)
_FAKE = re.compile(rb"fake video: (\d+) frames, (\d+) readable\n")


def fake_video(path: Path, frames: int, readable: int | None = None) -> Path:
    """A file FakeMediaTools reads as a 640x272 H.264 video of `frames` frames (by its index),
    of which only `readable` can be decoded (a segment cut short)."""
    readable = frames if readable is None else readable
    path.write_bytes(f"fake video: {frames} frames, {readable} readable\n".encode())
    return path


def fake_segments(directory: Path, frames: Sequence[int] = SEGMENT_FRAMES) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return [fake_video(directory / f"{i:05d}.mp4", n) for i, n in enumerate(frames)]


def _read(path: Path) -> tuple[int, int]:
    match = _FAKE.fullmatch(path.read_bytes())
    if match is None:
        raise InvalidMediaError("Invalid data found when processing input")
    return int(match[1]), int(match[2])


@dataclass
class FakeMediaTools:
    """MediaTools without ffmpeg, over `fake_video` files: a join keeps the readable frames of
    each input (as ffmpeg's concat demuxer does), probes read the index."""

    concats: list[list[Path]] = field(default_factory=list)
    probes: list[Path] = field(default_factory=list)
    starts: list[list[float] | None] = field(default_factory=list)
    fail_concat: bool = False

    def probe(self, path: Path) -> ProbeResult:
        self.probes.append(path)
        frames, _ = _read(path)
        return ProbeResult(
            duration=frames / FPS,
            size=path.stat().st_size,
            format_name="mov,mp4,m4a,3gp,3g2,mj2",
            bit_rate=1_000_000,
            video=VideoStream(
                codec="h264", width=640, height=272, fps=FPS, pix_fmt="yuv420p", frame_count=frames
            ),
            audio=None,
        )

    def concat(
        self, segments: Sequence[Path], dst: Path, starts: Sequence[float] | None = None
    ) -> None:
        self.concats.append(list(segments))
        self.starts.append(None if starts is None else list(starts))
        if self.fail_concat:
            raise FfmpegFailedError("ffmpeg exited with 1: Invalid data found")
        readable = sum(_read(path)[1] for path in segments)
        fake_video(dst, readable)

    def thumbnail(self, video: Path, dst: Path, *, width: int, probed: ProbeResult) -> None:
        assert video.is_file() and width == 320
        dst.write_bytes(b"\xff\xd8 a fake jpeg")

    def metadata(self, video: Path, probed: ProbeResult) -> dict[str, Any]:
        assert probed.video is not None
        return {
            "duration": round(probed.duration, 3),
            "width": probed.video.width,
            "height": probed.video.height,
            "codec": probed.video.codec,
            "bitrate": probed.bit_rate,
            "frame_rate": float(FPS),
            "audio_codec": None,
            "size_bytes": probed.size,
            "sha256": hashlib.sha256(video.read_bytes()).hexdigest(),
        }


def message(
    job_id: str, total: int, reason: ReassemblyReason = "completion", n: int = 1
) -> ReceivedMessage:
    body = ReassemblyPayload(job_id=job_id, total_segments=total, reason=reason).model_dump_json()
    return received_message(body, n=n)


class DeliveringNotifier(RecordingNotifier):
    """Records each notify and, as a worker's attached outbox does, performs the job's
    pending outbox entries at once (promotion of the winning attempt's artifacts included)."""

    def __init__(self, outbox: Callable[[], OutboxDeliverer]) -> None:
        super().__init__()
        self._outbox = outbox

    def notify(self, job_id: str, status: WebhookStatus, **kwargs: Any) -> None:
        super().notify(job_id, status, **kwargs)
        self._outbox().deliver(job_id)


class World:
    """In-memory stores sharing one clock, and handlers for any number of workers; fake
    media tools unless `real_ffmpeg`."""

    def __init__(
        self,
        work_dir: Path,
        storage: InMemoryObjectStorage | None = None,
        *,
        real_ffmpeg: bool = False,
    ) -> None:
        self.clock = FakeClock()
        self.storage = storage or InMemoryObjectStorage()
        self.jobs = InMemoryJobStore(clock=self.clock)
        self.completions = InMemorySegmentCompletionStore(page_size=2)
        self.notifier = DeliveringNotifier(lambda: self.outbox)
        self.outbox = OutboxDeliverer(
            self.jobs,
            WebhookNotifier(None),
            storage=self.storage,
            output_bucket=OUTPUT_BUCKET,
            clock=self.clock,
        )
        # None: the handler's default tools, real ffmpeg.
        self.tools = None if real_ffmpeg else FakeMediaTools()
        self.work_dir = work_dir

    def settings(self, **overrides: Any) -> MediaSettings:
        values: dict[str, Any] = {"work_dir": self.work_dir, "lease_seconds": 900.0}
        return MediaSettings(**{**values, **overrides})

    def handler(
        self, worker_id: str, *, analyzer: Analyzer | None = None, **overrides: Any
    ) -> MediaHandler:
        return MediaHandler(
            self.storage,
            self.jobs,
            self.completions,
            self.settings(**overrides),
            output_bucket=OUTPUT_BUCKET,
            notifier=self.notifier,
            outbox=self.outbox,
            analyzer=analyzer,
            worker_id=worker_id,
            clock=self.clock,
            tools=self.tools,
        )

    def add_job(
        self,
        job_id: str,
        *,
        total: int | None = None,
        mode: Mode = Mode.PASSTHROUGH,
        options: JobOptions | None = None,
    ) -> Job:
        """A job moved through created -> chunking -> processing, 1 s per stage."""
        options = options or JobOptions(mode=mode)
        job = Job.new(job_id, INPUT_BUCKET, f"input/{job_id}.mp4", options, self.clock())
        self.jobs.create_if_absent(job)
        self.clock.advance(1)
        self.jobs.transition(
            job_id, from_statuses={JobStatus.CREATED}, to_status=JobStatus.CHUNKING
        )
        self.clock.advance(1)
        fields = {} if total is None else {"total_segments": total}
        return self.jobs.transition(
            job_id, from_statuses={JobStatus.CHUNKING}, to_status=JobStatus.PROCESSING, **fields
        )

    def add_processed(
        self,
        job_id: str,
        segments: list[Path],
        indices: range | None = None,
        frame_counts: list[int] | None = None,
    ) -> None:
        """Upload output segments and write their completions, as the video-worker does
        (with each output's frame count when given, as today's video-worker records it)."""
        for index in indices if indices is not None else range(len(segments)):
            key = build_output_segment_key(job_id, index)
            self.storage.upload_file(segments[index], OUTPUT_BUCKET, key, content_type="video/mp4")
            self.completions.put(
                SegmentCompletion(
                    job_id=job_id,
                    segment_index=index,
                    output_s3_uri=s3_uri(OUTPUT_BUCKET, key),
                    completed_at=self.clock(),
                    total_segments=len(segments),
                    frame_count=None if frame_counts is None else frame_counts[index],
                    start_time=None if frame_counts is None else sum(frame_counts[:index]) / FPS,
                )
            )

    def ready_job(
        self, job_id: str, segments: list[Path], options: JobOptions | None = None
    ) -> Job:
        job = self.add_job(job_id, total=len(segments), options=options)
        self.add_processed(job_id, segments)
        self.clock.advance(3)
        return job

    def job(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        assert job is not None
        return job
