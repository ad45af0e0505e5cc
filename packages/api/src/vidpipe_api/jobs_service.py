"""Creating, reading, cancelling and deleting a tenant's jobs.

Every read goes through `get_for_tenant`: a job of another tenant is "not found", exactly like
a job that does not exist, so that job ids reveal nothing across tenants.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

from vidpipe_api.errors import (
    BadRequest,
    Conflict,
    NotEnabled,
    NotFound,
    Unavailable,
    Unprocessable,
)
from vidpipe_api.models import VIDEO_CONTENT_TYPES, CreateJobRequest, JobOptionsRequest, UploadForm
from vidpipe_aws import AwsAdapterError, RefusedUrlError, check_url
from vidpipe_types.ids import JOB_ID_METADATA_KEY, is_valid_job_id
from vidpipe_types.job import DetectionOptions, Job, JobOptions, JobStatus
from vidpipe_types.keys import INPUT_PREFIX, job_output_prefix, job_segments_prefix
from vidpipe_types.payloads import ImportRequest

if TYPE_CHECKING:
    from vidpipe_api.context import ApiContext
    from vidpipe_types.modes import Mode

logger = logging.getLogger(__name__)

WAITING_FOR_UPLOAD = "created: waiting for the upload"
WAITING_FOR_IMPORT = "importing: queued"
MAX_IDEMPOTENCY_KEY = 200


def job_options(request: JobOptionsRequest) -> JobOptions:
    prompt, detection, analysis = request.prompt, request.detection, request.analysis
    return JobOptions(
        mode=request.mode,
        detect=detection is not None,
        detection=None
        if detection is None
        else DetectionOptions(
            frame_interval_seconds=detection.frame_interval_seconds,
            faces=detection.faces,
            poses=detection.poses,
        ),
        analyze=None if analysis is None else analysis.profile,
        analysis_depth=None if analysis is None else analysis.depth,
        prompt_box=None if prompt is None else prompt.box,
        prompt_point=None if prompt is None else prompt.point,
        prompt_text=None if prompt is None else prompt.text,
    )


def idempotent_job_id(tenant_id: str, idempotency_key: str) -> str:
    """The same job id for the same tenant and key; other tenants' keys never collide."""
    if not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY or not idempotency_key.isprintable():
        raise BadRequest(f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters")
    encoded = json.dumps([tenant_id, idempotency_key]).encode("utf-8")
    return "i" + hashlib.sha256(encoded).hexdigest()[:23]


class JobsService:
    def __init__(self, context: ApiContext) -> None:
        self._ctx = context

    # Creating ----------------------------------------------------------------------------

    def create(
        self, tenant_id: str, request: CreateJobRequest, idempotency_key: str | None
    ) -> tuple[Job, UploadForm | None, bool]:
        """The job, its upload form (for `upload` jobs still waiting for it) and whether it
        is new. Everything is checked before anything is written."""
        options = job_options(request.options)
        self._check_mode(options.mode)
        if idempotency_key is not None:
            job_id = idempotent_job_id(tenant_id, idempotency_key)
        else:
            job_id = self._ctx.new_job_id()
        if request.upload is not None:
            extension = self._check_content_type(request.upload.content_type)
            job = Job.new(
                job_id,
                self._ctx.input_bucket,
                f"{INPUT_PREFIX}{job_id}/source{extension}",
                options,
                self._ctx.clock(),
                tenant_id=tenant_id,
                user_metadata=request.metadata,
                stage=WAITING_FOR_UPLOAD,
            )
        else:
            assert request.source_url is not None  # the model requires one source
            self._check_source_url(request.source_url)
            job = Job.new(
                job_id,
                self._ctx.input_bucket,
                f"{INPUT_PREFIX}{job_id}/source",
                options,
                self._ctx.clock(),
                tenant_id=tenant_id,
                user_metadata=request.metadata,
                source_url=request.source_url,
                stage=WAITING_FOR_IMPORT,
            )
        stored, created = self._ctx.jobs.create_if_absent(job)
        if not created:
            self._check_same_request(stored, job, tenant_id)
        elif job.source_url is not None:
            self._enqueue_import(job)
        return stored, self._upload_form(stored, request), created

    def _check_mode(self, mode: Mode) -> None:
        deployed = self._ctx.settings.modes
        if mode not in deployed:
            raise Unprocessable(
                f"mode {mode.value!r} is not deployed here; deployed modes:"
                f" {', '.join(sorted(m.value for m in deployed))}"
            )

    @staticmethod
    def _check_content_type(content_type: str) -> str:
        extension = VIDEO_CONTENT_TYPES.get(content_type.strip().lower())
        if extension is None:
            raise Unprocessable(
                f"upload.content_type {content_type[:100]!r} is not an accepted video type;"
                f" use one of {', '.join(VIDEO_CONTENT_TYPES)}"
            )
        return extension

    def _check_source_url(self, url: str) -> None:
        if self._ctx.import_queue is None:
            raise NotEnabled(
                "URL import is not enabled on this deployment (IMPORT_QUEUE_URL is unset);"
                " use `upload` instead"
            )
        try:
            check_url(url, self._ctx.fetch_policy, self._ctx.resolve)
        except RefusedUrlError as exc:
            raise Unprocessable(f"source_url refused: {exc}") from None

    def _enqueue_import(self, job: Job) -> None:
        assert self._ctx.import_queue is not None and job.source_url is not None
        request = ImportRequest(
            job_id=job.job_id,
            source_url=job.source_url,
            bucket=job.source_bucket,
            key=job.source_key,
        )
        try:
            self._ctx.import_queue.send(request.model_dump_json())
        except AwsAdapterError as exc:
            # Nothing half-created: without its import request the job could never start.
            self._ctx.jobs.delete(job.job_id)
            logger.error("import request for job %s not sent: %s", job.job_id, exc)
            raise Unavailable("could not queue the URL import; try again") from exc

    @staticmethod
    def _check_same_request(stored: Job, wanted: Job, tenant_id: str) -> None:
        same = (
            stored.tenant_id == tenant_id
            and stored.options == wanted.options
            and stored.user_metadata == wanted.user_metadata
            and stored.source_url == wanted.source_url
            and stored.source_key == wanted.source_key
        )
        if not same:
            raise Conflict(
                "this Idempotency-Key was used for a different request: use a new key"
                " for a new job",
                job_id=stored.job_id,
            )

    def _upload_form(self, job: Job, request: CreateJobRequest) -> UploadForm | None:
        """A fresh form while the job still waits for its upload (also on a replay)."""
        if request.upload is None or job.status is not JobStatus.CREATED:
            return None
        settings = self._ctx.settings
        content_type = request.upload.content_type.strip().lower()
        form = self._ctx.storage.presigned_post(
            job.source_bucket,
            job.source_key,
            content_type=content_type,
            max_bytes=settings.max_upload_bytes,
            metadata={JOB_ID_METADATA_KEY: job.job_id},
            expires_in=settings.upload_url_expiry_seconds,
        )
        return UploadForm(
            url=form.url,
            fields=form.fields,
            expires_at=form.expires_at,
            max_bytes=settings.max_upload_bytes,
            content_type=content_type,
        )

    # Reading -----------------------------------------------------------------------------

    def get_for_tenant(self, tenant_id: str, job_id: str) -> Job:
        job = self._ctx.jobs.get(job_id) if is_valid_job_id(job_id) else None
        if job is None or job.tenant_id != tenant_id:
            raise NotFound(f"no job {job_id[:80]!r}")
        return job

    def list(
        self, tenant_id: str, status: JobStatus | None, limit: int, cursor: str | None
    ) -> tuple[list[Job], str | None]:
        decoded = None if cursor is None else decode_cursor(cursor)
        jobs, next_cursor = self._ctx.jobs.list_for_tenant(
            tenant_id, status=status, limit=limit, cursor=decoded
        )
        return jobs, None if next_cursor is None else encode_cursor(dict(next_cursor))

    # Cancelling and deleting ---------------------------------------------------------------

    def cancel(self, tenant_id: str, job_id: str) -> Job:
        self.get_for_tenant(tenant_id, job_id)
        job = self._cancel(job_id)
        if job.status is not JobStatus.CANCELLED:
            raise Conflict(
                f"job {job_id} is already {job.status.value}: only a job that is not final"
                " can be cancelled",
                status=job.status.value,
            )
        return job

    def _cancel(self, job_id: str) -> Job:
        outcome = self._ctx.jobs.cancel(job_id)
        if outcome.cancelled_now:
            logger.info("job %s cancelled", job_id)
            self._ctx.notifier.notify(job_id, "cancelled", metadata=outcome.job.user_metadata)
        return outcome.job

    def delete(self, tenant_id: str, job_id: str) -> None:
        """Cancel the job if it still runs, then delete its objects, then its records (last,
        so that a delete that fails half-way can be repeated)."""
        job = self.get_for_tenant(tenant_id, job_id)
        # Stops a running job first (a final one is left as it is), so no worker writes
        # new objects for it while they are being deleted.
        self._cancel(job_id)
        storage = self._ctx.storage
        storage.delete(job.source_bucket, job.source_key)
        storage.delete_prefix(job.source_bucket, job_segments_prefix(job_id))
        storage.delete_prefix(self._ctx.output_bucket, job_output_prefix(job_id))
        self._ctx.completions.delete_job(job_id)
        self._ctx.jobs.delete(job_id)
        logger.info("job %s deleted", job_id)


def encode_cursor(cursor: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursor, sort_keys=True).encode()).decode()


def decode_cursor(text: str) -> dict[str, Any]:
    """A cursor from `encode_cursor`; the job store then checks that it is this tenant's."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(text.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        decoded = None
    if not isinstance(decoded, dict):
        raise BadRequest("cursor is not one that this listing handed out")
    return decoded
