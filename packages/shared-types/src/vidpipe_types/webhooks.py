"""Webhook events: their names (`type`) and the one document every event is.

Every event is a JSON object::

    {"id": "evt_...", "type": "job.completed", "created_at": "2025-...Z",
     "job_id": "...", "status": "completed", "metadata": {...}, "result": {...}}

`id` identifies the event across retries (a receiver that sees the same id twice has seen a
redelivery), `created_at` is when the transition happened, `metadata` is the job's user
metadata (absent when it has none), and the event carries `result` or `error` where the
transition has one. Besides the job's own moves there are the ends of its optional
stages (`detection.completed`, `detection.failed`, `analysis.completed`), which end on their
own time beside the video path. The body is signed at delivery (`vidpipe_aws.signing`).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from vidpipe_types.job import JobStatus
from vidpipe_types.timestamps import format_utc

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime


class WebhookEvent(StrEnum):
    PROCESSING = "job.processing"
    COMPLETED = "job.completed"
    FAILED = "job.failed"
    CANCELLED = "job.cancelled"
    DETECTION_COMPLETED = "detection.completed"
    DETECTION_FAILED = "detection.failed"
    ANALYSIS_COMPLETED = "analysis.completed"


_EVENT_OF_STATUS = {
    JobStatus.PROCESSING: WebhookEvent.PROCESSING,
    JobStatus.COMPLETED: WebhookEvent.COMPLETED,
    JobStatus.FAILED: WebhookEvent.FAILED,
    JobStatus.CANCELLED: WebhookEvent.CANCELLED,
}


def webhook_event_for(status: JobStatus | str) -> WebhookEvent | None:
    """The event a move to ``status`` sends, or None for statuses that send none."""
    return _EVENT_OF_STATUS.get(JobStatus(status))


def webhook_document(
    *,
    event_id: str,
    event: WebhookEvent,
    created_at: datetime,
    job_id: str,
    status: JobStatus | str,
    metadata: Mapping[str, str] | None = None,
    result: Mapping[str, Any] | None = None,
    error: Mapping[str, Any] | None = None,
) -> str:
    """The event's JSON body, as it is stored in the outbox and POSTed (compact, key order
    fixed, so that the bytes signed are the bytes stored)."""
    document: dict[str, Any] = {
        "id": event_id,
        "type": event.value,
        "created_at": format_utc(created_at),
        "job_id": job_id,
        "status": JobStatus(status).value,
    }
    if metadata:
        document["metadata"] = dict(metadata)
    if result is not None:
        document["result"] = dict(result)
    if error is not None:
        document["error"] = dict(error)
    return json.dumps(document, separators=(",", ":"), sort_keys=False)
