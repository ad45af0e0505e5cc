"""Stopping work for a job that was cancelled while a worker was on it.

A cancel (the HTTP API's `POST /v1/jobs/{id}/cancel` or `DELETE`) only changes the job record;
each worker looks at the record before each costly or visible step (splitting, each upload,
joining, completing, every few frames) and stops there: it writes no more outputs and
completes nothing. `ensure_active` is that look; a handler catches `JobStoppedError` at its
top and returns, so the runner deletes the message (there is nothing left to retry).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vidpipe_aws.jobs import JobStore
    from vidpipe_types.job import Job, JobStatus

logger = logging.getLogger(__name__)


class JobStoppedError(Exception):
    """The job is final (cancelled, or failed or completed elsewhere) or gone: stop working
    on it. `before` names the step that was not started."""

    def __init__(self, job_id: str, status: JobStatus | None, before: str) -> None:
        self.job_id = job_id
        self.status = status
        self.before = before
        state = "no longer exists" if status is None else f"is {status}"
        super().__init__(f"job {job_id} {state}: stopped before {before}")


def ensure_active(jobs: JobStore, job_id: str, *, before: str) -> Job:
    """The job as it is now; JobStoppedError when it is final or gone."""
    job = jobs.get(job_id)
    if job is None or job.status.is_final:
        raise JobStoppedError(job_id, None if job is None else job.status, before)
    return job


def log_stopped(exc: JobStoppedError) -> None:
    """The one log line of a stop, so that every worker reports it the same way."""
    logger.info("%s; nothing more is written for it", exc, extra={"stopped_before": exc.before})
