"""Request and response bodies of the HTTP API (the OpenAPI schema at /docs comes from these).

Requests refuse unknown fields and values of the wrong type (no "yes" for a boolean, no 1 for
a string), so that a typo is an error a developer sees instead of a default silently taken.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictStr,
    model_validator,
)

from vidpipe_types.analysis import Analysis, AnalysisDepth, AnalysisStatus
from vidpipe_types.job import (
    MAX_DETECTION_INTERVAL_SECONDS,
    MAX_PROMPT_TEXT,
    MIN_DETECTION_INTERVAL_SECONDS,
    DetectionStatus,
    JobStatus,
)
from vidpipe_types.modes import Mode
from vidpipe_types.user_metadata import UserMetadata

_REQUEST = ConfigDict(extra="forbid", frozen=True)
Pixel = Annotated[StrictFloat, Field(ge=0, lt=1e6)]

#: Video types a presigned upload may declare, and the extension its key gets.
VIDEO_CONTENT_TYPES: dict[str, str] = {
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
    "video/x-matroska": ".mkv",
}


class PromptRequest(BaseModel):
    """Where the subject is, for `sam2`: one of a box, a point or a text, in source pixels."""

    model_config = _REQUEST

    box: tuple[Pixel, Pixel, Pixel, Pixel] | None = None
    point: tuple[Pixel, Pixel] | None = None
    text: StrictStr | None = Field(default=None, min_length=1, max_length=MAX_PROMPT_TEXT)

    @model_validator(mode="after")
    def _box_is_a_box(self) -> Self:
        if self.box is not None and not (self.box[2] > self.box[0] and self.box[3] > self.box[1]):
            raise ValueError("prompt.box is [x1, y1, x2, y2]: x2 must exceed x1, y2 exceed y1")
        return self


class DetectionRequestOptions(BaseModel):
    """Ask for face and pose detection beside the video path."""

    model_config = _REQUEST

    frame_interval_seconds: StrictFloat | None = Field(
        default=None, ge=MIN_DETECTION_INTERVAL_SECONDS, le=MAX_DETECTION_INTERVAL_SECONDS
    )
    faces: StrictBool = True
    poses: StrictBool = True


class AnalysisRequest(BaseModel):
    """Ask for an analysis (`analysis.json`) of the finished video."""

    model_config = _REQUEST

    profile: Analysis
    depth: AnalysisDepth | None = None


class JobOptionsRequest(BaseModel):
    model_config = _REQUEST

    mode: Mode = Mode.PASSTHROUGH
    prompt: PromptRequest | None = None
    detection: DetectionRequestOptions | None = None
    analysis: AnalysisRequest | None = None


class UploadRequest(BaseModel):
    """The caller uploads the video itself, straight to S3, with the form in the answer."""

    model_config = _REQUEST

    content_type: StrictStr = Field(
        description=f"the video's type: one of {', '.join(VIDEO_CONTENT_TYPES)}"
    )


class CreateJobRequest(BaseModel):
    """Exactly one source: `upload` or `source_url`."""

    model_config = _REQUEST

    options: JobOptionsRequest = Field(default_factory=JobOptionsRequest)
    metadata: UserMetadata = Field(
        default_factory=dict, description="your own string map, returned as given"
    )
    upload: UploadRequest | None = None
    source_url: StrictStr | None = Field(default=None, min_length=1, max_length=2048)

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.upload is None) == (self.source_url is None):
            raise ValueError(
                "give exactly one source: `upload` (you POST the file to the returned form)"
                " or `source_url` (vidpipe fetches it)"
            )
        return self


# Responses ---------------------------------------------------------------------------------


class UploadForm(BaseModel):
    """POST these `fields`, then the file as the last field named `file`, as
    multipart/form-data to `url` before `expires_at`."""

    url: str
    fields: dict[str, str]
    expires_at: datetime
    max_bytes: int
    content_type: str


class JobErrorResponse(BaseModel):
    stage: str
    reason: str


class SourceResponse(BaseModel):
    type: Literal["upload", "url"]
    url: str | None = None


class OutputLink(BaseModel):
    url: str
    expires_at: datetime


class FrameCrop(BaseModel):
    number: int
    url: str
    primary: bool


class FramesPage(BaseModel):
    """The `sam2` subject crops: how many there are, one page of them, the primary marked."""

    count: int
    items: list[FrameCrop]
    next_cursor: str | None = None


class JobResponse(BaseModel):
    job_id: str
    status: JobStatus
    stage: str
    progress_percent: float
    created_at: datetime
    updated_at: datetime
    stages: dict[str, datetime] = Field(description="when the job entered each status")
    total_segments: int | None
    completed_segments: int
    error: JobErrorResponse | None
    mode: Mode
    source: SourceResponse
    metadata: dict[str, str]
    detection: DetectionStatus | None
    analysis: AnalysisStatus | None
    outputs: dict[str, OutputLink] = Field(
        default_factory=dict,
        description="presigned GET URLs: final, thumbnail, metadata, analysis, detections,"
        " detections_preview, primary_image, as far as the job has them",
    )
    frames: FramesPage | None = None


class CreateJobResponse(BaseModel):
    job: JobResponse
    upload: UploadForm | None = None


class JobSummary(BaseModel):
    job_id: str
    status: JobStatus
    stage: str
    progress_percent: float
    created_at: datetime
    updated_at: datetime
    metadata: dict[str, str]
    mode: Mode | None = None


class JobListResponse(BaseModel):
    jobs: list[JobSummary]
    next_cursor: str | None = None
