"""DetectionHandler: one DetectionRequest in, `detections.json` and its preview out.

Per request: check the job, download its source video, run the detector (progress on the job
record's `detection` field as frames are processed), upload `jobs/{job_id}/detections.json`
and `jobs/{job_id}/detections-preview.mp4`, then mark the detection stage completed with both
URIs. A redelivery after completion finds the stage completed and its file present and does
nothing; a redelivery after a crash redoes the work (same keys, same content).

Detection runs beside the segment path, so a job may complete before its detection does; a
job that is cancelled (or deleted) stops it: checked before the download, between frames (at
most every CANCEL_CHECK_SECONDS) and before the upload, nothing more is written for it.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from vidpipe_aws import (
    BadInput,
    JobStoppedError,
    NotFoundError,
    RetryLater,
    Unparseable,
    bind_log_context,
    emit_metric,
    log_context,
    log_stopped,
)
from vidpipe_detection.detector import RunOptions
from vidpipe_detection.errors import UnreadableVideoError
from vidpipe_types import (
    DetectionRequest,
    DetectionState,
    DetectionStatus,
    JobArtifact,
    JobStatus,
    build_job_output_key,
    s3_uri,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from vidpipe_aws import JobStore, ObjectStorage, ReceivedMessage
    from vidpipe_detection.detector import Detector
    from vidpipe_detection.settings import DetectionSettings
    from vidpipe_types import DetectionResult, Job

logger = logging.getLogger(__name__)

#: The stage named in logs, on the job record and in a failed job's error.
STAGE = "detection"
JSON_CONTENT_TYPE = "application/json"
PREVIEW_CONTENT_TYPE = "video/mp4"
#: Progress is written at most this often (seconds), and at most ~20 times a job.
PROGRESS_INTERVAL_SECONDS = 5.0
_PROGRESS_STEPS = 20
#: Between frames the job is read at most this often (seconds) to see whether it was cancelled.
CANCEL_CHECK_SECONDS = 1.0
#: Job statuses that end its detection too (a completed job's detection still runs).
_STOPPED = (JobStatus.FAILED, JobStatus.CANCELLED)


class DetectionHandler:
    """The detection-worker's handler: `handler(message)` for each detection queue message."""

    def __init__(
        self,
        *,
        storage: ObjectStorage,
        jobs: JobStore,
        detector: Detector,
        settings: DetectionSettings,
        output_bucket: str,
        input_bucket: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._storage = storage
        self._jobs = jobs
        self._detector = detector
        self._settings = settings
        self._output_bucket = output_bucket
        self._input_bucket = input_bucket
        self._monotonic = monotonic

    def __call__(self, message: ReceivedMessage) -> None:
        try:
            request = DetectionRequest.model_validate_json(message.body)
        except ValidationError as exc:
            raise Unparseable(f"not a DetectionRequest: {exc.errors()[:1]}") from exc
        bind_log_context(job_id=request.job_id)
        with log_context(job_id=request.job_id, stage=STAGE):
            try:
                self.handle(request)
            except JobStoppedError as exc:
                log_stopped(exc)

    def handle(self, request: DetectionRequest) -> None:
        job = self._jobs.get(request.job_id)
        if job is None:
            logger.info("job no longer exists; detection dropped")
            return
        if job.status in _STOPPED:
            logger.info("job is %s; detection dropped", job.status)
            return
        detections_key = build_job_output_key(job.job_id, JobArtifact.DETECTIONS)
        if self._already_done(job, detections_key):
            logger.info("detection already completed; not redone")
            return
        if not self._detector.ready:
            raise RetryLater("detection models are still loading")
        self._process(request, job, detections_key)

    def _already_done(self, job: Job, detections_key: str) -> bool:
        done = job.detection is not None and job.detection.state is DetectionState.COMPLETED
        return done and self._storage.exists(self._output_bucket, detections_key)

    def _process(self, request: DetectionRequest, job: Job, detections_key: str) -> None:
        work_root = self._settings.work_dir
        if work_root is not None:
            work_root.mkdir(parents=True, exist_ok=True)
        options = RunOptions(
            interval_seconds=self._settings.interval_for(request.frame_interval_seconds),
            detect_faces=request.detect_faces,
            detect_poses=request.detect_poses,
        )
        self._set_status(job.job_id, DetectionStatus(state=DetectionState.RUNNING))
        with tempfile.TemporaryDirectory(prefix="vidpipe-detection-", dir=work_root) as tmp:
            work = Path(tmp)
            source = work / "source"
            self._download(request, job, source)
            preview = work / "preview.mp4" if self._settings.preview else None
            result = self._detect(job.job_id, source, options, preview)
            self.check_not_stopped(job.job_id, before="uploading the detections")
            outputs = self._upload(job.job_id, work, result, detections_key, preview)
        frames = result.summary.total_frames
        self._set_status(
            job.job_id,
            DetectionStatus(
                state=DetectionState.COMPLETED,
                frames_processed=frames,
                frames_total=frames,
                progress_percent=100.0,
                outputs=outputs,
            ),
        )
        logger.info(
            "detection done: %d frames, %d faces, %d poses",
            frames,
            result.summary.faces_detected,
            result.summary.poses_detected,
            extra={"processing_time_ms": result.summary.processing_time_ms},
        )
        emit_metric("DetectionProcessingTime", result.summary.processing_time_ms)
        emit_metric("DetectionFrames", frames, "Count")

    def _download(self, request: DetectionRequest, job: Job, path: Path) -> None:
        bucket = job.source_bucket or self._input_bucket or ""
        try:
            self._storage.download_file(bucket, request.source_key, path)
        except NotFoundError as exc:
            reason = f"the source video {s3_uri(bucket, request.source_key)} no longer exists"
            self._fail(job.job_id, reason)
            raise BadInput(reason, job_id=job.job_id, stage=STAGE) from exc

    def _detect(
        self, job_id: str, source: Path, options: RunOptions, preview: Path | None
    ) -> DetectionResult:
        progress = _ProgressWriter(self, job_id, self._monotonic)
        try:
            return self._detector.run(
                source, options, job_id=job_id, preview_path=preview, progress=progress
            )
        except UnreadableVideoError as exc:
            reason = f"the video cannot be decoded for detection: {exc.reason}"
            self._fail(job_id, reason)
            raise BadInput(reason, job_id=job_id, stage=STAGE) from exc

    def _upload(
        self,
        job_id: str,
        work: Path,
        result: DetectionResult,
        detections_key: str,
        preview: Path | None,
    ) -> dict[str, str]:
        outputs: dict[str, str] = {}
        # The preview first and the JSON last: a detections.json always has its preview.
        if preview is not None and preview.is_file():
            key = build_job_output_key(job_id, JobArtifact.DETECTIONS_PREVIEW)
            self._storage.upload_file(
                preview, self._output_bucket, key, content_type=PREVIEW_CONTENT_TYPE
            )
            outputs[JobArtifact.DETECTIONS_PREVIEW.value] = s3_uri(self._output_bucket, key)
        document = work / "detections.json"
        document.write_text(result.model_dump_json(), encoding="utf-8")
        self._storage.upload_file(
            document, self._output_bucket, detections_key, content_type=JSON_CONTENT_TYPE
        )
        outputs[JobArtifact.DETECTIONS.value] = s3_uri(self._output_bucket, detections_key)
        return outputs

    def check_not_stopped(self, job_id: str, *, before: str) -> None:
        """JobStoppedError when the job was cancelled, failed or deleted meanwhile."""
        job = self._jobs.get(job_id)
        if job is None or job.status in _STOPPED:
            raise JobStoppedError(job_id, None if job is None else job.status, before)

    def _fail(self, job_id: str, reason: str) -> None:
        self._set_status(job_id, DetectionStatus(state=DetectionState.FAILED, reason=reason))

    def _set_status(self, job_id: str, status: DetectionStatus) -> None:
        try:
            self._jobs.update_fields(job_id, detection=status)
        except NotFoundError:
            logger.info("job no longer exists; detection status not recorded")

    def record_progress(self, job_id: str, done: int, expected: int | None) -> None:
        percent = min(99.0, round(100 * done / expected, 1)) if expected else 0.0
        status = DetectionStatus(
            state=DetectionState.RUNNING,
            frames_processed=done,
            frames_total=expected,
            progress_percent=percent,
        )
        self._set_status(job_id, status)


class _ProgressWriter:
    """Writes progress to the job record every few seconds or every ~5% of the frames."""

    def __init__(
        self, handler: DetectionHandler, job_id: str, monotonic: Callable[[], float]
    ) -> None:
        self._handler = handler
        self._job_id = job_id
        self._monotonic = monotonic
        self._last_time = monotonic()
        self._last_check = self._last_time
        self._last_done = 0

    def __call__(self, done: int, expected: int | None) -> None:
        now = self._monotonic()
        if now - self._last_check >= CANCEL_CHECK_SECONDS:
            # Raising here stops the detector between two frames.
            self._handler.check_not_stopped(self._job_id, before=f"frame {done + 1}")
            self._last_check = now
        step = max(1, (expected or 0) // _PROGRESS_STEPS)
        due = now - self._last_time >= PROGRESS_INTERVAL_SECONDS
        if done - self._last_done >= step or due:
            self._handler.record_progress(self._job_id, done, expected)
            self._last_time = self._monotonic()
            self._last_done = done
