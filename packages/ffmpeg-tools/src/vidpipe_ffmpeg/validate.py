"""Limits on what vidpipe accepts, with reasons a person can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidpipe_ffmpeg.errors import InvalidMediaError

if TYPE_CHECKING:
    from vidpipe_ffmpeg.models import ProbeResult


def human_duration(seconds: float) -> str:
    """``10800`` -> ``3h 0m``, ``95`` -> ``1m 35s``, ``4.2`` -> ``4.2 s``."""
    if seconds >= 3600:
        hours, rest = divmod(int(seconds), 3600)
        return f"{hours}h {rest // 60}m"
    if seconds >= 60:
        minutes, rest = divmod(int(seconds), 60)
        return f"{minutes}m {rest}s"
    return f"{seconds:.1f} s"


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def validation_problems(
    probe: ProbeResult,
    max_duration_seconds: float | None = None,
    max_size_bytes: int | None = None,
    max_width: int | None = None,
    max_height: int | None = None,
) -> list[str]:
    """Every limit ``probe`` breaks, as sentences naming the setting to change."""
    problems: list[str] = []
    if probe.video is None:
        problems.append("no video stream")
    if probe.duration <= 0:
        problems.append("duration is 0 s")
    if max_duration_seconds is not None and probe.duration > max_duration_seconds:
        problems.append(
            f"duration {human_duration(probe.duration)} exceeds "
            f"MAX_DURATION_SECONDS={max_duration_seconds:g}"
        )
    if max_size_bytes is not None and probe.size > max_size_bytes:
        problems.append(f"size {human_size(probe.size)} exceeds MAX_SIZE_BYTES={max_size_bytes}")
    if probe.video is not None:
        if max_width is not None and probe.video.width > max_width:
            problems.append(f"width {probe.video.width} px exceeds MAX_WIDTH={max_width}")
        if max_height is not None and probe.video.height > max_height:
            problems.append(f"height {probe.video.height} px exceeds MAX_HEIGHT={max_height}")
    return problems


def validate(
    probe: ProbeResult,
    max_duration_seconds: float | None = None,
    max_size_bytes: int | None = None,
    max_width: int | None = None,
    max_height: int | None = None,
) -> None:
    """Raise ``InvalidMediaError`` listing every limit ``probe`` breaks (``None`` = no limit)."""
    problems = validation_problems(
        probe, max_duration_seconds, max_size_bytes, max_width, max_height
    )
    if problems:
        raise InvalidMediaError("; ".join(problems))
