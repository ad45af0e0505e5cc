"""Where the subject is on a segment's first frame: the prompt SAM2 starts tracking from.

SAM2 takes points and boxes only. A job names a box or a point in pixels of the source video;
a text prompt ("the product") needs a vision model that answers with a box (`BoxFromText`);
with none of these, the centre of the frame is the guess: the subject of a product or
talking-head video is usually there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from vidpipe_video import SegmentRejectedError

if TYPE_CHECKING:
    from pathlib import Path

    from vidpipe_types import JobOptions

logger = logging.getLogger(__name__)

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Prompt:
    """A box (x1, y1, x2, y2) or one positive point (x, y), in pixels of the frame."""

    kind: Literal["box", "point"]
    coords: tuple[float, ...]
    source: Literal["box", "point", "text", "centre"]


class BoxFromText(Protocol):
    """A vision model that finds `text` on an image: the subject's box in its pixels, or None
    when it sees no such thing."""

    def box_for(self, text: str, image: Path, width: int, height: int) -> Box | None: ...


def centre_prompt(width: int, height: int) -> Prompt:
    return Prompt("point", (width / 2, height / 2), "centre")


def resolve_prompt(
    options: JobOptions,
    width: int,
    height: int,
    *,
    first_frame: Path | None = None,
    box_from_text: BoxFromText | None = None,
) -> Prompt:
    """The prompt for a segment of `width` x `height` frames.

    A box is clipped to the frame; a box or point entirely outside it raises
    SegmentRejectedError (the job's prompt can never fit this video). A box wins over a point,
    a point over a text.
    """
    if options.prompt_box is not None:
        return Prompt("box", _clip_box(options.prompt_box, width, height), "box")
    if options.prompt_point is not None:
        x, y = options.prompt_point
        if not (x < width and y < height):
            raise SegmentRejectedError(
                f"prompt-point {x:g},{y:g} is outside the {width}x{height} frame"
            )
        return Prompt("point", (x, y), "point")
    if options.prompt_text is not None:
        box = _box_from_text(options.prompt_text, width, height, first_frame, box_from_text)
        if box is not None:
            return Prompt("box", box, "text")
    return centre_prompt(width, height)


def _box_from_text(
    text: str, width: int, height: int, frame: Path | None, finder: BoxFromText | None
) -> Box | None:
    if finder is None or frame is None:
        logger.info("prompt-text given but no text-to-box model is configured: using the centre")
        return None
    box = finder.box_for(text, frame, width, height)
    if box is None:
        logger.info("no box found for the prompt text: using the centre of the frame")
        return None
    try:
        return _clip_box(box, width, height)
    except SegmentRejectedError:
        logger.warning("the box found for the prompt text is outside the frame: using the centre")
        return None


def _clip_box(box: Box, width: int, height: int) -> Box:
    x1, y1, x2, y2 = box
    clipped = (max(0.0, x1), max(0.0, y1), min(float(width), x2), min(float(height), y2))
    if clipped[2] - clipped[0] < 1 or clipped[3] - clipped[1] < 1:
        raise SegmentRejectedError(
            f"prompt-box {x1:g},{y1:g},{x2:g},{y2:g} is outside the {width}x{height} frame"
        )
    return clipped
