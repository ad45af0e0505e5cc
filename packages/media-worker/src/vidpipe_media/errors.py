"""The media-worker's exception root and the errors its handler turns into outcomes."""

from __future__ import annotations


class MediaWorkerError(Exception):
    """Root of every error raised by vidpipe_media."""


class SegmentsIncompleteError(MediaWorkerError):
    """Some completion records are missing: the job is not ready yet (retry later)."""

    def __init__(self, job_id: str, missing: list[int]) -> None:
        shown = ", ".join(str(i) for i in missing[:10]) + (", ..." if len(missing) > 10 else "")
        super().__init__(f"job {job_id}: no completion for segment(s) {shown}")
        self.job_id = job_id
        self.missing = missing


class BadSegmentError(MediaWorkerError):
    """A processed segment is missing from storage or is not a playable video.

    Retrying cannot help: the video-worker deleted its message after writing the completion,
    so nothing will write the segment again. The job fails with ``reason``.
    """

    def __init__(self, reason: str, *, index: int | None = None) -> None:
        if index is not None:
            reason = f"output segment {index}: {reason}"
        super().__init__(reason)
        self.index = index
        self.reason = reason


class AnalysisError(MediaWorkerError):
    """The optional analysis stage gave up: the API kept failing, refused the request, or the
    model's output did not match the profile's schema. The job still completes; ``reason``
    goes to its analysis status."""

    def __init__(self, reason: str, *, retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
