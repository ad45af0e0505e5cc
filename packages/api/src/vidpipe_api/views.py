"""Jobs as the API shows them: public fields only, outputs as presigned GET URLs."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from vidpipe_api.errors import BadRequest
from vidpipe_api.models import (
    FrameCrop,
    FramesPage,
    JobErrorResponse,
    JobResponse,
    JobSummary,
    OutputLink,
    SourceResponse,
)
from vidpipe_types.errors import InvalidKeyError
from vidpipe_types.job import JobStatus
from vidpipe_types.keys import JOBS_PREFIX, JobArtifact, parse_frame_key, parse_s3_uri
from vidpipe_types.modes import Mode

if TYPE_CHECKING:
    from vidpipe_api.context import ApiContext
    from vidpipe_types.job import Job

# Job.outputs names (the media-worker's) that the API shows, each an output-bucket key.
_JOB_OUTPUTS = ("final", "thumbnail", "metadata", "analysis", "primary_image")
# Job.detection.outputs names (artifact file names, each an S3 URI) -> the API's names.
_DETECTION_OUTPUTS = {
    JobArtifact.DETECTIONS.value: "detections",
    JobArtifact.DETECTIONS_PREVIEW.value: "detections_preview",
}
MAX_FRAMES_PAGE = 100


def visible_status(job: Job) -> JobStatus:
    """The job's status as callers see it: a completed job whose outputs are still being
    promoted to their keys is shown as reassembling, so that `completed` always comes with
    downloadable outputs."""
    if job.status is JobStatus.COMPLETED and job.outputs_pending:
        return JobStatus.REASSEMBLING
    return job.status


def job_summary(job: Job) -> JobSummary:
    return JobSummary(
        job_id=job.job_id,
        status=visible_status(job),
        stage=job.stage,
        progress_percent=job.progress_percent,
        created_at=job.created_at,
        updated_at=job.updated_at,
        metadata=job.user_metadata,
        mode=job.options.mode,
    )


def job_response(
    context: ApiContext,
    job: Job,
    *,
    with_links: bool = True,
    frames_limit: int = 20,
    frames_cursor: str | None = None,
) -> JobResponse:
    source = (
        SourceResponse(type="url", url=job.source_url)
        if job.source_url is not None
        else SourceResponse(type="upload")
    )
    error = None if job.error is None else JobErrorResponse(**job.error.model_dump())
    response = JobResponse(
        job_id=job.job_id,
        status=visible_status(job),
        stage=job.stage,
        progress_percent=job.progress_percent,
        created_at=job.created_at,
        updated_at=job.updated_at,
        stages=dict(job.stage_timestamps),
        total_segments=job.total_segments,
        completed_segments=job.completed_segments,
        error=error,
        mode=job.options.mode,
        source=source,
        metadata=job.user_metadata,
        detection=job.detection,
        analysis=job.analysis,
    )
    if not with_links:
        return response
    links = _output_links(context, job)
    frames = _frames(context, job, links, frames_limit, frames_cursor)
    return response.model_copy(update={"outputs": links, "frames": frames})


def _output_links(context: ApiContext, job: Job) -> dict[str, OutputLink]:
    keys: dict[str, tuple[str, str]] = {}
    for name in _JOB_OUTPUTS:
        key = job.outputs.get(name)
        if key is not None:
            keys[name] = (context.output_bucket, key)
    if job.detection is not None:
        for artifact, name in _DETECTION_OUTPUTS.items():
            uri = job.detection.outputs.get(artifact)
            if uri is not None:
                try:
                    keys[name] = parse_s3_uri(uri)
                except InvalidKeyError:
                    continue
    return {
        name: _link(context, bucket, key)
        for name, (bucket, key) in keys.items()
        # Only the job's own folder: a record can never be made to sign someone else's key.
        if key.startswith(f"{JOBS_PREFIX}{job.job_id}/")
    }


def _link(context: ApiContext, bucket: str, key: str) -> OutputLink:
    expires_in = context.settings.download_url_expiry_seconds
    return OutputLink(
        url=context.storage.presigned_get_url(bucket, key, expires_in=expires_in),
        expires_at=context.clock() + timedelta(seconds=expires_in),
    )


def _frames(
    context: ApiContext,
    job: Job,
    links: dict[str, OutputLink],
    limit: int,
    cursor: str | None,
) -> FramesPage | None:
    """The `sam2` crops (`jobs/{id}/frames/frame_NNNN.png`), paginated by frame number."""
    if job.options.mode is not Mode.SAM2 or not job.status.is_final:
        return None
    if not 1 <= limit <= MAX_FRAMES_PAGE:
        raise BadRequest(f"frames_limit must be 1..{MAX_FRAMES_PAGE}")
    after = _frame_cursor(cursor)
    prefix = f"{JOBS_PREFIX}{job.job_id}/frames/"
    numbered = sorted(
        (parsed[1], key)
        for key in context.storage.list_keys(context.output_bucket, prefix)
        if (parsed := parse_frame_key(key)) is not None and parsed[0] == job.job_id
    )
    page = [(n, key) for n, key in numbered if after is None or n > after][:limit]
    primary = job.outputs.get("primary_image")
    items = [
        FrameCrop(
            number=n,
            url=links["primary_image"].url
            if key == primary and "primary_image" in links
            else _link(context, context.output_bucket, key).url,
            primary=key == primary,
        )
        for n, key in page
    ]
    more = bool(page) and numbered[-1][0] > page[-1][0]
    return FramesPage(
        count=len(numbered), items=items, next_cursor=str(page[-1][0]) if more else None
    )


def _frame_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit() or len(cursor) > 9:
        raise BadRequest("frames_cursor is not one that this job handed out")
    return int(cursor)
