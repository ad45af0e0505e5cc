"""The import worker's settings, read once at its entrypoint from the environment.

The same names as the HTTP API's URL-import settings, so that one environment configures
both ends: the API checks a URL with them, the import worker fetches it with them.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vidpipe_aws.url_fetch import FetchPolicy

_GIB = 1024**3


class ImportSettings(BaseSettings):
    """How a URL import is bounded (every variable is in the README)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    #: The size cap: URL_IMPORT_MAX_BYTES, else the API's MAX_UPLOAD_BYTES (an import is an
    #: upload made for the caller, so it gets the same limit), else 5 GiB.
    max_bytes: int = Field(
        default=5 * _GIB,
        ge=1,
        validation_alias=AliasChoices("URL_IMPORT_MAX_BYTES", "MAX_UPLOAD_BYTES"),
    )
    timeout_seconds: float = Field(
        default=600.0, gt=0, validation_alias="URL_IMPORT_TIMEOUT_SECONDS"
    )
    read_timeout_seconds: float = Field(
        default=30.0, gt=0, validation_alias="URL_IMPORT_READ_TIMEOUT_SECONDS"
    )
    max_redirects: int = Field(default=3, ge=0, le=10, validation_alias="URL_IMPORT_MAX_REDIRECTS")
    #: How often the job's stage shows the bytes received (and the job is checked for a cancel).
    progress_interval_seconds: float = Field(
        default=2.0, gt=0, validation_alias="URL_IMPORT_PROGRESS_SECONDS"
    )
    work_dir: Path | None = Field(default=None, validation_alias="WORK_DIR")
    callback_url: str | None = Field(default=None, validation_alias="CALLBACK_URL")

    @field_validator("callback_url", "work_dir", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def fetch_policy(self) -> FetchPolicy:
        """The policy every import of this worker runs under. Loopback stays refused: only a
        test builds a policy that allows it, never the environment."""
        return FetchPolicy(
            max_bytes=self.max_bytes,
            timeout_seconds=self.timeout_seconds,
            read_timeout_seconds=self.read_timeout_seconds,
            max_redirects=self.max_redirects,
        )
