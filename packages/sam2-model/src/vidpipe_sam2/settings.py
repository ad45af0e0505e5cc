"""The sam2 model's settings, read once when the video-worker builds its models.

They live here rather than in `VideoSettings` because the video-worker knows nothing of the
plugins installed beside it.
"""

from __future__ import annotations

import os
import re
from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vidpipe_aws import ModelWeights, check_weights_setting

#: The tiny SAM 2.1 model, shipped inside the sam2 package.
DEFAULT_CONFIG = "configs/sam2.1/sam2.1_hiera_t.yaml"
_HEX_COLOUR = re.compile(r"#?([0-9a-fA-F]{6})")


class Sam2Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    config: str = Field(default=DEFAULT_CONFIG, validation_alias="SAM2_CONFIG")
    # A path, or s3://bucket/key with SAM2_CHECKPOINT_SHA256: downloaded once when the model
    # loads (the worker's warm-up) and verified before torch reads it.
    checkpoint: str | None = Field(default=None, validation_alias="SAM2_CHECKPOINT")
    checkpoint_sha256: str | None = Field(default=None, validation_alias="SAM2_CHECKPOINT_SHA256")
    allow_random_init: bool = Field(default=False, validation_alias="SAM2_ALLOW_RANDOM_INIT")
    # None: the config's own size (1024). 512 is ~6x faster on a CPU, at a coarser mask edge.
    image_size: int | None = Field(default=None, ge=64, le=4096, validation_alias="SAM2_IMAGE_SIZE")
    device: Literal["auto", "cpu", "cuda"] = Field(default="auto", validation_alias="SAM2_DEVICE")
    window_frames: int = Field(default=64, ge=2, le=10_000, validation_alias="SAM2_WINDOW_FRAMES")
    # Kept as the hex text people write (a tuple would be read as JSON from the environment);
    # `background_rgb` gives the colour.
    background: str = Field(default="000000", validation_alias="SAM2_BACKGROUND")
    max_frames: int = Field(default=500, ge=0, le=10_000, validation_alias="MAX_FRAMES")
    # A text prompt becomes a box through Gemini when a key is set (see `gemini`).
    gemini_api_key: SecretStr | None = Field(default=None, validation_alias="GEMINI_API_KEY")
    gemini_box_model: str = Field(default="gemini-2.5-flash", validation_alias="GEMINI_BOX_MODEL")
    gemini_base_url: str | None = Field(default=None, validation_alias="GEMINI_BASE_URL")
    gemini_timeout_seconds: float = Field(
        default=60.0, gt=0, validation_alias="GEMINI_TIMEOUT_SECONDS"
    )
    gemini_attempts: int = Field(default=3, ge=1, le=10, validation_alias="GEMINI_ATTEMPTS")

    @field_validator(
        "checkpoint",
        "checkpoint_sha256",
        "image_size",
        "gemini_api_key",
        "gemini_base_url",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, os.PathLike):
            # Kept as text: a Path would fold the `//` of an s3:// URI.
            return os.fspath(value)
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("image_size")
    @classmethod
    def _multiple_of_32(cls, value: int | None) -> int | None:
        # The Hiera backbone downsamples by 32 in all: other sizes do not tile.
        if value is not None and value % 32:
            raise ValueError(f"SAM2_IMAGE_SIZE must be a multiple of 32, not {value}")
        return value

    @model_validator(mode="after")
    def _checkpoint_digest(self) -> Self:
        # An S3 checkpoint without its digest stops the worker here, at start-up.
        self.checkpoint_sha256 = check_weights_setting(
            self.checkpoint,
            self.checkpoint_sha256,
            setting="SAM2_CHECKPOINT",
            sha256_setting="SAM2_CHECKPOINT_SHA256",
        )
        return self

    @property
    def checkpoint_weights(self) -> ModelWeights | None:
        """Where the checkpoint is (None: not set)."""
        if self.checkpoint is None:
            return None
        return ModelWeights(
            self.checkpoint,
            self.checkpoint_sha256,
            setting="SAM2_CHECKPOINT",
            sha256_setting="SAM2_CHECKPOINT_SHA256",
        )

    @field_validator("background")
    @classmethod
    def _check_colour(cls, value: str) -> str:
        match = _HEX_COLOUR.fullmatch(value.strip())
        if match is None:
            raise ValueError(f"SAM2_BACKGROUND must be a hex colour like 00ff00, not {value!r}")
        return match[1].lower()

    @property
    def background_rgb(self) -> tuple[int, int, int]:
        """The background colour as (red, green, blue), 0-255."""
        red, green, blue = (int(self.background[i : i + 2], 16) for i in (0, 2, 4))
        return red, green, blue
