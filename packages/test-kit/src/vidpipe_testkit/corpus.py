"""A corpus of small generated videos with the shapes real uploads have, made with ffmpeg lavfi.

Each `CorpusCase` is a few seconds at 160x120 (fast to split, re-encode and probe) and names
what it exercises; `build_corpus(directory)` writes every case once (the pytest plugin's
`media_corpus` fixture caches it per session). `known_differences` are the cases whose result
is not frame-exact by design, each with the stated reason, per mode.
"""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

_TIMEOUT_SECONDS = 120
_SIZE = "160x120"


@dataclass(frozen=True)
class CorpusCase:
    name: str
    what: str
    args: tuple[str, ...]
    """ffmpeg arguments after the global ones, up to (not including) the output file."""
    rotation: int = 0
    """Display rotation (ffprobe's degrees) written into the video track's matrix afterwards:
    ffmpeg 5.1 has no option that writes one when encoding."""
    remux: tuple[str, ...] = ()
    """A second ffmpeg pass over the first file (e.g. a stream copy that adds an edit list)."""
    known_differences: dict[str, str] = field(default_factory=dict)
    """mode -> the stated reason the result is not frame-exact in that mode."""


def _video(duration: float, *, rate: str = "25", size: str = _SIZE) -> tuple[str, ...]:
    return ("-f", "lavfi", "-i", f"testsrc2=s={size}:r={rate}:d={duration}")


def _tone(duration: float, frequency: int = 440) -> tuple[str, ...]:
    return ("-f", "lavfi", "-i", f"sine=f={frequency}:r=48000:d={duration}")


_X264 = ("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")
_AAC = ("-c:a", "aac", "-b:a", "64k")
#: Keyframes every second: a stream-copy split at 1 s and 2 s.
_GOP_1S = ("-g", "25", "-keyint_min", "25")
#: Drops 2 of every 11 frames: variable frame rate, timestamps kept as they are.
_VFR = ("-vf", "select='not(eq(mod(n\\,11)\\,3))*not(eq(mod(n\\,11)\\,7))'", "-fps_mode", "vfr")
_GRAY_444 = "grayscale writes 8-bit 4:2:0 H.264 by design: an odd width/height loses a column/row"
_EXTRA_TRACKS = "vidpipe's output carries the first video and the first audio track only"

CORPUS: tuple[CorpusCase, ...] = (
    CorpusCase("cfr", "constant 25 fps, AAC", (*_video(4), *_tone(4), *_X264, *_GOP_1S, *_AAC)),
    CorpusCase("vfr", "variable frame rate, no audio", (*_video(4), *_VFR, *_X264, *_GOP_1S)),
    CorpusCase(
        "vfr_aac",
        "variable frame rate with AAC",
        (*_video(4), *_tone(4), *_VFR, *_X264, *_GOP_1S, *_AAC, "-shortest"),
    ),
    CorpusCase(
        "bframes",
        "3 B-frames (negative DTS at every cut)",
        (*_video(4), *_tone(4), *_X264, "-bf", "3", "-g", "20", *_AAC),
    ),
    CorpusCase(
        "open_gop",
        "open GOPs (leading B-frames reference the previous GOP)",
        (*_video(4), *_X264, "-bf", "3", "-x264-params", "open-gop=1:keyint=25:min-keyint=25"),
    ),
    CorpusCase(
        "edit_list",
        "starts mid-GOP: an MP4 edit list hides the first 13 frames",
        (*_video(4.5), *_tone(4.5), *_X264, *_GOP_1S, *_AAC),
        remux=("-ss", "0.52", "-c", "copy"),
    ),
    *(
        CorpusCase(
            f"rotate_{degrees}",
            f"display matrix {degrees} degrees",
            (*_video(3), *_tone(3), *_X264, *_GOP_1S, *_AAC),
            rotation=degrees,
        )
        for degrees in (90, 180, 270)
    ),
    CorpusCase(
        "h264_10bit",
        "10-bit H.264, one keyframe (a re-encoding split)",
        (
            *_video(3),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p10le",
            "-g",
            "1000",
        ),
    ),
    CorpusCase(
        "hevc_10bit",
        "10-bit HEVC, one keyframe (a re-encoding split)",
        (
            *_video(3),
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p10le",
            "-tag:v",
            "hvc1",
            "-x265-params",
            "keyint=1000:log-level=error",
        ),
    ),
    CorpusCase(
        "odd_size",
        "161x119, 4:4:4 (4:2:0 cannot be odd)",
        (
            *_video(3, size="162x120"),
            "-vf",
            "format=yuv444p,crop=161:119:0:0",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv444p",
            *_GOP_1S,
        ),
        known_differences={"grayscale": _GRAY_444},
    ),
    CorpusCase(
        "two_audio",
        "two audio tracks",
        (
            *_video(3),
            *_tone(3),
            *_tone(3, 880),
            "-map",
            "0",
            "-map",
            "1",
            "-map",
            "2",
            *_X264,
            *_GOP_1S,
            *_AAC,
        ),
        known_differences={"passthrough": _EXTRA_TRACKS, "grayscale": _EXTRA_TRACKS},
    ),
    CorpusCase(
        "subtitle",
        "a mov_text subtitle track",
        (*_video(3), *_tone(3), *_X264, *_GOP_1S, *_AAC),
        known_differences={"passthrough": _EXTRA_TRACKS, "grayscale": _EXTRA_TRACKS},
    ),
    CorpusCase(
        "timecode",
        "a timecode (tmcd) track",
        (*_video(3), *_tone(3), *_X264, *_GOP_1S, *_AAC, "-timecode", "01:00:00:00"),
        known_differences={
            "grayscale": "grayscale re-encodes, and the timecode tag that makes the MP4 muxer "
            "write a tmcd track does not pass through an encoder: the timecode track is dropped"
        },
    ),
    CorpusCase(
        "short", "0.8 s: shorter than one segment", (*_video(0.8), *_tone(0.8), *_X264, *_AAC)
    ),
    CorpusCase(
        "many_segments",
        "6 s with keyframes every 0.5 s: many short segments",
        (*_video(6), *_tone(6), *_X264, "-g", "12", "-keyint_min", "12", *_AAC),
    ),
)


