"""The detection-worker's own settings, read once at the entrypoint (or by `vidpipe detect`).

Where the buckets, tables and queues are comes from `vidpipe_aws.AwsSettings`; how messages are
polled and how many jobs run at once (MAX_CONCURRENT_JOBS) from `vidpipe_aws.RunnerSettings`;
WORK_DIR, CALLBACK_URL and FFMPEG_MEMORY_BYTES from `vidpipe_aws.WorkerSettings`, the base of
these (which also reads every blank optional setting, `YOLO_MODEL_PATH=` say, as unset).
"""

from __future__ import annotations

import os
from typing import Self

from pydantic import Field, field_validator, model_validator

from vidpipe_aws import ModelWeights, WorkerSettings, check_weights_setting
from vidpipe_ffmpeg import ResourceLimits

#: The face backend used when FACE_BACKEND is unset: YOLO when weights are configured.
DEFAULT_FACE_BACKEND = "mediapipe"


class DetectionSettings(WorkerSettings):
    face_backend: str | None = Field(default=None, validation_alias="FACE_BACKEND")
    face_confidence_threshold: float = Field(
        default=0.5, ge=0, le=1, validation_alias="FACE_CONFIDENCE_THRESHOLD"
    )
    pose_confidence_threshold: float = Field(
        default=0.5, ge=0, le=1, validation_alias="POSE_CONFIDENCE_THRESHOLD"
    )
    # Counted in sampled frames: at FRAME_INTERVAL_SECONDS=2 a track survives 3 x 2 = 6 s unseen.
    tracking_max_age: int = Field(default=3, ge=1, validation_alias="TRACKING_MAX_AGE")
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

    def interval_for(self, requested: float) -> float:
        """The sampling interval for a job: FRAME_INTERVAL_SECONDS when the operator set it
        (it bounds the cost of every job), else the request's own interval."""
        if "frame_interval_seconds" in self.model_fields_set:
            return self.frame_interval_seconds
        return requested

    def tracking_max_age_seconds(self, interval_seconds: float, fps: float) -> float:
        """How long a track survives unseen, in seconds, at this sampling interval."""
        step = interval_seconds if interval_seconds > 0 else 1 / max(fps, 1e-6)
        return self.tracking_max_age * step

    def ffmpeg_limits(self) -> ResourceLimits:
        return ResourceLimits(
            timeout_seconds=self.ffmpeg_timeout_seconds, memory_bytes=self.ffmpeg_memory_bytes
        )
