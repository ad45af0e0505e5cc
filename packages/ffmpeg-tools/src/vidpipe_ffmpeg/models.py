"""Typed results of probing and splitting."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VideoStream(_Frozen):
    codec: str
    width: int
    height: int
    fps: float | None
    pix_fmt: str | None
    rotation: int = 0
    """Display-matrix rotation, counter-clockwise degrees as ffprobe reports it, in 0..359
    (a phone held upright usually gives 270, i.e. -90). Width and height are as coded."""
    frame_count: int | None = None
    """From the container's index when it has one (MP4 does); None otherwise."""


class AudioStream(_Frozen):
    codec: str
    sample_rate: int | None
    channels: int | None


class ProbeResult(_Frozen):
    duration: float
    size: int
    format_name: str
    bit_rate: int | None
    video: VideoStream | None
    audio: AudioStream | None
    keyframes: tuple[float, ...] = ()
    """Presentation times (s) of the video keyframes; empty unless probed with keyframes."""


SplitStrategy = Literal["copy", "reencode"]


class Segment(_Frozen):
    path: Path
    index: int
    start: float
    duration: float


class SplitResult(_Frozen):
    segments: list[Segment]
    strategy: SplitStrategy
