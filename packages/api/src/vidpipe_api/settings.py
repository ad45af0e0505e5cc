"""The API's settings, read once by the entrypoint from the environment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vidpipe_types.topology import StackNames, parse_modes

if TYPE_CHECKING:
    from vidpipe_types.modes import Mode

GIB = 1024**3
#: S3 accepts at most 5 GB in one POST upload.
S3_POST_MAX_BYTES = 5 * 1000**3


class ApiSettings(BaseSettings):
    """Everything but the AWS resources' locations, which come from `AwsSettings`."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    host: str = Field(default="127.0.0.1", validation_alias="API_HOST")
    port: int = Field(default=8000, ge=0, le=65535, validation_alias="API_PORT")
    api_keys_table: str = Field(
        default=StackNames().api_keys_table, validation_alias="API_KEYS_TABLE_NAME"
    )
    #: Largest upload a presigned POST accepts (S3's own POST limit is 5 GB).
    max_upload_bytes: int = Field(
        default=S3_POST_MAX_BYTES, ge=1, le=S3_POST_MAX_BYTES, validation_alias="MAX_UPLOAD_BYTES"
    )
    upload_url_expiry_seconds: int = Field(
        default=900, ge=60, le=7 * 24 * 3600, validation_alias="UPLOAD_URL_EXPIRY_SECONDS"
    )
    download_url_expiry_seconds: int = Field(
        default=3600, ge=60, le=7 * 24 * 3600, validation_alias="DOWNLOAD_URL_EXPIRY_SECONDS"
    )
    #: The modes this deployment's video-workers serve; a job asking for another is refused.
    deployed_modes: str = Field(default="passthrough,grayscale", validation_alias="DEPLOYED_MODES")
    #: Where URL-import requests go; unset, `source_url` jobs are refused (501).
    import_queue_url: str | None = Field(default=None, validation_alias="IMPORT_QUEUE_URL")
    url_import_max_bytes: int = Field(
        default=5 * GIB, ge=1, validation_alias="URL_IMPORT_MAX_BYTES"
    )
    url_import_timeout_seconds: float = Field(
        default=600.0, gt=0, validation_alias="URL_IMPORT_TIMEOUT_SECONDS"
    )
    url_import_max_redirects: int = Field(
        default=3, ge=0, le=10, validation_alias="URL_IMPORT_MAX_REDIRECTS"
    )
    callback_url: str | None = Field(default=None, validation_alias="CALLBACK_URL")
    # Signs the webhooks the API's own transitions owe (`job.cancelled`), as the workers do.
    webhook_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="WEBHOOK_SIGNING_SECRET"
    )
    events_poll_seconds: float = Field(
        default=1.0, gt=0, le=60, validation_alias="EVENTS_POLL_SECONDS"
    )
    events_max_seconds: float = Field(default=3600.0, gt=0, validation_alias="EVENTS_MAX_SECONDS")
    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")

    @field_validator("deployed_modes")
    @classmethod
    def _known_modes(cls, value: str) -> str:
        # The chunking-worker reads the same setting with the same parser.
        parse_modes(value)
        return value

    @property
    def modes(self) -> frozenset[Mode]:
        return parse_modes(self.deployed_modes)
