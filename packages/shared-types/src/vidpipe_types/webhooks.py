"""The names of webhook events: one per job status a webhook reports, and one per end of an
optional stage (detection), which ends on its own time beside the video path."""

from __future__ import annotations

from enum import StrEnum

from vidpipe_types.job import JobStatus


class WebhookEvent(StrEnum):
    PROCESSING = "job.processing"
    COMPLETED = "job.completed"
    FAILED = "job.failed"
    CANCELLED = "job.cancelled"
    DETECTION_COMPLETED = "detection.completed"
    DETECTION_FAILED = "detection.failed"


_EVENT_OF_STATUS = {
    JobStatus.PROCESSING: WebhookEvent.PROCESSING,
    JobStatus.COMPLETED: WebhookEvent.COMPLETED,
    JobStatus.FAILED: WebhookEvent.FAILED,
    JobStatus.CANCELLED: WebhookEvent.CANCELLED,
}


def webhook_event_for(status: JobStatus | str) -> WebhookEvent | None:
    """The event a move to ``status`` sends, or None for statuses that send none."""
    return _EVENT_OF_STATUS.get(JobStatus(status))
