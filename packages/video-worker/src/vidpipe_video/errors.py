"""One exception root for the video-worker; the handler maps these to runner outcomes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable


class VideoWorkerError(Exception):
    """Root of every error raised by vidpipe_video."""


class UnknownModelError(VideoWorkerError, LookupError):
    """No model of that name is registered (or enabled) here; the message names those that are."""

    def __init__(self, name: str, available: Iterable[str]) -> None:
        self.name = name
        self.available = tuple(sorted(available))
        choices = ", ".join(self.available) or "none"
        super().__init__(f"no segment model named {name!r}: available models are {choices}")


class DuplicateModelError(VideoWorkerError, ValueError):
    """Two models were registered under one name."""


class SegmentRejectedError(VideoWorkerError):
    """A model cannot process this segment, whatever the retry: the job fails with `reason`.

    Models raise it for input problems of their own (a prompt box outside the frame, a
    resolution the model cannot take); ffmpeg's InvalidMediaError is treated the same way.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ModelOutputError(VideoWorkerError):
    """A model returned without writing its output file: a bug or a crash, retried."""
