"""Settings read once at a worker's entrypoint, from the environment names users expect."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AwsSettings(BaseSettings):
    """Where vidpipe's AWS resources are. AWS_ENDPOINT_URL unset means real AWS."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    input_bucket: str = Field(default="vidpipe-input", validation_alias="INPUT_BUCKET_NAME")
    output_bucket: str = Field(default="vidpipe-output", validation_alias="OUTPUT_BUCKET_NAME")
    jobs_table: str = Field(default="vidpipe-jobs", validation_alias="JOBS_TABLE_NAME")
    segment_completions_table: str = Field(
        default="vidpipe-segment-completions", validation_alias="SEGMENT_COMPLETIONS_TABLE_NAME"
    )
    chunking_queue_url: str | None = Field(default=None, validation_alias="CHUNKING_QUEUE_URL")
    video_queue_url: str | None = Field(default=None, validation_alias="VIDEO_QUEUE_URL")
    reassembly_queue_url: str | None = Field(default=None, validation_alias="REASSEMBLY_QUEUE_URL")
    detection_queue_url: str | None = Field(default=None, validation_alias="DETECTION_QUEUE_URL")
    import_queue_url: str | None = Field(default=None, validation_alias="IMPORT_QUEUE_URL")
