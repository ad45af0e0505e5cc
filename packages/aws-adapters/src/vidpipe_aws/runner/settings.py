"""The runner's settings, read once at a worker's entrypoint from the environment."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vidpipe_aws.queue import SQS_MAX_VISIBILITY_SECONDS
from vidpipe_types.topology import MAX_RECEIVE_COUNT


class RunnerSettings(BaseSettings):
    """How a worker polls, retries and shuts down. Seconds may be fractional where SQS allows."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    @classmethod
    def for_worker(cls, default_name: str) -> Self:
        """Settings from the environment, named `default_name` unless WORKER_NAME says else."""
        settings = cls()
        if "worker_name" in settings.model_fields_set:
            return settings
        return settings.model_copy(update={"worker_name": default_name})

    worker_name: str = Field(default="worker", min_length=1, validation_alias="WORKER_NAME")
    max_concurrent_jobs: int = Field(default=2, ge=1, validation_alias="MAX_CONCURRENT_JOBS")
    receive_batch_size: int = Field(default=10, ge=1, le=10, validation_alias="RECEIVE_BATCH_SIZE")
    wait_time_seconds: int = Field(default=20, ge=0, le=20, validation_alias="WAIT_TIME_SECONDS")
    visibility_timeout_seconds: int = Field(
        default=60,
        ge=1,
        le=SQS_MAX_VISIBILITY_SECONDS,
        validation_alias="VISIBILITY_TIMEOUT_SECONDS",
    )
    # 0 (the default) means one third of the visibility timeout: two heartbeats can be lost
    # before a running message becomes visible to another consumer.
    heartbeat_interval_seconds: float = Field(
        default=0.0, ge=0, validation_alias="HEARTBEAT_INTERVAL_SECONDS"
    )
    backoff_base_seconds: float = Field(default=5.0, gt=0, validation_alias="BACKOFF_BASE_SECONDS")
    backoff_max_seconds: float = Field(
        default=900.0, gt=0, le=SQS_MAX_VISIBILITY_SECONDS, validation_alias="BACKOFF_MAX_SECONDS"
    )
    # ECS sends SIGKILL 120 s after SIGTERM at most; the default leaves room for the last
    # long poll (20 s) to return.
    shutdown_grace_seconds: float = Field(
        default=100.0, ge=0, validation_alias="SHUTDOWN_GRACE_SECONDS"
    )
    health_port: int = Field(default=8080, ge=-1, le=65535, validation_alias="HEALTH_PORT")
    health_host: str = Field(default="0.0.0.0", validation_alias="HEALTH_HOST")
    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")
    # The queues' redrive maxReceiveCount (topology): the receive after which a failed
    # message goes to the dead-letter queue, and its job is failed with the last error.
    max_receive_count: int = Field(
        default=MAX_RECEIVE_COUNT, ge=1, validation_alias="MAX_RECEIVE_COUNT"
    )
    # Set by the ECS agent in every task (Fargate included); unset elsewhere, and then task
    # scale-in protection is off.
    ecs_agent_uri: str | None = Field(default=None, validation_alias="ECS_AGENT_URI")
    task_protection_minutes: int = Field(
        default=60, ge=1, le=2880, validation_alias="TASK_PROTECTION_MINUTES"
    )

    @model_validator(mode="after")
    def _check_timings(self) -> RunnerSettings:
        if self.heartbeat_interval_seconds == 0:
            self.heartbeat_interval_seconds = self.visibility_timeout_seconds / 3
        if self.heartbeat_interval_seconds >= self.visibility_timeout_seconds:
            raise ValueError(
                "HEARTBEAT_INTERVAL_SECONDS must be shorter than VISIBILITY_TIMEOUT_SECONDS, "
                "or messages become visible again while they are being handled"
            )
        if self.backoff_max_seconds < self.backoff_base_seconds:
            raise ValueError("BACKOFF_MAX_SECONDS must not be smaller than BACKOFF_BASE_SECONDS")
        return self