def build_corpus(directory: Path) -> dict[str, Path]:
    """Every case as ``directory/<name>.mp4`` (made when missing), by name."""
    directory.mkdir(parents=True, exist_ok=True)
    return {case.name: make_case(case, directory) for case in CORPUS}


def make_case(case: CorpusCase, directory: Path) -> Path:
    target = directory / f"{case.name}.mp4"
    if target.exists():
        return target
    made = directory / f"{case.name}.tmp.mp4"
    _ffmpeg(*case.args, str(made))
    if case.name == "subtitle":
        made = _with_subtitle(made, directory / f"{case.name}.sub.mp4")
    if case.remux:
        remuxed = directory / f"{case.name}.remux.mp4"
        _ffmpeg("-i", str(made), *case.remux, str(remuxed))
        made = remuxed
    if case.rotation:
        set_rotation(made, case.rotation)
    made.rename(target)
    return target


def _with_subtitle(video: Path, target: Path) -> Path:
    srt = video.with_suffix(".srt")
    srt.write_text("1\n00:00:00,500 --> 00:00:02,000\nhello\n", encoding="utf-8")
    _ffmpeg("-i", str(video), "-i", str(srt), "-map", "0", "-map", "1", "-c", "copy",
            "-c:s", "mov_text", str(target))  # fmt: skip
    return target


def set_rotation(path: Path, degrees: int) -> None:
    """Write a display matrix of ``degrees`` (as ffprobe reports rotation) into the first
    track header of the MP4 at ``path`` (ffmpeg writes the video track first)."""
    data = bytearray(path.read_bytes())
    at = data.find(b"tkhd")
    if at < 0:
        raise ValueError(f"{path} has no track header")
    version = data[at + 4]
    # type, version+flags, times, track id, reserved, duration, reserved, layer..volume.
    offset = at + 4 + 40 + (12 if version == 1 else 0)
    cos, sin = round(math.cos(math.radians(degrees))), round(math.sin(math.radians(degrees)))
    matrix = (cos << 16, (-sin) << 16, 0, sin << 16, cos << 16, 0, 0, 0, 1 << 30)
    data[offset : offset + 36] = struct.pack(">9i", *matrix)
    path.write_bytes(data)


def _ffmpeg(*args: str) -> None:
    tool = shutil.which("ffmpeg")
    if tool is None:
        raise RuntimeError("ffmpeg is not on PATH")
    subprocess.run(
        [tool, "-hide_banner", "-nostdin", "-y", "-v", "error", *args],
        check=True,
        capture_output=True,
        timeout=_TIMEOUT_SECONDS,
    )
