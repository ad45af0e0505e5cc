"""Messages the workers send each other over SQS.

Every model is frozen and forbids unknown fields: a typo in a producer fails at the producer,
not as a silently ignored field in a consumer. Send with ``model_dump_json()``, read with
``model_validate_json(body)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vidpipe_types.ids import JobId
from vidpipe_types.job import Tracker
from vidpipe_types.modes import Mode
from vidpipe_types.timestamps import UtcDatetime

if TYPE_CHECKING:
    from vidpipe_types.job import Job

_MESSAGE_CONFIG = ConfigDict(frozen=True, extra="forbid")

#: Upper bound on segments per job; segment keys carry the index and total in five digits.
MAX_SEGMENTS = 99_999

ReassemblyReason = Literal["completion", "chunking", "sweeper"]


def _check_index(index: int, total: int) -> None:
    if index >= total:
        raise ValueError(f"segment_index {index} must be below total_segments {total}")


class ChunkingPayload(BaseModel):
    """An uploaded source video for the chunking-worker."""

    model_config = _MESSAGE_CONFIG

    bucket: str = Field(min_length=1)
    key: str = Field(min_length=1)
    size: int = Field(default=0, ge=0)
    etag: str = ""
    version_id: str | None = None


class VideoWorkerPayload(BaseModel):
    """One segment for the video-worker to transform."""

    model_config = _MESSAGE_CONFIG

    job_id: JobId
    segment_index: int = Field(ge=0)
    total_segments: int = Field(ge=1, le=MAX_SEGMENTS)
    segment_s3_uri: str = Field(pattern=r"^s3://[^/]+/.+")
    mode: Mode

    @model_validator(mode="after")
    def _index_below_total(self) -> Self:
        _check_index(self.segment_index, self.total_segments)
        return self


class SegmentCompletion(BaseModel):
    """A record that one output segment exists (stored, one per job and index)."""

    model_config = _MESSAGE_CONFIG

    job_id: JobId
    segment_index: int = Field(ge=0)
    output_s3_uri: str = Field(pattern=r"^s3://[^/]+/.+")
    completed_at: UtcDatetime
    total_segments: int = Field(ge=1, le=MAX_SEGMENTS)
    # The output as the video-worker probed it: its video frames (MP4 index) and its first
    # timestamp, so that reassembly joins and checks without probing every segment again;
    # None when unknown (records of older workers).
    frame_count: int | None = Field(default=None, ge=0)
    start_time: float | None = None

    @model_validator(mode="after")
    def _index_below_total(self) -> Self:
        _check_index(self.segment_index, self.total_segments)
        return self


class ReassemblyPayload(BaseModel):
    """Asks the media-worker to join a job's segments; ``reason`` says which path sent it."""

    model_config = _MESSAGE_CONFIG

    job_id: JobId
    total_segments: int = Field(ge=1, le=MAX_SEGMENTS)
    reason: ReassemblyReason


#: Upper bound on the parts of one segment-parallel detection.
MAX_DETECTION_PARTS = 1000
#: The interval of a request that names none (the detection-worker's own default).
DEFAULT_DETECTION_INTERVAL_SECONDS = 2.0


class DetectionRequest(BaseModel):
    """Asks the detection-worker to sample frames of ``source_key`` and detect on them.

    Without the part fields it is the whole job's request (what the chunking-worker sends);
    the worker that takes it may split the video into parts, each a request with
    ``part_index``/``part_count`` and the part's time range ``[start_ms, end_ms)`` (its
    interval and tracker already resolved), so that several workers detect one video.
    """

    model_config = _MESSAGE_CONFIG

    job_id: JobId
    source_key: str = Field(min_length=1)
    #: Seconds between sampled frames; 0 = every frame (an operator's setting, in parts).
    frame_interval_seconds: float = Field(default=DEFAULT_DETECTION_INTERVAL_SECONDS, ge=0)
    detect_faces: bool = True
    detect_poses: bool = True
    #: None: the worker's TRACKER.
    tracker: Tracker | None = None
    #: False when the job's own options set the interval (the operator's
    #: FRAME_INTERVAL_SECONDS then applies only to requests that leave it to the worker).
    interval_from_job: bool = False
    part_index: int | None = Field(default=None, ge=0)
    part_count: int | None = Field(default=None, ge=1, le=MAX_DETECTION_PARTS)
    start_ms: int | None = Field(default=None, ge=0)
    end_ms: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _whole_or_part(self) -> Self:
        fields = (self.part_index, self.part_count, self.start_ms, self.end_ms)
        if all(value is None for value in fields):
            return self
        if any(value is None for value in fields):
            raise ValueError("a part names part_index, part_count, start_ms and end_ms together")
        assert self.part_index is not None and self.part_count is not None
        assert self.start_ms is not None and self.end_ms is not None
        if self.part_index >= self.part_count:
            raise ValueError(f"part_index {self.part_index} must be below {self.part_count}")
        if self.end_ms <= self.start_ms:
            raise ValueError("a part's end_ms must be after its start_ms")
        return self

    @property
    def is_part(self) -> bool:
        return self.part_index is not None


def detection_request_for(job: Job) -> DetectionRequest:
    """The request for a job that asked for detection: its own options (interval, faces,
    poses, tracker) where it set them, the worker's settings elsewhere. Detection runs on
    the upload (``job.source_key``)."""
    options = job.options.detection
    if options is None:
        return DetectionRequest(job_id=job.job_id, source_key=job.source_key)
    interval = options.frame_interval_seconds
    return DetectionRequest(
        job_id=job.job_id,
        source_key=job.source_key,
        frame_interval_seconds=DEFAULT_DETECTION_INTERVAL_SECONDS if interval is None else interval,
        interval_from_job=interval is not None,
        detect_faces=options.faces,
        detect_poses=options.poses,
        tracker=options.tracker,
    )


class ImportRequest(BaseModel):
    """Asks the importer to fetch ``source_url`` into ``bucket``/``key`` (an ``input/`` key
    whose upload then starts the pipeline as any upload does), naming ``job_id`` in the
    object's ``job-id`` metadata so that the chunking-worker finds the job the API created."""

    model_config = _MESSAGE_CONFIG

    job_id: JobId
    source_url: str = Field(min_length=1, max_length=2048)
    bucket: str = Field(min_length=1)
    key: str = Field(min_length=1)
