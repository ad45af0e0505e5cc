"""Streaming decode: one sampled frame at a time, never the whole video in memory.

The file is probed first (`vidpipe_ffmpeg.probe`: container allow-list, a reason a person can
act on for anything that is not a readable video); OpenCV then decodes it. Frames between two
samples are only grabbed (decoded, not converted), so sampling every 2 s costs little more than
the decode itself.
"""

from __future__ import annotations

import logging
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


def iter_frames(path: Path, interval_seconds: float, info: VideoInfo) -> Iterator[Frame]:
    """Sampled frames of `path`: the first frame, then the first frame at or after each
    multiple of `interval_seconds` (0: every frame). Call `inspect_video` first."""
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise UnreadableVideoError("the video cannot be opened for decoding")
    try:
        yield from _sample(capture, interval_seconds, info)
    finally:
        capture.release()


def _sample(capture: cv2.VideoCapture, interval_seconds: float, info: VideoInfo) -> Iterator[Frame]:
    interval_ms = interval_seconds * 1000
    next_due_ms = 0.0
    index = -1
    decoded_any = False
    while capture.grab():
        index += 1
        decoded_any = True
        # The decoder's own timestamp; frame number / fps where the container gives none.
        position = float(capture.get(cv2.CAP_PROP_POS_MSEC))
        timestamp_ms = position if position > 0 or index == 0 else index * 1000 / info.fps
        # Half a millisecond of slack: 25 fps timestamps are 39.99.. or 40.00.. ms apart.
        if interval_ms > 0 and timestamp_ms + 0.5 < next_due_ms:
            continue
        ok, image = capture.retrieve()
        if not ok or image is None:
            logger.warning("frame %d could not be converted; skipped", index)
            continue
        yield Frame(
            index=index, timestamp_ms=round(timestamp_ms), image=np.ascontiguousarray(image)
        )
        if interval_ms > 0:
            # The next multiple of the interval after this frame (no drift, no double samples).
            next_due_ms = (timestamp_ms // interval_ms + 1) * interval_ms
    if not decoded_any:
        raise UnreadableVideoError("no frame of the video could be decoded")
