"""Server-sent events for one job: the job store is polled on an interval (EVENTS_POLL_SECONDS)
and an event is sent whenever what a client shows changes (status, stage, progress, detection,
analysis, error). The stream ends after a final status, when the job is deleted, when the
client goes away, or after EVENTS_MAX_SECONDS; a comment line keeps idle connections open."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import anyio
from starlette.concurrency import run_in_threadpool

from vidpipe_api.errors import NotFound
from vidpipe_api.views import visible_status

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from starlette.requests import Request

    from vidpipe_api.context import ApiContext
    from vidpipe_api.jobs_service import JobsService
    from vidpipe_types.job import Job

KEEPALIVE_SECONDS = 15.0


def progress_view(job: Job) -> dict[str, Any]:
    """What an event carries; an event is sent when this changes."""
    return {
        "job_id": job.job_id,
        "status": visible_status(job).value,
        "stage": job.stage,
        "progress_percent": job.progress_percent,
        "completed_segments": job.completed_segments,
        "total_segments": job.total_segments,
        "error": None if job.error is None else job.error.model_dump(mode="json"),
        "detection": None if job.detection is None else job.detection.model_dump(mode="json"),
        "analysis": None if job.analysis is None else job.analysis.model_dump(mode="json"),
    }


def sse(event: str, data: dict[str, Any], event_id: str | None = None) -> str:
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"data: {json.dumps(data, sort_keys=True)}")
    return "\n".join(lines) + "\n\n"


async def job_events(
    context: ApiContext, service: JobsService, tenant_id: str, job_id: str, request: Request
) -> AsyncIterator[str]:
    settings = context.settings
    deadline = time.monotonic() + settings.events_max_seconds
    last_sent = time.monotonic()
    previous: dict[str, Any] | None = None
    sequence = 0
    while True:
        job = await run_in_threadpool(_find, service, tenant_id, job_id)
        if job is None:
            yield sse("deleted", {"job_id": job_id})
            return
        view = progress_view(job)
        if view != previous:
            sequence += 1
            yield sse("job", view, event_id=str(sequence))
            previous, last_sent = view, time.monotonic()
        if job.settled:
            yield sse("end", {"job_id": job_id, "status": visible_status(job).value})
            return
        if time.monotonic() >= deadline or await request.is_disconnected():
            return
        if time.monotonic() - last_sent >= KEEPALIVE_SECONDS:
            yield ": keep-alive\n\n"
            last_sent = time.monotonic()
        await anyio.sleep(settings.events_poll_seconds)


def _find(service: JobsService, tenant_id: str, job_id: str) -> Job | None:
    try:
        return service.get_for_tenant(tenant_id, job_id)
    except NotFound:
        return None
