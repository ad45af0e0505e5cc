"""ImportHandler: one `ImportRequest` in, the job's source video uploaded to `input/` out.

The HTTP API creates a URL job (status `created`, stage `importing: queued`) and sends an
`ImportRequest` to the import queue. This handler fetches the URL through
`vidpipe_aws.url_import.import_url` (every address checked, redirects re-checked, size and
time capped) and uploads it to the job's own `input/` key with the job's id in its metadata:
the object's S3 event then starts the chunking-worker exactly as a direct upload does.

A fetch error fails the job at stage `importing` with the fetcher's reason (BadInput: the
runner records it and sends the webhook). A cancelled job is left alone: it is checked before
the fetch, every progress write and before the upload.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from pydantic import ValidationError

from vidpipe_aws import (
    BadInput,
    JobStoppedError,
    Unparseable,
    UrlFetchError,
    bind_log_context,
    ensure_active,
    import_url,
    log_context,
    log_stopped,
    resolve_host,
)
from vidpipe_types import ImportRequest, JobStatus

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from vidpipe_aws import FetchPolicy, JobStore, ObjectStorage, ReceivedMessage
    from vidpipe_types import Job

logger = logging.getLogger(__name__)

STAGE = "importing"


class ImportHandler:
    """`handler(message)` for the runner over the import queue; see the module docstring."""

    def __init__(
        self,
        storage: ObjectStorage,
        jobs: JobStore,
        policy: FetchPolicy,
        *,
        work_dir: Path | None = None,
        progress_interval_seconds: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
        resolve: Callable[[str, int], list[str]] = resolve_host,
    ) -> None:
        self._storage = storage
        self._jobs = jobs
        self._policy = policy
        self._work_dir = work_dir
        self._progress_interval = progress_interval_seconds
        self._monotonic = monotonic
        self._resolve = resolve

    def __call__(self, message: ReceivedMessage) -> None:
        try:
            request = ImportRequest.model_validate_json(message.body)
        except ValidationError as exc:
            raise Unparseable(f"not an ImportRequest: {exc.errors()[0]['msg']}") from exc
        bind_log_context(job_id=request.job_id)
        with log_context(job_id=request.job_id, stage=STAGE):
            try:
                self.handle(request)
            except JobStoppedError as exc:
                log_stopped(exc)

    def handle(self, request: ImportRequest) -> None:
        job = self._jobs.get(request.job_id)
        if job is None:
            logger.info("job no longer exists; import dropped")
            return
        if job.status.is_final:
            logger.info("job is already %s; import dropped", job.status)
            return
        if job.status is not JobStatus.CREATED:
            # A redelivery after the upload: its S3 event has already started the pipeline.
            logger.info("job is %s: already imported; not fetched again", job.status)
            return
        self._check_target(request, job)
        if self._work_dir is not None:
            self._work_dir.mkdir(parents=True, exist_ok=True)
        self._set_stage(request.job_id, f"{STAGE}: fetching")
        progress = _ProgressWriter(self, request.job_id)
        try:
            info = import_url(
                request,
                self._storage,
                self._policy,
                work_dir=self._work_dir,
                progress=progress,
                before_upload=lambda: self._before_upload(request.job_id),
                resolve=self._resolve,
            )
        except UrlFetchError as exc:
            raise BadInput(str(exc), job_id=request.job_id, stage=STAGE) from exc
        logger.info(
            "imported %d bytes to s3://%s/%s", info.size, request.bucket, request.key,
            extra={"size_bytes": info.size},
        )  # fmt: skip

    def _check_target(self, request: ImportRequest, job: Job) -> None:
        """The import may only write the job's own source object, from the job's own URL."""
        if (request.bucket, request.key) != (job.source_bucket, job.source_key):
            raise BadInput(
                f"the import request names s3://{request.bucket}/{request.key}, "
                f"not the job's source s3://{job.source_bucket}/{job.source_key}",
                job_id=job.job_id,
                stage=STAGE,
            )
        if job.source_url is not None and request.source_url != job.source_url:
            raise BadInput(
                "the import request's URL is not the job's source_url",
                job_id=job.job_id,
                stage=STAGE,
            )

    def _before_upload(self, job_id: str) -> None:
        ensure_active(self._jobs, job_id, before="uploading the imported video")
        self._set_stage(job_id, f"{STAGE}: uploading")

    def _set_stage(self, job_id: str, stage: str) -> None:
        if self._jobs.update_active(job_id, stage=stage) is None:
            current = self._jobs.get(job_id)
            raise JobStoppedError(job_id, None if current is None else current.status, stage)

    def record_progress(self, job_id: str, received: int, announced: int | None) -> None:
        of = "" if announced is None else f" of {announced}"
        self._set_stage(job_id, f"{STAGE}: {received}{of} bytes")

    @property
    def progress_interval(self) -> float:
        return self._progress_interval

    def now(self) -> float:
        return self._monotonic()


class _ProgressWriter:
    """Writes the bytes received to the job's stage at most every `progress_interval`
    seconds; each write is also the cancel check (it raises JobStoppedError)."""

    def __init__(self, handler: ImportHandler, job_id: str) -> None:
        self._handler = handler
        self._job_id = job_id
        self._last = handler.now()

    def __call__(self, received: int, announced: int | None) -> None:
        now = self._handler.now()
        if now - self._last >= self._handler.progress_interval:
            self._last = now
            self._handler.record_progress(self._job_id, received, announced)
