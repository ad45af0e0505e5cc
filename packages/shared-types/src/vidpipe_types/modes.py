"""Processing modes the video-worker applies to each segment."""

from __future__ import annotations

from enum import StrEnum


class Mode(StrEnum):
    PASSTHROUGH = "passthrough"
    GRAYSCALE = "grayscale"
    #: Cut the main subject out of each frame (the `vidpipe-sam2-model` plugin of the
    #: video-worker); a worker without the plugin leaves these segments to one that has it.
    SAM2 = "sam2"


def parse_mode(value: str) -> Mode | None:
    """The mode named by ``value`` (exact, lower-case), or None when there is no such mode."""
    try:
        return Mode(value)
    except ValueError:
        return None


def mode_choices() -> str:
    """``"passthrough, grayscale, sam2"``: for error messages that tell a person what to pick."""
    return ", ".join(mode.value for mode in Mode)
