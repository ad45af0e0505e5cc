"""Streaming decode: one sampled frame at a time, never the whole video in memory.

The file is probed first (`vidpipe_ffmpeg.probe`: container allow-list, a reason a person can
act on for anything that is not a readable video); OpenCV then decodes it. Frames between two
samples are only grabbed (decoded, not converted), so sampling every 2 s costs little more than
the decode itself.
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from vidpipe_detection.errors import UnreadableVideoError
from vidpipe_ffmpeg import DEFAULT_LIMITS, InvalidMediaError, ResourceLimits, probe

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from numpy.typing import NDArray

logger = logging.getLogger(__name__)

#: A frame rate to assume when the container gives none (timestamps come from the decoder).
_FALLBACK_FPS = 25.0


@dataclass(frozen=True)
class Frame:
    """One sampled frame: its frame number in the source, its time, and BGR pixels."""

    index: int
    timestamp_ms: int
    image: NDArray[np.uint8]


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    duration_seconds: float
    frame_count: int | None

    def expected_samples(self, interval_seconds: float) -> int | None:
        """About how many frames sampling at this interval gives (for progress only)."""
        if interval_seconds <= 0:
            return self.frame_count or (round(self.duration_seconds * self.fps) or None)
        return int(self.duration_seconds // interval_seconds) + 1


def inspect_video(path: Path, limits: ResourceLimits = DEFAULT_LIMITS) -> VideoInfo:
    """Probe `path`; UnreadableVideoError (with the reason) unless it holds a video stream."""
    try:
        result = probe(path, limits, with_keyframes=False)
    except InvalidMediaError as exc:
        raise UnreadableVideoError(exc.reason) from exc
    if result.video is None:
        raise UnreadableVideoError("the file has no video stream")
    video = result.video
    return VideoInfo(
        width=video.width,
        height=video.height,
        fps=video.fps or _FALLBACK_FPS,
        duration_seconds=result.duration,
        frame_count=video.frame_count,
    )


def iter_frames(
    path: Path,
    interval_seconds: float,
    info: VideoInfo,
    *,
    start_ms: int = 0,
    end_ms: int | None = None,
) -> Iterator[Frame]:
    """Sampled frames of `path`: the first frame, then the first frame at or after each
    multiple of `interval_seconds` (0: every frame). Call `inspect_video` first.

    `start_ms`/`end_ms` (multiples of the interval) keep only the samples a single pass would
    take in `[start_ms, end_ms)`, with the same frame numbers and times: segment-parallel
    detection samples exactly as one pass does. A part seeks to just before its start.
    """
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise UnreadableVideoError("the video cannot be opened for decoding")
    try:
        if start_ms > 0 and _seek_before(capture, start_ms, interval_seconds, info):
            try:
                # Raises, if at all, on the first frame: before anything was yielded.
                yield from _sample(capture, interval_seconds, info, start_ms, end_ms, seeked=True)
                return
            except _SeekLandedLate:
                logger.info(
                    "seek to %d ms landed inside the part; decoding from the start", start_ms
                )
        capture.release()
        capture = cv2.VideoCapture(str(path))
        yield from _sample(capture, interval_seconds, info, start_ms, end_ms, seeked=False)
    finally:
        capture.release()


def sample_bucket(timestamp_ms: float, interval_ms: float) -> int:
    """Which interval a frame time falls in. Half a millisecond of slack: 25 fps timestamps
    are 39.99.. or 40.00.. ms apart. A frame is sampled when it is the first of its bucket."""
    if interval_ms <= 0:
        return math.floor(timestamp_ms + 0.5)
    return math.floor((timestamp_ms + 0.5) / interval_ms)


#: Frames decoded before a part's start: the one just before decides whether the first frame in
#: range opens a new bucket (a keyframe seek may also land a little late).
_SEEK_MARGIN_FRAMES = 3


def _seek_before(
    capture: cv2.VideoCapture, start_ms: int, interval_seconds: float, info: VideoInfo
) -> bool:
    """Seek to a few frames before `start_ms`; False when the container does not seek (the
    caller then decodes from the first frame, only grabbing up to the part)."""
    target = max(0.0, start_ms - _SEEK_MARGIN_FRAMES * 1000 / info.fps)
    return target > 0 and bool(capture.set(cv2.CAP_PROP_POS_MSEC, target))


class _SeekLandedLate(Exception):
    """The first frame after a seek is already inside the part: whether it opens a bucket
    depends on the frame before it, which was not decoded."""


def _sample(
    capture: cv2.VideoCapture,
    interval_seconds: float,
    info: VideoInfo,
    start_ms: int = 0,
    end_ms: int | None = None,
    *,
    seeked: bool = False,
) -> Iterator[Frame]:
    interval_ms = interval_seconds * 1000
    first_bucket = sample_bucket(start_ms, interval_ms) if start_ms > 0 else None
    end_bucket = sample_bucket(end_ms, interval_ms) if end_ms is not None else None
    previous: int | None = None
    index = -1
    decoded_any = False
    while capture.grab():
        decoded_any = True
        # After a seek the decoder numbers the frame (frame number = time x fps); from the
        # start a counter does, as it always has.
        index = int(capture.get(cv2.CAP_PROP_POS_FRAMES)) - 1 if seeked else index + 1
        # The decoder's own timestamp; frame number / fps where the container gives none.
        position = float(capture.get(cv2.CAP_PROP_POS_MSEC))
        timestamp_ms = position if position > 0 or index == 0 else index * 1000 / info.fps
        bucket = sample_bucket(timestamp_ms, interval_ms)
        if seeked and previous is None and first_bucket is not None and bucket >= first_bucket:
            raise _SeekLandedLate
        opens = previous is None and index == 0 or previous is not None and bucket > previous
        previous = bucket
        if end_bucket is not None and bucket >= end_bucket:
            break
        if not opens or (first_bucket is not None and bucket < first_bucket):
            continue
        ok, image = capture.retrieve()
        if not ok or image is None:
            logger.warning("frame %d could not be converted; skipped", index)
            continue
        yield Frame(
            index=index, timestamp_ms=round(timestamp_ms), image=np.ascontiguousarray(image)
        )
    if not decoded_any:
        raise UnreadableVideoError("no frame of the video could be decoded")


def plan_parts(
    duration_seconds: float, interval_seconds: float, part_seconds: float
) -> list[tuple[int, int]]:
    """The `[start_ms, end_ms)` ranges of a segment-parallel detection: parts of about
    `part_seconds`, each boundary a multiple of the sampling interval (so each sample falls in
    exactly one part), the last open-ended to the end of the video. One range: no split."""
    total_ms = duration_seconds * 1000
    if part_seconds <= 0 or total_ms <= part_seconds * 1000 * 1.5:
        return [(0, _OPEN_END_MS)]
    step_ms = interval_seconds * 1000 if interval_seconds > 0 else 1.0
    per_part = max(1, round(part_seconds * 1000 / step_ms)) * step_ms
    count = max(1, round(total_ms / per_part))
    bounds = [round(k * per_part) for k in range(count)] + [_OPEN_END_MS]
    return list(itertools.pairwise(bounds))


#: The last part's end: past any video (the part ends with the file).
_OPEN_END_MS = 10**12
