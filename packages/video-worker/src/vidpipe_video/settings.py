"""The video-worker's own settings, read once at the entrypoint from the environment.

Where the buckets, tables and queues are comes from `vidpipe_aws.AwsSettings`; how messages
are polled and retried from `vidpipe_aws.RunnerSettings`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vidpipe_ffmpeg import ResourceLimits

_GIB = 1024**3


class VideoSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    # Kept as the comma list people write; `enabled_model_names` gives the parsed names.
    enabled_models: str = Field(default="", validation_alias="ENABLED_MODELS")
    work_dir: Path | None = Field(default=None, validation_alias="WORK_DIR")
    ffmpeg_timeout_seconds: float = Field(
        default=600.0, gt=0, validation_alias="FFMPEG_TIMEOUT_SECONDS"
    )
    ffmpeg_memory_bytes: int = Field(default=4 * _GIB, gt=0, validation_alias="FFMPEG_MEMORY_BYTES")
    callback_url: str | None = Field(default=None, validation_alias="CALLBACK_URL")

    @field_validator("enabled_models")
    @classmethod
    def _normalise_models(cls, value: str) -> str:
        names = [part.strip().lower() for part in value.split(",") if part.strip()]
        return ",".join(dict.fromkeys(names))

    @field_validator("callback_url", "work_dir", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # An empty variable (`WORK_DIR=` in a compose file) means "not set".
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def enabled_model_names(self) -> tuple[str, ...] | None:
        """The models this worker loads; None (ENABLED_MODELS unset or empty) means all."""
        return tuple(self.enabled_models.split(",")) if self.enabled_models else None

    def ffmpeg_limits(self) -> ResourceLimits:
        return ResourceLimits(
            timeout_seconds=self.ffmpeg_timeout_seconds, memory_bytes=self.ffmpeg_memory_bytes
        )
