"""Square crops of the subject for image embedders, and how good each is as the job's image.

A crop is the mask's bounding box of the background-removed frame, centred on a square canvas
of the background colour (never stretched), resized to 518x518: the input size DINOv2-style
embedders expect. A frame whose mask is empty gives the whole frame, padded the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    from pathlib import Path

    from numpy.typing import NDArray

CROP_SIZE = 518


@dataclass(frozen=True)
class FrameScore:
    """One crop written for a job: its frame number (`frame_{frame:04d}.png`), where it came
    from, and how large and how central the subject is (each 0..1; `score` their product)."""

    frame: int
    key: str
    segment_index: int
    segment_frame: int
    time_seconds: float
    mask_area: float
    centrality: float

    @property
    def score(self) -> float:
        return self.mask_area * self.centrality

    def to_json(self) -> dict[str, object]:
        return {
            "frame": self.frame,
            "key": self.key,
            "segment_index": self.segment_index,
            "segment_frame": self.segment_frame,
            "time_seconds": round(self.time_seconds, 3),
            "mask_area": round(self.mask_area, 6),
            "centrality": round(self.centrality, 6),
            "score": round(self.score, 6),
        }


def frame_share(max_frames: int, segment_index: int, total_segments: int) -> tuple[int, int]:
    """(first frame number, how many) of a job's `max_frames` crops that one segment writes.

    The crops are spread evenly: each segment gets `max_frames // total`, the first
    `max_frames % total` one more, so the numbers 0..max_frames-1 are each used once per job
    whatever order the segments run in.
    """
    if not 0 <= segment_index < total_segments:
        raise ValueError(f"segment {segment_index} of {total_segments} is out of range")
    base, extra = divmod(max_frames, total_segments)
    first = segment_index * base + min(segment_index, extra)
    return first, base + (1 if segment_index < extra else 0)


def sample_positions(count: int, frame_count: int) -> list[int]:
    """`count` frame positions of `frame_count` frames, evenly spread (centres of equal
    slices), each at most once."""
    count = min(count, frame_count)
    return [int((k + 0.5) * frame_count / count) for k in range(count)]


def mask_scores(mask: NDArray[np.bool_]) -> tuple[float, float]:
    """(area, centrality) of a mask: the fraction of the frame it covers, and 1 minus the
    distance of its centroid from the frame's centre over the half-diagonal (0 when empty)."""
    height, width = mask.shape
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return 0.0, 0.0
    area = xs.size / (width * height)
    distance = math.hypot(xs.mean() + 0.5 - width / 2, ys.mean() + 0.5 - height / 2)
    centrality = max(0.0, 1.0 - distance / (math.hypot(width, height) / 2))
    return area, centrality


def square_crop(
    frame: NDArray[np.uint8],
    mask: NDArray[np.bool_],
    background: tuple[int, int, int],
    size: int = CROP_SIZE,
) -> Image.Image:
    """The mask's box of `frame`, centred on a square of `background`, resized to `size`."""
    ys, xs = np.nonzero(mask)
    box = frame if xs.size == 0 else frame[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    height, width = box.shape[:2]
    side = max(width, height)
    canvas = Image.new("RGB", (side, side), background)
    canvas.paste(Image.fromarray(box), ((side - width) // 2, (side - height) // 2))
    return canvas.resize((size, size), Image.Resampling.BICUBIC)


def save_png(image: Image.Image, path: Path) -> None:
    image.save(path, format="PNG")
