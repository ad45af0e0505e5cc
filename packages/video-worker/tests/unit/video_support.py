"""A video-worker wired to the in-memory fakes, and S3 event bodies as S3 sends them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from vidpipe_aws import ReassemblyTrigger, ReceivedMessage
from vidpipe_aws.fakes import (
    InMemoryJobStore,
    InMemoryObjectStorage,
    InMemoryQueue,
    InMemorySegmentCompletionStore,
)
from vidpipe_testkit import received_message, s3_event_body
from vidpipe_types import Job, JobOptions, JobStatus, Mode, ReassemblyPayload, build_segment_key
from vidpipe_video import ModelRegistry, SegmentContext, SegmentModel, VideoHandler, VideoSettings

INPUT_BUCKET = "vidpipe-input"
OUTPUT_BUCKET = "vidpipe-output"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def event_body(*keys: str, bucket: str = INPUT_BUCKET) -> str:
    """An S3 notification with one ObjectCreated:Put record per key, from the input bucket."""
    return s3_event_body(bucket, *keys)


def message(body: str, receive_count: int = 1) -> ReceivedMessage:
    return received_message(body, receive_count=receive_count)


class CountingModel(SegmentModel):
    """Wraps a model and counts its runs; optionally adds an artifact or writes nothing.
    Made with `counting`, which gives it the wrapped model's name."""

    def __init__(self, inner: SegmentModel, *, artifact_key: str | None = None) -> None:
        self.inner = inner
        self.calls: list[SegmentContext] = []
        self.artifact_key = artifact_key
        self.write_output = True

    def process(self, src: Path, dst: Path, context: SegmentContext) -> None:
        self.calls.append(context)
        if self.artifact_key is not None:
            extra = context.work_dir / "extra.json"
            extra.write_text("{}")
            context.add_artifact(self.artifact_key, extra, "application/json")
        if self.write_output:
            self.inner.process(src, dst, context)


def counting(inner: SegmentModel, *, artifact_key: str | None = None) -> CountingModel:
    subclass = type(f"Counting{type(inner).__name__}", (CountingModel,), {"name": inner.name})
    model: CountingModel = subclass(inner, artifact_key=artifact_key)
    return model


@dataclass
class Worker:
    """A VideoHandler over fakes, with the pieces kept at hand for assertions."""

    work_dir: Path
    registry: ModelRegistry
    enabled_models: str = ""
    storage: InMemoryObjectStorage = field(default_factory=InMemoryObjectStorage)
    jobs: InMemoryJobStore = field(default_factory=InMemoryJobStore)
    completions: InMemorySegmentCompletionStore = field(
        default_factory=InMemorySegmentCompletionStore
    )
    reassembly: InMemoryQueue = field(default_factory=lambda: InMemoryQueue(name="reassembly"))

    def __post_init__(self) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.handler = VideoHandler(
            storage=self.storage,
            jobs=self.jobs,
            completions=self.completions,
            trigger=ReassemblyTrigger(self.jobs, self.completions, self.reassembly),
            registry=self.registry,
            settings=VideoSettings(enabled_models=self.enabled_models, work_dir=self.work_dir),
            output_bucket=OUTPUT_BUCKET,
            clock=lambda: NOW,
        )

    def add_job(
        self,
        job_id: str,
        *,
        total: int | None = 1,
        status: JobStatus = JobStatus.PROCESSING,
        mode: Mode = Mode.PASSTHROUGH,
    ) -> Job:
        job = Job.new(job_id, INPUT_BUCKET, f"input/{job_id}.mp4", JobOptions(mode=mode), NOW)
        self.jobs.create_if_absent(job)
        if status is JobStatus.CHUNKING:
            return self.jobs.transition(
                job_id, from_statuses={JobStatus.CREATED}, to_status=JobStatus.CHUNKING
            )
        if status is not JobStatus.CREATED:
            fields = {} if total is None else {"total_segments": total}
            self.jobs.transition(
                job_id, from_statuses={JobStatus.CREATED}, to_status=JobStatus.PROCESSING, **fields
            )
        if status is JobStatus.FAILED:
            self.jobs.fail(job_id, "chunking", "no video stream")
        if status is JobStatus.CANCELLED:
            self.jobs.cancel(job_id)
        if status is JobStatus.COMPLETED:
            self.jobs.claim_reassembly(job_id, "media-1", 60)
            self.jobs.complete(job_id, "media-1", {"final": f"jobs/{job_id}/final.mp4"})
        stored = self.jobs.get(job_id)
        assert stored is not None and stored.status is status
        return stored

    def upload_segment(
        self, source: Path, job_id: str, index: int, total: int, mode: Mode = Mode.PASSTHROUGH
    ) -> str:
        key = build_segment_key(job_id, index, total, mode)
        self.storage.upload_file(source, INPUT_BUCKET, key, content_type="video/mp4")
        return key

    def handle(self, *keys: str) -> None:
        self.handler(message(event_body(*keys)))

    def reassembly_requests(self) -> list[ReassemblyPayload]:
        return [ReassemblyPayload.model_validate_json(body) for body in self.reassembly.bodies()]

    def output_keys(self) -> list[str]:
        return list(self.storage.list_keys(OUTPUT_BUCKET, ""))

    def leftovers(self) -> list[Path]:
        return list(self.work_dir.iterdir())
