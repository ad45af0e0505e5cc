"""Messages the workers send each other over SQS.

Every model is frozen and forbids unknown fields: a typo in a producer fails at the producer,
not as a silently ignored field in a consumer. Send with ``model_dump_json()``, read with
``model_validate_json(body)``.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vidpipe_types.ids import JobId
from vidpipe_types.modes import Mode
from vidpipe_types.timestamps import UtcDatetime

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


class DetectionRequest(BaseModel):
    """Asks the detection-worker to sample frames of ``source_key`` and detect on them."""

    model_config = _MESSAGE_CONFIG

    job_id: JobId
    source_key: str = Field(min_length=1)
    frame_interval_seconds: float = Field(default=2.0, gt=0)
    detect_faces: bool = True
    detect_poses: bool = True


class ImportRequest(BaseModel):
    """Asks the importer to fetch ``source_url`` into ``bucket``/``key`` (an ``input/`` key
    whose upload then starts the pipeline as any upload does), naming ``job_id`` in the
    object's ``job-id`` metadata so that the chunking-worker finds the job the API created."""

    model_config = _MESSAGE_CONFIG

    job_id: JobId
    source_url: str = Field(min_length=1, max_length=2048)
    bucket: str = Field(min_length=1)
    key: str = Field(min_length=1)
