"""The chunking-worker's settings, read once at the entrypoint from the environment."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from vidpipe_aws import WorkerSettings
from vidpipe_ffmpeg import ResourceLimits
from vidpipe_types import MAX_SEGMENTS, Mode, format_modes, mode_choices, parse_mode, parse_modes

_GIB = 1024**3

SplitStrategySetting = Literal["auto", "copy", "reencode"]


class ChunkingSettings(WorkerSettings):
    """What the chunking-worker accepts and how it splits (every variable is in the README).

    WORK_DIR, CALLBACK_URL and FFMPEG_MEMORY_BYTES come from `vidpipe_aws.WorkerSettings`.
    """

    default_mode: Mode = Field(default=Mode.PASSTHROUGH, validation_alias="MODEL")
    # The modes some video-worker of this stack serves (unset: every mode). A job asking for
    # another one fails here with the reason, instead of its segments waiting on a queue that
    # nothing consumes until they dead-letter.
    deployed_modes: str | None = Field(default=None, validation_alias="DEPLOYED_MODES")
    segment_seconds: float = Field(default=10.0, gt=0, validation_alias="SEGMENT_SECONDS")
    split_strategy: SplitStrategySetting = Field(default="auto", validation_alias="SPLIT_STRATEGY")
    max_duration_seconds: float = Field(
        default=7200.0, gt=0, validation_alias="MAX_DURATION_SECONDS"
    )
    max_size_bytes: int = Field(default=10 * _GIB, gt=0, validation_alias="MAX_SIZE_BYTES")
    max_width: int = Field(default=7680, gt=0, validation_alias="MAX_WIDTH")
    max_height: int = Field(default=4320, gt=0, validation_alias="MAX_HEIGHT")
    # A re-encoding split of a long upload is the slowest thing this worker does: ten minutes
    # (the ffmpeg-tools default) is too short for a two-hour source on a small task.
    ffmpeg_timeout_seconds: float = Field(
        default=3600.0, gt=0, validation_alias="FFMPEG_TIMEOUT_SECONDS"
    )

    @field_validator("default_mode", mode="before")
    @classmethod
    def _known_mode(cls, value: object) -> object:
        if isinstance(value, str) and not isinstance(value, Mode):
            mode = parse_mode(value.strip().lower())
            if mode is None:
                raise ValueError(f"MODEL={value!r} is not a mode: choose one of {mode_choices()}")
            return mode
        return value

    @field_validator("deployed_modes")
    @classmethod
    def _known_modes(cls, value: str | None) -> str | None:
        return None if value is None else format_modes(parse_modes(value))

    @property
    def deployed_mode_set(self) -> frozenset[Mode]:
        return frozenset(Mode) if self.deployed_modes is None else parse_modes(self.deployed_modes)

    @field_validator("split_strategy", mode="before")
    @classmethod
    def _lower_strategy(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _segments_fit_keys(self) -> ChunkingSettings:
        # Cuts land on keyframes between T/2 and 3T/2 apart, so the longest accepted upload
        # gives at most 2 * duration / T segments; segment keys have five digits.
        most = math.ceil(2 * self.max_duration_seconds / self.segment_seconds)
        if most > MAX_SEGMENTS:
            raise ValueError(
                f"SEGMENT_SECONDS={self.segment_seconds:g} is too short for "
                f"MAX_DURATION_SECONDS={self.max_duration_seconds:g}: up to {most} segments, "
                f"more than the {MAX_SEGMENTS} a segment key can number"
            )
        return self

    def ffmpeg_limits(self) -> ResourceLimits:
        """The limits every ffmpeg/ffprobe run of this worker gets."""
        return ResourceLimits(
            timeout_seconds=self.ffmpeg_timeout_seconds, memory_bytes=self.ffmpeg_memory_bytes
        )
