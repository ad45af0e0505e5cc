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
    bits_per_sample: int | None = None
    """Bit depth of the decoded pixels (8, 10, 12) from the pixel format; None if unknown."""

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) as the video is shown: the coded size, swapped by a 90/270 turn."""
        if self.rotation in (90, 270):
            return self.height, self.width
        return self.width, self.height


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
    start_time: float = 0.0
    """The container's start time (s): the earliest presentation time of any stream, to the
    microsecond as ffmpeg keeps it. A segment that keeps the source's timestamps starts there."""
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
