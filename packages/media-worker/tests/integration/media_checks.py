"""Measurements of a video with ffprobe itself, independent of the code under test."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any


def ffprobe(path: Path, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", *args, "-of", "json", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out)
    return result


@dataclass(frozen=True)
class Measured:
    frames: int
    fps: float
    video_start: float
    video_duration: float
    audio_start: float | None
    audio_duration: float | None
    audio_codec: str | None
    width: int
    height: int
    codec: str
    format_duration: float
    bit_rate: int

    @property
    def frame_seconds(self) -> float:
        return 1 / self.fps


def measure(path: Path) -> Measured:
    data = ffprobe(path, "-count_packets", "-show_streams", "-show_format")
    video = next(s for s in data["streams"] if s["codec_type"] == "video")
    audio = next((s for s in data["streams"] if s["codec_type"] == "audio"), None)
    return Measured(
        frames=int(video["nb_read_packets"]),
        fps=float(Fraction(video["avg_frame_rate"])),
        video_start=float(video["start_time"]),
        video_duration=float(video["duration"]),
        audio_start=float(audio["start_time"]) if audio else None,
        audio_duration=float(audio["duration"]) if audio else None,
        audio_codec=audio["codec_name"] if audio else None,
        width=int(video["width"]),
        height=int(video["height"]),
        codec=video["codec_name"],
        format_duration=float(data["format"]["duration"]),
        bit_rate=int(data["format"]["bit_rate"]),
    )


def image_size(path: Path) -> tuple[int, int]:
    stream = ffprobe(path, "-show_streams")["streams"][0]
    return int(stream["width"]), int(stream["height"])
