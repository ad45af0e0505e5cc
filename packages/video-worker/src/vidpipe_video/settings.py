"""The video-worker's own settings, read once at the entrypoint from the environment.

Where the buckets, tables and queues are comes from `vidpipe_aws.AwsSettings`; how messages
are polled and retried from `vidpipe_aws.RunnerSettings`; WORK_DIR, CALLBACK_URL and the ffmpeg
limits from `vidpipe_aws.WorkerSettings`, the base of these.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from vidpipe_aws import WorkerSettings
from vidpipe_ffmpeg import ResourceLimits


class VideoSettings(WorkerSettings):
    # Kept as the comma list people write; `enabled_model_names` gives the parsed names.
    enabled_models: str = Field(default="", validation_alias="ENABLED_MODELS")

    @field_validator("enabled_models")
    @classmethod
    def _normalise_models(cls, value: str) -> str:
        names = [part.strip().lower() for part in value.split(",") if part.strip()]
        return ",".join(dict.fromkeys(names))

    @property
    def enabled_model_names(self) -> tuple[str, ...] | None:
        """The models this worker loads; None (ENABLED_MODELS unset or empty) means all."""
        return tuple(self.enabled_models.split(",")) if self.enabled_models else None

    def ffmpeg_limits(self) -> ResourceLimits:
        return ResourceLimits(
            timeout_seconds=self.ffmpeg_timeout_seconds, memory_bytes=self.ffmpeg_memory_bytes
        )
