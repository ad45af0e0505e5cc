"""`grayscale`: a real CPU transform, re-encoding every frame through an ffmpeg filter.

It is the mode that scale-out is measured on: its cost grows with pixels, like a model's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from vidpipe_ffmpeg import DEFAULT_LIMITS, ResourceLimits, VideoFilter, probe, transcode_filter
from vidpipe_types import Mode
from vidpipe_video.models.base import SegmentModel

if TYPE_CHECKING:
    from pathlib import Path

    from vidpipe_video.models.base import SegmentContext

#: Saturation 0: luma kept, chroma neutral (``hue=s=0``). A constant in code: a filter graph can
#: open files, so no part of it ever comes from a message or an upload.
GRAYSCALE_FILTER = VideoFilter.of("hue", s=0)


class GrayscaleModel(SegmentModel):
    name: ClassVar[str] = Mode.GRAYSCALE.value

    def __init__(self, limits: ResourceLimits = DEFAULT_LIMITS) -> None:
        self._limits = limits

    def process(self, src: Path, dst: Path, context: SegmentContext) -> None:
        # Probe first: ffmpeg failing on a bad input reads as a retryable tool failure, while
        # probe names the problem (InvalidMediaError) and the job fails with it.
        probe(src, self._limits, with_keyframes=False)
        transcode_filter(src, dst, GRAYSCALE_FILTER, self._limits)
