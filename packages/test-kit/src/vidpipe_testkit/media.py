"""Facts about a video file, read with ffprobe itself, independently of the code under test.

A test that checks vidpipe's media output should not trust vidpipe's own probe to do it:
`measure` runs ffprobe directly, counts packets (one per frame for the codecs vidpipe
writes) and keeps only the handful of facts tests compare.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

_TIMEOUT_SECONDS = 60
_ENTRIES = (
    "stream=codec_type,codec_name,start_time,duration,nb_read_packets,width,height,avg_frame_rate"
    ":format=duration,size,bit_rate"
)


@dataclass(frozen=True)
class StreamFacts:
    """One stream: its codec, when it starts and how long it lasts, how many packets it has;
    size and frame rate for video."""

    codec: str
    start: float
    duration: float
    packets: int
    width: int | None = None
    height: int | None = None
    fps: float | None = None


@dataclass(frozen=True)
class MediaFacts:
    """The container's duration, size and bit rate, its first video and audio streams."""

    duration: float
    size: int
    bit_rate: int | None
    video: StreamFacts
    audio: StreamFacts | None

    @property
    def frames(self) -> int:
        return self.video.packets

    @property
    def has_audio(self) -> bool:
        return self.audio is not None

    @property
    def frame_seconds(self) -> float:
        """How long one video frame lasts (1 / fps)."""
        if not self.video.fps:
            raise ValueError("the video stream has no frame rate")
        return 1 / self.video.fps


def ffprobe(path: Path, *args: str) -> dict[str, Any]:
    """ffprobe's JSON for `path` with the extra arguments `args` (`-show_streams`, ...)."""
    tool = shutil.which("ffprobe")
    if tool is None:
        raise RuntimeError("ffprobe is not on PATH")
    out = subprocess.run(
        [tool, "-v", "error", *args, "-of", "json", str(path)],
        check=True,
        capture_output=True,
        text=True,
        timeout=_TIMEOUT_SECONDS,
    ).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def measure(path: Path) -> MediaFacts:
    """The facts of `path`; AssertionError when it has no video stream."""
    data = ffprobe(path, "-count_packets", "-show_entries", _ENTRIES)
    streams: dict[str, dict[str, Any]] = {}
    for stream in data.get("streams", []):
        streams.setdefault(stream["codec_type"], stream)  # the first of each type
    assert "video" in streams, f"{path} has no video stream"
    container = data["format"]
    bit_rate = container.get("bit_rate")
    return MediaFacts(
        duration=float(container["duration"]),
        size=int(container["size"]),
        bit_rate=int(bit_rate) if bit_rate is not None else None,
        video=_stream(streams["video"]),
        audio=_stream(streams["audio"]) if "audio" in streams else None,
    )


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) of an image (or of a video's first stream)."""
    stream = ffprobe(path, "-show_entries", "stream=width,height")["streams"][0]
    return int(stream["width"]), int(stream["height"])


def _stream(entry: dict[str, Any]) -> StreamFacts:
    rate = entry.get("avg_frame_rate", "0/0")
    fps = float(Fraction(rate)) if rate not in ("0/0", "") else None
    return StreamFacts(
        codec=entry["codec_name"],
        start=float(entry.get("start_time", 0.0)),
        duration=float(entry["duration"]),
        packets=int(entry["nb_read_packets"]),
        width=entry.get("width"),
        height=entry.get("height"),
        fps=fps,
    )
