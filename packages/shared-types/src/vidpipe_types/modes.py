"""Processing modes the video-worker applies to each segment."""

from __future__ import annotations

from enum import StrEnum


class Mode(StrEnum):
    PASSTHROUGH = "passthrough"
    GRAYSCALE = "grayscale"


def parse_mode(value: str) -> Mode | None:
    """The mode named by ``value`` (exact, lower-case), or None when there is no such mode."""
    try:
        return Mode(value)
    except ValueError:
        return None


def mode_choices() -> str:
    """``"passthrough, grayscale"``: for error messages that tell a person what to pick."""
    return ", ".join(mode.value for mode in Mode)
