"""Where to cut a video into segments: pure arithmetic, no ffmpeg.

A plan is the list of cut times (seconds) between segments; ``[]`` is one segment.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def is_short(duration: float, segment_seconds: float) -> bool:
    """Shorter than 1.5 segments: splitting would leave a stub, so keep one segment."""
    return duration < 1.5 * segment_seconds


def plan_keyframe_cuts(
    keyframes: Sequence[float], duration: float, segment_seconds: float, *, strict: bool = True
) -> list[float] | None:
    """Cuts at existing keyframes, each segment about ``segment_seconds`` long.

    From the last cut, the next one is the keyframe nearest to ``last + T`` among those at least
    ``T/2`` after it and at least ``T/2`` before the end, so no segment is a stub. ``strict``
    also requires it within ``T/2`` of the wanted time (segments of T/2..1.5T); when a wanted
    cut has no such keyframe the plan is ``None`` and stream copy cannot honour the segment
    length. Without ``strict`` it takes what the keyframes offer (fewer, longer segments).
    """
    _check(duration, segment_seconds)
    if is_short(duration, segment_seconds):
        return []
    half = segment_seconds / 2
    candidates = sorted(k for k in keyframes if math.isfinite(k) and 0 < k <= duration - half)
    cuts: list[float] = []
    start = 0.0
    while not is_short(duration - start, segment_seconds):
        wanted = start + segment_seconds
        options = [k for k in candidates if k >= start + half]
        if strict:
            options = [k for k in options if k <= wanted + half]
        if not options:
            return None if strict else cuts
        start = min(options, key=lambda k: (abs(k - wanted), k))
        cuts.append(start)
    return cuts


def plan_forced_cuts(duration: float, segment_seconds: float) -> list[float]:
    """Cuts at multiples of ``T`` for a re-encode that forces keyframes there.

    The last segment is between T/2 and 1.5T long.
    """
    _check(duration, segment_seconds)
    cuts: list[float] = []
    cut = segment_seconds
    while not is_short(duration - (cut - segment_seconds), segment_seconds):
        cuts.append(round(cut, 6))
        cut += segment_seconds
    return cuts


def segment_spans(cuts: Sequence[float], duration: float) -> list[tuple[float, float]]:
    """``(start, duration)`` of each segment for the given cuts."""
    bounds = [0.0, *cuts, duration]
    return [(bounds[i], bounds[i + 1] - bounds[i]) for i in range(len(bounds) - 1)]


def _check(duration: float, segment_seconds: float) -> None:
    if not (segment_seconds > 0 and math.isfinite(segment_seconds)):
        raise ValueError(f"segment_seconds must be a positive number, not {segment_seconds!r}")
    if not (duration > 0 and math.isfinite(duration)):
        raise ValueError(f"duration must be a positive number, not {duration!r}")
