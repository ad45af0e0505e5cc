"""ffprobe: what a file is, whether vidpipe accepts it, and where its keyframes are."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from vidpipe_ffmpeg._run import (
    DEFAULT_LIMITS,
    PROTOCOL_WHITELIST,
    ResourceLimits,
    file_url,
    last_error_line,
    run_tool,
)
from vidpipe_ffmpeg.errors import FfmpegFailedError, InvalidMediaError
from vidpipe_ffmpeg.formats import (
    AUDIO_FORMATS,
    PROBE_FORMAT_WHITELIST,
    READ_FORMAT_WHITELIST,
    demuxer_name,
    describe_non_media,
    format_names,
    is_still_image_format,
    is_video_container,
    looks_like_iso_bmff,
    read_head,
)
from vidpipe_ffmpeg.models import AudioStream, ProbeResult, VideoStream

_STILL_IMAGE_CODECS = frozenset({"png", "mjpeg", "bmp", "webp", "tiff", "gif", "jpegls"})


def ffprobe_argv(limits: ResourceLimits, *args: str) -> list[str]:
    return [
        limits.ffprobe, "-hide_banner", "-v", "error",
        "-protocol_whitelist", PROTOCOL_WHITELIST, *args,
    ]  # fmt: skip


def probe(
    path: Path, limits: ResourceLimits = DEFAULT_LIMITS, *, with_keyframes: bool = True
) -> ProbeResult:
    """Probe ``path``; raise ``InvalidMediaError`` unless it is a video vidpipe can read.

    The container is checked against the allow-list before anything else reads the file, and
    keyframes are listed (with ``-f`` forced to the probed demuxer) only after that check.
    """
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise InvalidMediaError("empty file (0 bytes)")
    head = read_head(path)
    named = describe_non_media(head)
    if named is not None:
        raise InvalidMediaError(named)
    try:
        output = run_tool(
            ffprobe_argv(limits, "-format_whitelist", PROBE_FORMAT_WHITELIST,
                         "-show_format", "-show_streams", "-of", "json", file_url(path)),
            limits,
        )  # fmt: skip
    except FfmpegFailedError as exc:
        raise InvalidMediaError(_unreadable_reason(exc.stderr, head)) from exc
    result = parse_probe_json(json.loads(output.stdout or b"{}"), size)
    if with_keyframes and result.video is not None:
        keyframes = list_keyframes(path, limits, format_name=result.format_name)
        result = result.model_copy(update={"keyframes": tuple(keyframes)})
    return result


def _unreadable_reason(stderr: str, head: bytes) -> str:
    if "moov atom not found" in stderr and looks_like_iso_bmff(head):
        return "truncated file: moov atom not found"
    if "not on whitelist" in stderr:
        return "not a video file ffmpeg can read (its format is not an accepted video container)"
    detail = last_error_line(stderr).rpartition(": ")[2] or "unreadable"
    return f"not a video file ffmpeg can read ({detail})"


def parse_probe_json(data: dict[str, Any], size: int) -> ProbeResult:
    """Turn ffprobe's ``-show_format -show_streams`` JSON into a checked ``ProbeResult``."""
    fmt = data.get("format") or {}
    format_name = str(fmt.get("format_name", ""))
    streams = [s for s in data.get("streams") or [] if isinstance(s, dict)]
    if is_still_image_format(format_name):
        raise InvalidMediaError("a still image, not a video")
    if not is_video_container(format_name) and not (set(format_names(format_name)) & AUDIO_FORMATS):
        raise InvalidMediaError(f"not a video file ffmpeg can read (format {format_name!r})")
    video_raw = _first(streams, "video")
    audio_raw = _first(streams, "audio")
    if video_raw is None:
        raise InvalidMediaError("no video stream" + (" (audio only)" if audio_raw else ""))
    if not is_video_container(format_name):
        raise InvalidMediaError(f"not a video file ffmpeg can read (format {format_name!r})")
    video = _video_stream(video_raw)
    if video.codec in _STILL_IMAGE_CODECS and (video.frame_count or 0) <= 1:
        raise InvalidMediaError("a still image, not a video")
    duration = _float(fmt.get("duration")) or _float(video_raw.get("duration")) or 0.0
    if duration <= 0:
        raise InvalidMediaError("duration is 0 s")
    return ProbeResult(
        duration=duration,
        size=size,
        format_name=format_name,
        bit_rate=_int(fmt.get("bit_rate")),
        start_time=_float(fmt.get("start_time")) or 0.0,
        video=video,
        audio=_audio_stream(audio_raw) if audio_raw else None,
    )


