"""The CLI's settings, read once per command from the environment (and the local stack file)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_LOCAL_ENV_FILE = Path(".vidpipe") / "local.env"


class CliSettings(BaseSettings):
    """Where the stack is. AWS_ENDPOINT_URL unset means real AWS, unless a local stack runs."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    stack_prefix: str = Field(default="vidpipe", validation_alias="VIDPIPE_STACK_PREFIX")
    region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    # Written by `vidpipe up` while it runs; other commands read it when AWS_ENDPOINT_URL is
    # unset, so a second terminal needs no exports.
    local_env_file: Path = Field(
        default=DEFAULT_LOCAL_ENV_FILE, validation_alias="VIDPIPE_LOCAL_ENV"
    )
    # The interpreter of the environment with torch and the SAM2 plugin, for the local stack's
    # `sam2` video-worker; unset: `.venvs/sam2-model/bin/python` of the repository.
    sam2_python: Path | None = Field(default=None, validation_alias="VIDPIPE_SAM2_PYTHON")
    # The interpreter of the detection-worker's environment, for `up --detect`/`demo --detect`;
    # unset: `.venvs/detection-worker/bin/python` of the repository.
    detection_python: Path | None = Field(default=None, validation_alias="VIDPIPE_DETECTION_PYTHON")
