"""The media-worker's settings, read once at its entrypoint from the environment."""

from __future__ import annotations

import os
import secrets
import socket
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vidpipe_ffmpeg import ResourceLimits


def default_worker_id() -> str:
    """hostname-pid-random: unique per process, readable in the job record's lease owner."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"


class MediaSettings(BaseSettings):
    """Reassembly lease, sweeper, scratch space, webhook and ffmpeg limits."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    lease_seconds: float = Field(default=900.0, gt=0, validation_alias="REASSEMBLY_LEASE_SECONDS")
    sweep_interval_seconds: float = Field(
        default=60.0, ge=0, validation_alias="SWEEP_INTERVAL_SECONDS"
    )
    sweep_stale_seconds: float = Field(default=300.0, ge=0, validation_alias="SWEEP_STALE_SECONDS")
    work_dir: Path | None = Field(default=None, validation_alias="WORK_DIR")
    callback_url: str | None = Field(default=None, validation_alias="CALLBACK_URL")
    ffmpeg_timeout_seconds: float = Field(
        default=600.0, gt=0, validation_alias="FFMPEG_TIMEOUT_SECONDS"
    )
    # Without an address-space limit one hostile upload's segments could make the concat or
    # the thumbnail take all of the task's memory.
    ffmpeg_memory_bytes: int = Field(
        default=4 * 1024**3, gt=0, validation_alias="FFMPEG_MEMORY_BYTES"
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
    def _check(self) -> MediaSettings:
        if self.callback_url == "":
            self.callback_url = None
        if self.callback_url is not None and not self.callback_url.startswith(
            ("http://", "https://")
        ):
            raise ValueError(f"CALLBACK_URL must be an http(s) URL, got {self.callback_url!r}")
        return self

    @property
    def sweeper_enabled(self) -> bool:
        return self.sweep_interval_seconds > 0

    def ffmpeg_limits(self) -> ResourceLimits:
        return ResourceLimits(
            timeout_seconds=self.ffmpeg_timeout_seconds, memory_bytes=self.ffmpeg_memory_bytes
        )
