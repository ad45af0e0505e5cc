"""Shared pieces of the media-worker's unit tests: a movable clock, a recording notifier,
and a world of in-memory stores with one job whose segments are all processed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from vidpipe_aws.fakes import (
    InMemoryJobStore,
    InMemoryObjectStorage,
    InMemorySegmentCompletionStore,
)
from vidpipe_aws.queue import ReceivedMessage
from vidpipe_media import MediaHandler, MediaSettings
from vidpipe_media.analysis import Analyzer
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
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class RecordingNotifier:
    events: list[dict[str, Any]] = field(default_factory=list)

    def notify(
        self,
        job_id: str,
        status: str,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> None:
        self.events.append({"job_id": job_id, "status": status, "result": result, "error": error})


def message(
    job_id: str, total: int, reason: ReassemblyReason = "completion", n: int = 1
) -> ReceivedMessage:
    body = ReassemblyPayload(job_id=job_id, total_segments=total, reason=reason).model_dump_json()
    return ReceivedMessage(message_id=f"m{n}", receipt_handle=f"r{n}", body=body, receive_count=1)


class World:
    """In-memory stores sharing one clock, and handlers for any number of workers."""

    def __init__(self, work_dir: Path, storage: InMemoryObjectStorage | None = None) -> None:
        self.clock = Clock()
        self.storage = storage or InMemoryObjectStorage()
        self.jobs = InMemoryJobStore(clock=self.clock)
        self.completions = InMemorySegmentCompletionStore(page_size=2)
        self.notifier = RecordingNotifier()
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
            analyzer=analyzer,
            worker_id=worker_id,
            clock=self.clock,
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
        self, job_id: str, segments: list[Path], indices: range | None = None
    ) -> None:
        """Upload output segments and write their completions, as the video-worker does."""
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
