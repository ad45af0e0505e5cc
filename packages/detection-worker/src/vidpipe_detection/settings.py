"""The detection-worker's own settings, read once at the entrypoint (or by `vidpipe detect`).

Where the buckets, tables and queues are comes from `vidpipe_aws.AwsSettings`; how messages are
polled and how many jobs run at once (MAX_CONCURRENT_JOBS) from `vidpipe_aws.RunnerSettings`;
WORK_DIR, CALLBACK_URL and FFMPEG_MEMORY_BYTES from `vidpipe_aws.WorkerSettings`, the base of
these (which also reads every blank optional setting, `YOLO_MODEL_PATH=` say, as unset).
"""

from __future__ import annotations

import os
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from vidpipe_aws import ModelWeights, WorkerSettings, check_weights_setting
from vidpipe_ffmpeg import ResourceLimits

#: The face backend used when FACE_BACKEND is unset: YOLO when weights are configured.
DEFAULT_FACE_BACKEND = "mediapipe"
#: TRACKING_REID=auto re-identifies by appearance from this sampling interval up.
REID_MIN_INTERVAL_SECONDS = 0.5


class DetectionSettings(WorkerSettings):
    face_backend: str | None = Field(default=None, validation_alias="FACE_BACKEND")
    face_confidence_threshold: float = Field(
        default=0.5, ge=0, le=1, validation_alias="FACE_CONFIDENCE_THRESHOLD"
    )
    pose_confidence_threshold: float = Field(
        default=0.5, ge=0, le=1, validation_alias="POSE_CONFIDENCE_THRESHOLD"
    )
    # ByteTrack by default: it keeps ids as well as DeepSORT at every frame and 0.5 s, at
    # 0.2 ms an update against ~80 ms (bench/bench_tracking.py); sparse sampling is handled by
    # the re-identification, not by DeepSORT's embedder.
    tracker: Literal["bytetrack", "deepsort"] = Field(
        default="bytetrack", validation_alias="TRACKER"
    )
    # How long an identity survives unseen, in seconds of video whatever the sampling interval
    # (the old TRACKING_MAX_AGE counted samples, so its meaning changed with the interval).
    tracking_max_age_seconds: float = Field(
        default=6.0, gt=0, validation_alias="TRACKING_MAX_AGE_SECONDS"
    )
    # Re-identification by appearance: `auto` turns it on when samples are at least
    # REID_MIN_INTERVAL_SECONDS apart, where subjects move too far between samples for motion.
    tracking_reid: Literal["auto", "on", "off"] = Field(
        default="auto", validation_alias="TRACKING_REID"
    )
    # Segment-parallel detection: a video longer than this is split into parts of about this
    # length, each detected by whichever detection-worker takes it (0: never split).
    detection_part_seconds: float = Field(
        default=30.0, ge=0, validation_alias="DETECTION_PART_SECONDS"
    )
    # How long the worker merging the parts holds the merge before another may take it over.
    merge_lease_seconds: float = Field(default=600.0, gt=0, validation_alias="MERGE_LEASE_SECONDS")
    frame_interval_seconds: float = Field(
        default=2.0, ge=0, validation_alias="FRAME_INTERVAL_SECONDS"
    )
    # A path, or s3://bucket/key with YOLO_MODEL_SHA256: downloaded once when the models load
    # (the worker's warm-up) and verified before it is read.
    yolo_model_path: str | None = Field(default=None, validation_alias="YOLO_MODEL_PATH")
    yolo_model_sha256: str | None = Field(default=None, validation_alias="YOLO_MODEL_SHA256")
    yolo_image_size: int = Field(default=640, ge=32, validation_alias="YOLO_IMAGE_SIZE")
    # One thread per job: MAX_CONCURRENT_JOBS jobs run side by side, and torch's worker threads
    # spin-wait, so more of them on shared cores slow every job down (tenfold, measured).
    torch_threads: int = Field(default=1, ge=1, validation_alias="TORCH_THREADS")
    preview: bool = Field(default=True, validation_alias="DETECTION_PREVIEW")
    # Decoding a long upload frame by frame takes longer than the shared default allows.
    ffmpeg_timeout_seconds: float = Field(
        default=1800.0, gt=0, validation_alias="FFMPEG_TIMEOUT_SECONDS"
    )

    @field_validator("tracker", "tracking_reid", mode="before")
    @classmethod
    def _lower_choice(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("face_backend")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.strip().lower() if value else value

    @field_validator("yolo_model_path", mode="before")
    @classmethod
    def _path_text(cls, value: object) -> object:
        # Kept as text: a Path would fold the `//` of an s3:// URI.
        return os.fspath(value) if isinstance(value, os.PathLike) else value

    @model_validator(mode="after")
    def _yolo_digest(self) -> Self:
        # An S3 model without its digest stops the worker here, at start-up.
        self.yolo_model_sha256 = check_weights_setting(
            self.yolo_model_path,
            self.yolo_model_sha256,
            setting="YOLO_MODEL_PATH",
            sha256_setting="YOLO_MODEL_SHA256",
        )
        return self

    @property
    def yolo_weights(self) -> ModelWeights | None:
        """Where the YOLO model is (None: YOLO_MODEL_PATH not set)."""
        if self.yolo_model_path is None:
            return None
        return ModelWeights(
            self.yolo_model_path,
            self.yolo_model_sha256,
            setting="YOLO_MODEL_PATH",
            sha256_setting="YOLO_MODEL_SHA256",
        )

    @property
    def face_backend_name(self) -> str:
        """FACE_BACKEND, else `yolo` when YOLO_MODEL_PATH is set, else `mediapipe`."""
        if self.face_backend:
            return self.face_backend
        return "yolo" if self.yolo_model_path is not None else DEFAULT_FACE_BACKEND

    def interval_for(self, requested: float, *, from_job: bool = False) -> float:
        """The sampling interval for a job: the job's own when it set one (`from_job`), else
        FRAME_INTERVAL_SECONDS when the operator set it, else the request's default."""
        if not from_job and "frame_interval_seconds" in self.model_fields_set:
            return self.frame_interval_seconds
        return requested

    def reid_for(self, interval_seconds: float) -> bool:
        """Whether tracks are re-identified by appearance at this sampling interval."""
        if self.tracking_reid == "auto":
            return interval_seconds >= REID_MIN_INTERVAL_SECONDS
        return self.tracking_reid == "on"

    def ffmpeg_limits(self) -> ResourceLimits:
        return ResourceLimits(
            timeout_seconds=self.ffmpeg_timeout_seconds, memory_bytes=self.ffmpeg_memory_bytes
        )