def _first(streams: list[dict[str, Any]], codec_type: str) -> dict[str, Any] | None:
    for stream in streams:
        disposition = stream.get("disposition") or {}
        # Cover art in an audio file is a "video" stream of one picture: not a video.
        if stream.get("codec_type") == codec_type and not disposition.get("attached_pic"):
            return stream
    return None


def _video_stream(raw: dict[str, Any]) -> VideoStream:
    return VideoStream(
        codec=str(raw.get("codec_name", "unknown")),
        width=_int(raw.get("width")) or 0,
        height=_int(raw.get("height")) or 0,
        fps=_rate(raw.get("avg_frame_rate")) or _rate(raw.get("r_frame_rate")),
        pix_fmt=raw.get("pix_fmt"),
        rotation=_rotation(raw),
        frame_count=_int(raw.get("nb_frames")),
        bits_per_sample=_bit_depth(raw),
    )


def _bit_depth(raw: dict[str, Any]) -> int | None:
    """Bits per pixel component: ffprobe's bits_per_raw_sample when the decoder states it, else
    read from the pixel format name (``yuv420p10le`` is 10, a plain ``yuv420p`` is 8)."""
    stated = _int(raw.get("bits_per_raw_sample"))
    if stated:
        return stated
    pix_fmt = str(raw.get("pix_fmt") or "")
    if not pix_fmt:
        return None
    match = re.search(r"p(\d+)(le|be)$", pix_fmt)
    return int(match.group(1)) if match else 8


def _audio_stream(raw: dict[str, Any]) -> AudioStream:
    return AudioStream(
        codec=str(raw.get("codec_name", "unknown")),
        sample_rate=_int(raw.get("sample_rate")),
        channels=_int(raw.get("channels")),
    )


def _rotation(raw: dict[str, Any]) -> int:
    degrees: float | None = None
    for side in raw.get("side_data_list") or []:
        if isinstance(side, dict) and "rotation" in side:
            degrees = _float(side["rotation"])
    if degrees is None:
        # Only very old demuxers report the legacy clockwise "rotate" tag without side data.
        tag = _float((raw.get("tags") or {}).get("rotate"))
        degrees = -tag if tag is not None else None
    return int(round(degrees or 0.0)) % 360


def _float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _int(value: object) -> int | None:
    number = _float(value)
    return int(number) if number is not None else None


def _rate(value: object) -> float | None:
    if not isinstance(value, str) or "/" not in value:
        return None
    num, _, den = value.partition("/")
    numerator, denominator = _float(num), _float(den)
    if not numerator or not denominator:
        return None
    return numerator / denominator


def list_keyframes(
    path: Path, limits: ResourceLimits = DEFAULT_LIMITS, *, format_name: str | None = None
) -> list[float]:
    """Times (s) of the video keyframes, read from packet flags without decoding.

    Packet flags are what the segment muxer cuts on, so the split plan agrees with the cuts.
    """
    forced = ["-f", demuxer_name(format_name)] if format_name else []
    output = run_tool(
        ffprobe_argv(limits, "-format_whitelist", READ_FORMAT_WHITELIST, *forced,
                     "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags",
                     "-of", "csv=p=0", file_url(path)),
        limits,
    )  # fmt: skip
    return parse_keyframe_csv(output.stdout.decode("utf-8", "replace"))


def parse_keyframe_csv(text: str) -> list[float]:
    times: set[float] = set()
    for line in text.splitlines():
        pts, _, flags = line.strip().partition(",")
        if "K" in flags:
            value = _float(pts)
            if value is not None:
                times.add(value)
    return sorted(times)
