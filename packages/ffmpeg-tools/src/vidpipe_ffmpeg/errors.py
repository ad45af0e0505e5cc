"""One exception root for everything that can go wrong around ffmpeg/ffprobe.

Callers separate two cases: ``InvalidMediaError`` means the input itself is bad (never retry;
fail the job with ``reason``), anything else is a tool failure that may pass on a retry.
"""

from __future__ import annotations


class FfmpegError(Exception):
    """Root of every error raised by vidpipe_ffmpeg."""


class InvalidMediaError(FfmpegError):
    """The input is not a video vidpipe can process; ``reason`` says why, for a person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FfmpegFailedError(FfmpegError):
    """ffmpeg/ffprobe exited with an error on an input we had accepted; may pass on a retry."""

    def __init__(self, message: str, *, returncode: int | None = None, stderr: str = "") -> None:
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr


class FfmpegTimeoutError(FfmpegError):
    """ffmpeg/ffprobe ran past its time limit and was killed (with its whole process group)."""

    def __init__(self, message: str, *, timeout_seconds: float) -> None:
        super().__init__(message)
        self.timeout_seconds = timeout_seconds
