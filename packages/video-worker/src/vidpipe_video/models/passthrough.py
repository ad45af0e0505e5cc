"""`passthrough`: the segment as it came, after checking that it is a video ffmpeg can read."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, ClassVar

from vidpipe_ffmpeg import DEFAULT_LIMITS, ResourceLimits, probe
from vidpipe_types import Mode
from vidpipe_video.models.base import SegmentModel

if TYPE_CHECKING:
    from pathlib import Path

    from vidpipe_video.models.base import SegmentContext


class PassthroughModel(SegmentModel):
    name: ClassVar[str] = Mode.PASSTHROUGH.value

    def __init__(self, limits: ResourceLimits = DEFAULT_LIMITS) -> None:
        self._limits = limits

    def process(self, src: Path, dst: Path, context: SegmentContext) -> None:
        # A segment that is not a readable video would only fail later, at reassembly, where
        # the reason is harder to trace back: probe it here (InvalidMediaError). The output is
        # a byte copy, so this is its probe too.
        context.output_probe = probe(src, self._limits, with_keyframes=False)
        shutil.copyfile(src, dst)
