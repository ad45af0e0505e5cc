"""Settings read once at a worker's entrypoint, from the environment names users expect.

`AwsSettings` says where vidpipe's AWS resources are; `WorkerSettings` is the base of every
worker's own settings (scratch space, webhook, ffmpeg limits). Environment variable names
are part of every deployment: never rename one.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vidpipe_aws.retention import RecordRetention
from vidpipe_types.topology import Worker

_GIB = 1024**3


class AwsSettings(BaseSettings):
    """Where vidpipe's AWS resources are, and how long its records live. AWS_ENDPOINT_URL
    unset means real AWS."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    # Per-service endpoints, as AWS's SDKs read them; each wins over AWS_ENDPOINT_URL for its
    # service (e.g. S3 and SQS on LocalStack, DynamoDB on a moto server).
    s3_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL_S3")
    sqs_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL_SQS")
    dynamodb_endpoint_url: str | None = Field(
        default=None, validation_alias="AWS_ENDPOINT_URL_DYNAMODB"
    )
    input_bucket: str = Field(default="vidpipe-input", validation_alias="INPUT_BUCKET_NAME")
    output_bucket: str = Field(default="vidpipe-output", validation_alias="OUTPUT_BUCKET_NAME")
    jobs_table: str = Field(default="vidpipe-jobs", validation_alias="JOBS_TABLE_NAME")
    segment_completions_table: str = Field(
        default="vidpipe-segment-completions", validation_alias="SEGMENT_COMPLETIONS_TABLE_NAME"
    )
    # One `<worker>_queue_url` per `vidpipe_types.Worker`: `queue_url(worker)` relies on it.
    chunking_queue_url: str | None = Field(default=None, validation_alias="CHUNKING_QUEUE_URL")
    video_queue_url: str | None = Field(default=None, validation_alias="VIDEO_QUEUE_URL")
    reassembly_queue_url: str | None = Field(default=None, validation_alias="REASSEMBLY_QUEUE_URL")
    detection_queue_url: str | None = Field(default=None, validation_alias="DETECTION_QUEUE_URL")
    import_queue_url: str | None = Field(default=None, validation_alias="IMPORT_QUEUE_URL")
    video_gpu_queue_url: str | None = Field(default=None, validation_alias="VIDEO_GPU_QUEUE_URL")
    #: Job and segment-completion records may be deleted this many days after they are made
    #: (the tables' TTL attribute `expires_at`); 0 keeps them forever.
    job_retention_days: int = Field(default=0, ge=0, validation_alias="JOB_RETENTION_DAYS")

    def endpoint_for(self, service: str) -> str | None:
        """The endpoint of `service` ("s3", "sqs", "dynamodb"): its own, else AWS_ENDPOINT_URL."""
        own: str | None = getattr(self, f"{service}_endpoint_url", None)
        return own or self.endpoint_url

    @property
    def is_local(self) -> bool:
        """Whether any service has an endpoint of its own (moto, LocalStack), not real AWS."""
        return any(self.endpoint_for(service) for service in ("s3", "sqs", "dynamodb"))

    def queue_url(self, queue: Worker) -> str | None:
        """The URL of `queue` (None: unset)."""
        url: str | None = getattr(self, _queue_url_field(queue))
        return url or None

    @classmethod
    def queue_url_setting(cls, queue: Worker) -> str:
        """The environment variable of `queue`'s URL: CHUNKING_QUEUE_URL, VIDEO_QUEUE_URL..."""
        alias = cls.model_fields[_queue_url_field(queue)].validation_alias
        assert isinstance(alias, str)
        return alias

    @property
    def retention(self) -> RecordRetention:
        return RecordRetention(self.job_retention_days)


def _queue_url_field(queue: Worker) -> str:
    return queue_url_field(queue)


def queue_url_field(queue: Worker) -> str:
    """``video_gpu_queue_url`` for ``video-gpu``: the AwsSettings field of a queue's URL."""
    return f"{Worker(queue).value.replace('-', '_')}_queue_url"


class WorkerSettings(BaseSettings):
    """What every worker's own settings share; each worker's settings class derives from it.

    A worker whose ffmpeg runs need another default timeout re-declares that field only.
    Every optional setting (one whose default is None) treats a blank value as unset.
    """

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    work_dir: Path | None = Field(default=None, validation_alias="WORK_DIR")
    callback_url: str | None = Field(default=None, validation_alias="CALLBACK_URL")
    # The HMAC key of the `Vidpipe-Signature` header (Secrets Manager on AWS). A SecretStr:
    # it prints as '**********' wherever the settings are logged.
    webhook_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="WEBHOOK_SIGNING_SECRET"
    )
    # Attempts per webhook (over the outbox's backoff, up to 5 minutes apart) before it is
    # dropped and logged: about an hour of receiver outage with the default.
    webhook_max_attempts: int = Field(default=20, ge=1, validation_alias="WEBHOOK_MAX_ATTEMPTS")
    webhook_timeout_seconds: float = Field(
        default=5.0, gt=0, validation_alias="WEBHOOK_TIMEOUT_SECONDS"
    )
    webhook_backoff_base_seconds: float = Field(
        default=1.0, gt=0, validation_alias="WEBHOOK_BACKOFF_BASE_SECONDS"
    )
    webhook_backoff_max_seconds: float = Field(
        default=300.0, gt=0, validation_alias="WEBHOOK_BACKOFF_MAX_SECONDS"
    )
    ffmpeg_timeout_seconds: float = Field(
        default=600.0, gt=0, validation_alias="FFMPEG_TIMEOUT_SECONDS"
    )
    # Without an address-space limit one hostile upload could make an ffmpeg run take all of
    # the task's memory.
    ffmpeg_memory_bytes: int = Field(default=4 * _GIB, gt=0, validation_alias="FFMPEG_MEMORY_BYTES")

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object, info: ValidationInfo) -> object:
        # An empty variable (`CALLBACK_URL=` in a compose file or a task definition) means
        # "not set", for every setting that may be unset.
        if not (isinstance(value, str) and not value.strip()) or info.field_name is None:
            return value
        field = cls.model_fields.get(info.field_name)
        return None if field is not None and field.default is None else value

    @property
    def signing_secret(self) -> str | None:
        secret = self.webhook_signing_secret
        return None if secret is None else (secret.get_secret_value() or None)

    @field_validator("callback_url")
    @classmethod
    def _http_callback(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"CALLBACK_URL must be an http(s) URL, got {value!r}")
        return value
