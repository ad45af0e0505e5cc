"""The import worker's settings, read once at its entrypoint from the environment.

The same names as the HTTP API's URL-import settings, so that one environment configures
both ends: the API checks a URL with them, the import worker fetches it with them.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field

from vidpipe_aws import FetchPolicy, WorkerSettings

_GIB = 1024**3


class ImportSettings(WorkerSettings):
    """How a URL import is bounded (every variable is in the README); WORK_DIR and CALLBACK_URL
    come from the settings every worker shares."""

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

    def fetch_policy(self) -> FetchPolicy:
        """The policy every import of this worker runs under. Loopback stays refused: only a
        test builds a policy that allows it, never the environment."""
        return FetchPolicy(
            max_bytes=self.max_bytes,
            timeout_seconds=self.timeout_seconds,
            read_timeout_seconds=self.read_timeout_seconds,
            max_redirects=self.max_redirects,
        )
