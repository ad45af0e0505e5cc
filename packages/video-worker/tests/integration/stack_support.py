"""Records as the other workers leave them, written through the real adapters."""

from __future__ import annotations

from datetime import UTC, datetime

from vidpipe_aws import AwsContext
from vidpipe_types import Job, JobOptions, JobStatus, Mode


def create_processing_job(ctx: AwsContext, job_id: str, total: int, mode: Mode) -> None:
    """The job record as the chunking-worker leaves it once every segment is uploaded."""
    now = datetime.now(UTC)
    job = Job.new(
        job_id, ctx.settings.input_bucket, f"input/{job_id}.mp4", JobOptions(mode=mode), now
    )
    ctx.jobs.create_if_absent(job)
    ctx.jobs.transition(
        job_id,
        from_statuses={JobStatus.CREATED},
        to_status=JobStatus.PROCESSING,
        total_segments=total,
    )
