"""The media-worker's settings, read once at its entrypoint from the environment."""

from __future__ import annotations

import os
import secrets
import socket
from datetime import timedelta

from pydantic import Field, SecretStr, field_validator, model_validator

from vidpipe_aws import WorkerSettings
from vidpipe_ffmpeg import ResourceLimits
from vidpipe_types import AnalysisDepth, JobStatus


def default_worker_id() -> str:
    """hostname-pid-random: unique per process, readable in the job record's lease owner."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"


class MediaSettings(WorkerSettings):
    """Reassembly lease, sweeper and the analysis stage; scratch space, webhook and ffmpeg
    limits come from `vidpipe_aws.WorkerSettings`."""

    lease_seconds: float = Field(default=900.0, gt=0, validation_alias="REASSEMBLY_LEASE_SECONDS")
    sweep_interval_seconds: float = Field(
        default=60.0, ge=0, validation_alias="SWEEP_INTERVAL_SECONDS"
    )
    sweep_stale_seconds: float = Field(default=300.0, ge=0, validation_alias="SWEEP_STALE_SECONDS")
    # How long each non-final status may go without any change before the sweeper fails the
    # job (stage and reason on it, resumable by a redrive). Longer than the stage can take:
    # five attempts of its slowest step with backoff.
    stuck_created_seconds: float = Field(
        default=3600.0, gt=0, validation_alias="STUCK_CREATED_SECONDS"
    )
    stuck_chunking_seconds: float = Field(
        default=7200.0, gt=0, validation_alias="STUCK_CHUNKING_SECONDS"
    )
    stuck_processing_seconds: float = Field(
        default=21600.0, gt=0, validation_alias="STUCK_PROCESSING_SECONDS"
    )
    stuck_reassembling_seconds: float = Field(
        default=7200.0, gt=0, validation_alias="STUCK_REASSEMBLING_SECONDS"
    )
    # Optional analysis stage (the job's `analyze` option): Gemini through google-genai.
    gemini_api_key: SecretStr | None = Field(default=None, validation_alias="GEMINI_API_KEY")
    gemini_base_url: str | None = Field(default=None, validation_alias="GEMINI_BASE_URL")
    gemini_flash_model: str = Field(
        default="gemini-2.5-flash", min_length=1, validation_alias="GEMINI_FLASH_MODEL"
    )
    gemini_pro_model: str = Field(
        default="gemini-2.5-pro", min_length=1, validation_alias="GEMINI_PRO_MODEL"
    )
    analysis_depth: AnalysisDepth = Field(
        default=AnalysisDepth.STANDARD, validation_alias="ANALYSIS_DEPTH"
    )
    analysis_frames: int = Field(default=8, ge=1, le=64, validation_alias="ANALYSIS_FRAMES")
    analysis_max_attempts: int = Field(
        default=4, ge=1, le=20, validation_alias="ANALYSIS_MAX_ATTEMPTS"
    )
    analysis_timeout_seconds: float = Field(
        default=300.0, gt=0, validation_alias="ANALYSIS_TIMEOUT_SECONDS"
    )
    analysis_backoff_seconds: float = Field(
        default=2.0, ge=0, validation_alias="ANALYSIS_BACKOFF_SECONDS"
    )
    analysis_backoff_max_seconds: float = Field(
        default=30.0, ge=0, validation_alias="ANALYSIS_BACKOFF_MAX_SECONDS"
    )
    worker_id: str = Field(
        default_factory=default_worker_id,
        min_length=1,
        max_length=200,
        validation_alias="WORKER_ID",
    )

    @field_validator("worker_id", mode="before")
    @classmethod
    def _blank_means_default(cls, value: object) -> object:
        # `WORKER_ID=` in a compose file or task definition means "not set", not "no id".
        return default_worker_id() if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _empty_key_is_unset(self) -> MediaSettings:
        # A key given in code as SecretStr("") is as unset as `GEMINI_API_KEY=`.
        if self.gemini_api_key is not None and not self.gemini_api_key.get_secret_value():
            self.gemini_api_key = None
        return self

    def stuck_bounds(self) -> dict[JobStatus, timedelta]:
        """The bound of each non-final status."""
        return {
            JobStatus.CREATED: timedelta(seconds=self.stuck_created_seconds),
            JobStatus.CHUNKING: timedelta(seconds=self.stuck_chunking_seconds),
            JobStatus.PROCESSING: timedelta(seconds=self.stuck_processing_seconds),
            JobStatus.REASSEMBLING: timedelta(seconds=self.stuck_reassembling_seconds),
        }

    @property
    def sweeper_enabled(self) -> bool:
        return self.sweep_interval_seconds > 0

    def ffmpeg_limits(self) -> ResourceLimits:
        return ResourceLimits(
            timeout_seconds=self.ffmpeg_timeout_seconds, memory_bytes=self.ffmpeg_memory_bytes
        )
