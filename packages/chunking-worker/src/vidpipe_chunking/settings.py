"""The chunking-worker's settings, read once at the entrypoint from the environment."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from vidpipe_aws import WorkerSettings
from vidpipe_ffmpeg import ReencodeSettings, ResourceLimits
from vidpipe_types import MAX_SEGMENTS, Mode, format_modes, mode_choices, parse_mode, parse_modes

_GIB = 1024**3

SplitStrategySetting = Literal["auto", "copy", "reencode"]
ReencodePreset = Literal[
    "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"
]


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

    # When a split must re-encode (too few keyframes): x264/x265 preset and CRF. The defaults
    # keep the picture (measured PSNR/SSIM in ffmpeg-tools' README); `ultrafast` and a higher
    # CRF trade fidelity for speed.
    split_reencode_preset: ReencodePreset = Field(
        default="veryfast", validation_alias="SPLIT_REENCODE_PRESET"
    )
    split_reencode_crf_h264: int = Field(
        default=18, ge=0, le=51, validation_alias="SPLIT_REENCODE_CRF_H264"
    )
    split_reencode_crf_hevc: int = Field(
        default=20, ge=0, le=51, validation_alias="SPLIT_REENCODE_CRF_HEVC"
    )
    # Decode the upload once before a stream-copy split, so a corrupt file fails here, named.
    split_verify_decoding: bool = Field(default=True, validation_alias="SPLIT_VERIFY_DECODING")
    # One attempt chunks a job at a time: a duplicate upload event waits this long at most for
    # the attempt holding the lease (renewed at every progress write) before taking over.
    lease_seconds: float = Field(default=900.0, gt=0, validation_alias="CHUNKING_LEASE_SECONDS")
    # Segments uploaded at once: each upload is mostly waiting on S3.
    upload_concurrency: int = Field(
        default=8, ge=1, le=64, validation_alias="SEGMENT_UPLOAD_CONCURRENCY"
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

    @field_validator("split_strategy", "split_reencode_preset", mode="before")
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

    def reencode_settings(self) -> ReencodeSettings:
        """How a re-encoding split trades speed for fidelity (the SPLIT_REENCODE_* settings)."""
        return ReencodeSettings(
            preset=self.split_reencode_preset,
            crf_h264=self.split_reencode_crf_h264,
            crf_hevc=self.split_reencode_crf_hevc,
        )

    def ffmpeg_limits(self) -> ResourceLimits:
        """The limits every ffmpeg/ffprobe run of this worker gets."""
        return ResourceLimits(
            timeout_seconds=self.ffmpeg_timeout_seconds, memory_bytes=self.ffmpeg_memory_bytes
        )
