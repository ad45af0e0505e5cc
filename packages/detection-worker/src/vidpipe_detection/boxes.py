"""The one detection type every model's output converts into, and every later stage takes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Box:
    """A detection in source pixels: top-left corner, size and confidence (0..1)."""

    x: float
    y: float
    width: float
    height: float
    confidence: float

    @classmethod
    def from_corners(
        cls, x1: float, y1: float, x2: float, y2: float, confidence: float, *, size: tuple[int, int]
    ) -> Box:
        """From corner coordinates, clipped to a `size` = (width, height) frame."""
        width, height = size
        left, top = min(max(x1, 0.0), width), min(max(y1, 0.0), height)
        right, bottom = min(max(x2, 0.0), width), min(max(y2, 0.0), height)
        return cls(left, top, max(right - left, 0.0), max(bottom - top, 0.0), confidence)

    @property
    def area(self) -> float:
        return self.width * self.height

    @property
    def ltwh(self) -> list[float]:
        return [self.x, self.y, self.width, self.height]


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (0 when either is empty)."""
    left, top = max(a.x, b.x), max(a.y, b.y)
    right = min(a.x + a.width, b.x + b.width)
    bottom = min(a.y + a.height, b.y + b.height)
    inter = max(right - left, 0.0) * max(bottom - top, 0.0)
    union = a.area + b.area - inter
    return inter / union if union > 0 else 0.0
