"""A frame-exact comparison of a source video and vidpipe's result, read with ffprobe itself.

Durations hide what matters: a clip can keep its length and still show every frame after a
cut 0.16 s early, or squeeze audio at a seam. `compare_frames` checks what a viewer sees:

- video: every frame's presentation time from the file's start (from the packets the container
  presents, so edit lists count), within one time-base tick of either file; the frame count;
- audio (each track): the number of decoded samples, the first and last packet's time;
- display: stored size, rotation and display size (a 90 degree turn swaps width and height);
- encoding (when the result should keep it): codec, pixel format and bit depth.

It returns the problems as sentences (empty: frame-exact); `assert_frame_exact` raises with
all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from vidpipe_testkit.media import ffprobe

if TYPE_CHECKING:
    from pathlib import Path

Encoding = Literal["same", "h264-8bit", "any"]


@dataclass(frozen=True)
class AudioTrack:
    codec: str
    samples: int
    first_pts: float
    last_pts: float
    tick: float


@dataclass(frozen=True)
class FrameFacts:
    """What `compare_frames` compares, for one file."""

    codec: str
    pix_fmt: str
    bit_depth: int
    width: int
    height: int
    rotation: int
    video_pts: tuple[float, ...]
    tick: float
    audio: tuple[AudioTrack, ...]
    subtitle_tracks: int
    data_tracks: int

    @property
    def display_size(self) -> tuple[int, int]:
        return (
            (self.height, self.width) if self.rotation in (90, 270) else (self.width, self.height)
        )

    @property
    def frames(self) -> int:
        return len(self.video_pts)


def frame_facts(path: Path) -> FrameFacts:
    """The facts of `path` (AssertionError when it has no video stream)."""
    info = ffprobe(path, "-show_streams", "-show_format")
    # Times are compared from the file's start: ffmpeg starts every output at 0, whatever
    # clock (an edit list, MPEG-TS) the source started at.
    start = float(info.get("format", {}).get("start_time", 0.0))
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    assert video is not None, f"{path} has no video stream"
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    return FrameFacts(
        codec=str(video["codec_name"]),
        pix_fmt=str(video.get("pix_fmt", "")),
        bit_depth=_bit_depth(video),
        width=int(video["width"]),
        height=int(video["height"]),
        rotation=_rotation(video),
        video_pts=tuple(t - start for t in _presented_pts(path, int(video["index"]), video)),
        tick=float(Fraction(video["time_base"])),
        audio=tuple(_audio_track(path, stream, start) for stream in audio),
        subtitle_tracks=sum(1 for s in streams if s.get("codec_type") == "subtitle"),
        data_tracks=sum(1 for s in streams if s.get("codec_type") == "data"),
    )


def compare_frames(
    source: Path | FrameFacts, result: Path | FrameFacts, *, encoding: Encoding = "same"
) -> list[str]:
    """Every way `result` differs from `source` (empty when frame-exact). ``encoding``:
    ``same`` (a copy keeps codec, pixel format and bit depth), ``h264-8bit`` (a mode that
    re-encodes to 8-bit 4:2:0 H.264 by design), ``any`` (not compared)."""
    src = source if isinstance(source, FrameFacts) else frame_facts(source)
    out = result if isinstance(result, FrameFacts) else frame_facts(result)
    problems = _video_timing(src, out)
    if (src.width, src.height, src.rotation) != (out.width, out.height, out.rotation):
        problems.append(
            f"geometry: stored {src.width}x{src.height} rotated {src.rotation} became "
            f"{out.width}x{out.height} rotated {out.rotation} (display {src.display_size} -> "
            f"{out.display_size})"
        )
    if encoding == "same":
        for name, a, b in (
            ("codec", src.codec, out.codec),
            ("pixel format", src.pix_fmt, out.pix_fmt),
            ("bit depth", src.bit_depth, out.bit_depth),
        ):
            if a != b:
                problems.append(f"{name}: {a} became {b}")
    elif encoding == "h264-8bit" and (out.codec, out.bit_depth) != ("h264", 8):
        problems.append(f"encoding: expected 8-bit h264, got {out.bit_depth}-bit {out.codec}")
    problems.extend(_audio(src, out))
    for kind, a, b in (
        ("subtitle", src.subtitle_tracks, out.subtitle_tracks),
        ("data", src.data_tracks, out.data_tracks),
    ):
        if a != b:
            problems.append(f"{kind} tracks: {a} became {b}")
    return problems


def assert_frame_exact(
    source: Path | FrameFacts, result: Path | FrameFacts, *, encoding: Encoding = "same"
) -> None:
    problems = compare_frames(source, result, encoding=encoding)
    assert not problems, "not frame-exact:\n  " + "\n  ".join(problems)


def _video_timing(src: FrameFacts, out: FrameFacts) -> list[str]:
    problems: list[str] = []
    if src.frames != out.frames:
        problems.append(f"frame count: {src.frames} became {out.frames}")
    tolerance = max(src.tick, out.tick) * 1.001
    for index, (a, b) in enumerate(zip(src.video_pts, out.video_pts, strict=False)):
        if abs(a - b) > tolerance:
            problems.append(
                f"video frame {index}: shown at {b:.6f} s instead of {a:.6f} s "
                f"({b - a:+.6f} s; one tick is {tolerance:.6f} s)"
            )
            break
    return problems


def _audio(src: FrameFacts, out: FrameFacts) -> list[str]:
    problems: list[str] = []
    if len(src.audio) != len(out.audio):
        problems.append(f"audio tracks: {len(src.audio)} became {len(out.audio)}")
    for number, (a, b) in enumerate(zip(src.audio, out.audio, strict=False)):
        tolerance = max(a.tick, b.tick) * 1.001
        if a.samples != b.samples:
            problems.append(f"audio {number}: {a.samples} samples became {b.samples}")
        for what, x, y in (("first", a.first_pts, b.first_pts), ("last", a.last_pts, b.last_pts)):
            if abs(x - y) > tolerance:
                problems.append(f"audio {number}: {what} packet at {y:.6f} s, not {x:.6f} s")
    return problems


def _presented_pts(path: Path, index: int, stream: dict[str, Any]) -> list[float]:
    """Sorted presentation times of the packets the container presents (an edit list's
    discarded packets, flag D, left out): one per frame, without decoding."""
    tick = Fraction(stream["time_base"])
    packets = ffprobe(path, "-select_streams", str(index), "-show_entries", "packet=pts,flags").get(
        "packets", []
    )
    times = [
        float(int(p["pts"]) * tick)
        for p in packets
        if p.get("pts") not in (None, "N/A") and "D" not in str(p.get("flags", ""))
    ]
    return sorted(times)


def _audio_track(path: Path, stream: dict[str, Any], start: float) -> AudioTrack:
    index = str(stream["index"])
    tick = Fraction(stream["time_base"])
    packets = [
        p
        for p in ffprobe(path, "-select_streams", index, "-show_entries", "packet=pts,flags").get(
            "packets", []
        )
        if p.get("pts") not in (None, "N/A") and "D" not in str(p.get("flags", ""))
    ]
    frames = ffprobe(path, "-select_streams", index, "-show_entries", "frame=nb_samples").get(
        "frames", []
    )
    pts = [float(int(p["pts"]) * tick) for p in packets]
    return AudioTrack(
        codec=str(stream["codec_name"]),
        samples=sum(int(f.get("nb_samples", 0)) for f in frames),
        first_pts=min(pts) - start if pts else 0.0,
        last_pts=max(pts) - start if pts else 0.0,
        tick=float(tick),
    )


def _bit_depth(stream: dict[str, Any]) -> int:
    stated = stream.get("bits_per_raw_sample")
    if stated not in (None, "N/A", "0"):
        return int(stated)
    match = re.search(r"p(\d+)(le|be)$", str(stream.get("pix_fmt", "")))
    return int(match.group(1)) if match else 8


def _rotation(stream: dict[str, Any]) -> int:
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            return int(round(float(side["rotation"]))) % 360
    return 0
