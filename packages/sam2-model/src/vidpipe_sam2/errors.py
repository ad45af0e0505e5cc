"""Errors of the sam2 model, rooted in the video-worker's own root so its handler maps them."""

from __future__ import annotations

from vidpipe_video import VideoWorkerError


class Sam2Error(VideoWorkerError):
    """Root of every error raised by vidpipe_sam2."""


class Sam2LoadError(Sam2Error):
    """The model cannot be loaded as configured (no checkpoint, a config sam2 does not ship)."""
