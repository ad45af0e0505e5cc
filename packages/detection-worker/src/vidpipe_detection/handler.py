"""DetectionHandler: one DetectionRequest in, `detections.json` and its preview out.

Per request: check the job, download its source video, run the detector (progress on the job
record's `detection` field as frames are processed), upload `jobs/{job_id}/detections.json`
and `jobs/{job_id}/detections-preview.mp4`, then mark the detection stage completed with both
URIs and send the `detection.completed` webhook. A redelivery after completion finds the stage
completed and its file present and does nothing; a redelivery after a crash redoes the work
(same keys, same content).

Segment-parallel: a video longer than 1.5 x DETECTION_PART_SECONDS is split into parts (time
ranges at multiples of the sampling interval). The worker that takes the job's request sends
one part request per part but the first to the detection queue, for whichever detection-worker
is free, and detects the first itself. Each part writes `detection-parts/{index}.json` (its
detections and tracklets): those objects are the parts' completion records. The part that
finds every record present claims the merge lease on the job (conditional write), stitches the
parts (`vidpipe_detection.tracklets.stitch`), writes `detections.json` and completes the stage
conditionally on its lease: one merge, once, whatever order parts finish in or how often a
message is redelivered. Parted jobs write no preview (it would need the frames again).

Detection is optional: a video that cannot be decoded marks the detection stage failed (with
the reason, and the `detection.failed` webhook) and leaves the job and its video result alone.

Detection runs beside the segment path, so a job may complete before its detection does; a
job that is cancelled (or deleted) stops it: checked before the download, between frames (at
most every CANCEL_CHECK_SECONDS) and before the upload, nothing more is written for it.
"""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from vidpipe_aws import (
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
from vidpipe_detection.frames import inspect_video, plan_parts
from vidpipe_detection.tracklets import PartResult, stitch
from vidpipe_types import (
    DetectionRequest,
    DetectionState,
    DetectionStatus,
    JobArtifact,
    JobStatus,
    Tracker,
    build_detection_part_key,
    build_job_output_key,
    s3_uri,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from vidpipe_aws import JobStore, ObjectStorage, Queue, ReceivedMessage, WebhookNotifier
    from vidpipe_detection.detector import Detector
    from vidpipe_detection.settings import DetectionSettings
    from vidpipe_detection.tracklets import Tracklet
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


class _Ended(Exception):
    """The detection stage ended in failure (already recorded): delete the message."""


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
        queue: Queue | None = None,
        notifier: WebhookNotifier | None = None,
        worker_id: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`queue` is the detection queue, where part requests go (None: never split);
        `notifier` sends the detection webhooks."""
        self._queue = queue
        self._notifier = notifier
        self._worker_id = worker_id or f"detection-{uuid.uuid4().hex[:12]}"
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
            except _Ended:
                # Recorded on the job's detection stage; the message is done with.
                return

    def handle(self, request: DetectionRequest) -> None:
        job = self._jobs.get(request.job_id)
        if job is None:
            logger.info("job no longer exists; detection dropped")
            return
        if job.status in _STOPPED:
            logger.info("job is %s; detection dropped", job.status.value)
            if job.detection is None:
                # The stage ends too, so that nobody waits for it.
                reason = f"the job was {job.status.value} before detection ran"
                self._set_status(
                    job.job_id, DetectionStatus(state=DetectionState.FAILED, reason=reason)
                )
            return
        detections_key = build_job_output_key(job.job_id, JobArtifact.DETECTIONS)
        if self._already_done(job, detections_key):
            logger.info("detection already completed; not redone")
            return
        if job.detection is not None and job.detection.state is DetectionState.FAILED:
            logger.info("detection already failed; not redone")
            return
        if not self._detector.ready:
            raise RetryLater("detection models are still loading")
        if request.is_part:
            self._process_part(request, job)
        else:
            self._process(request, job, detections_key)

    def _already_done(self, job: Job, detections_key: str) -> bool:
        done = job.detection is not None and job.detection.state is DetectionState.COMPLETED
        return done and self._storage.exists(self._output_bucket, detections_key)

    def _options(self, request: DetectionRequest) -> RunOptions:
        interval = self._settings.interval_for(
            request.frame_interval_seconds, from_job=request.interval_from_job
        )
        return RunOptions(
            interval_seconds=interval,
            detect_faces=request.detect_faces,
            detect_poses=request.detect_poses,
            tracker=(request.tracker.value if request.tracker else self._settings.tracker),
            reid=self._settings.reid_for(interval),
            max_age_seconds=self._settings.tracking_max_age_seconds,
        )

    def _process(self, request: DetectionRequest, job: Job, detections_key: str) -> None:
        work_root = self._settings.work_dir
        if work_root is not None:
            work_root.mkdir(parents=True, exist_ok=True)
        options = self._options(request)
        self._set_status(job.job_id, DetectionStatus(state=DetectionState.RUNNING))
        with tempfile.TemporaryDirectory(prefix="vidpipe-detection-", dir=work_root) as tmp:
            work = Path(tmp)
            source = work / "source"
            self._download(request.source_key, job, source)
            ranges = self._plan(job.job_id, source, options)
            if len(ranges) > 1:
                self._fan_out(request, job, options, ranges)
                first = self._part_request(request, options, 0, ranges)
                self._detect_part(first, job, source, options)
                return
            preview = work / "preview.mp4" if self._settings.preview else None
            result = self._detect(job.job_id, source, options, preview)
            self.check_not_stopped(job.job_id, before="uploading the detections")
            outputs = self._upload(job.job_id, work, result, detections_key, preview)
        self._completed(job.job_id, result, outputs)

    def _plan(self, job_id: str, source: Path, options: RunOptions) -> list[tuple[int, int]]:
        if self._queue is None or self._settings.detection_part_seconds <= 0:
            return [(0, 0)]
        try:
            info = inspect_video(source, self._settings.ffmpeg_limits())
        except UnreadableVideoError as exc:
            self._fail(job_id, f"the video cannot be decoded for detection: {exc.reason}")
            raise _Ended from exc
        return plan_parts(
            info.duration_seconds, options.interval_seconds, self._settings.detection_part_seconds
        )

    def _part_request(
        self,
        request: DetectionRequest,
        options: RunOptions,
        index: int,
        ranges: list[tuple[int, int]],
    ) -> DetectionRequest:
        start, end = ranges[index]
        # The part carries what this worker resolved, so every part samples and tracks alike
        # whichever worker (and whose settings) takes it.
        return request.model_copy(
            update={
                "frame_interval_seconds": options.interval_seconds,
                "interval_from_job": True,
                "tracker": Tracker(options.tracker),
                "part_index": index,
                "part_count": len(ranges),
                "start_ms": start,
                "end_ms": end,
            }
        )

    def _fan_out(
        self,
        request: DetectionRequest,
        job: Job,
        options: RunOptions,
        ranges: list[tuple[int, int]],
    ) -> None:
        assert self._queue is not None
        status = DetectionStatus(state=DetectionState.RUNNING, parts_total=len(ranges))
        self._set_status(job.job_id, status)
        bodies = [
            self._part_request(request, options, index, ranges).model_dump_json()
            for index in range(1, len(ranges))
        ]
        self._queue.send_batch(bodies)
        logger.info("detection split into %d parts", len(ranges))

    def _process_part(self, request: DetectionRequest, job: Job) -> None:
        options = self._options(request)
        work_root = self._settings.work_dir
        if work_root is not None:
            work_root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="vidpipe-detection-", dir=work_root) as tmp:
            source = Path(tmp) / "source"
            self._download(request.source_key, job, source)
            self._detect_part(request, job, source, options)

    def _detect_part(
        self, request: DetectionRequest, job: Job, source: Path, options: RunOptions
    ) -> None:
        assert request.part_index is not None and request.part_count is not None
        assert request.start_ms is not None and request.end_ms is not None
        part_options = RunOptions(
            **{**options.__dict__, "start_ms": request.start_ms, "end_ms": request.end_ms}
        )
        tracklets: list[Tracklet] = []
        result = self._detect(job.job_id, source, part_options, None, tracklets=tracklets)
        part = PartResult(
            part_index=request.part_index,
            part_count=request.part_count,
            start_ms=request.start_ms,
            end_ms=request.end_ms,
            result=result,
            tracklets=tracklets,
        )
        key = build_detection_part_key(job.job_id, request.part_index)
        self._storage.put_bytes(
            self._output_bucket,
            key,
            part.model_dump_json().encode(),
            content_type=JSON_CONTENT_TYPE,
        )
        logger.info("detection part %d/%d done", request.part_index + 1, request.part_count)
        self._maybe_merge(job.job_id, request.part_count, options)

    def _maybe_merge(self, job_id: str, part_count: int, options: RunOptions) -> None:
        prefix = build_detection_part_key(job_id, 0).rsplit("/", 1)[0] + "/"
        done = sum(1 for _ in self._storage.list_keys(self._output_bucket, prefix))
        if done < part_count:
            self._set_status(
                job_id,
                DetectionStatus(
                    state=DetectionState.RUNNING,
                    parts_total=part_count,
                    parts_done=done,
                    progress_percent=min(99.0, round(100 * done / part_count, 1)),
                ),
            )
            return
        if not self._jobs.claim_detection_merge(
            job_id, self._worker_id, self._settings.merge_lease_seconds
        ):
            logger.info("another worker merges the detection parts")
            return
        parts = [
            PartResult.model_validate_json(
                self._storage.get_bytes(self._output_bucket, build_detection_part_key(job_id, i))
            )
            for i in range(part_count)
        ]
        result = stitch(parts, max_gap_ms=options.max_age_seconds * 1000, job_id=job_id)
        detections_key = build_job_output_key(job_id, JobArtifact.DETECTIONS)
        with tempfile.TemporaryDirectory(
            prefix="vidpipe-detection-", dir=self._settings.work_dir
        ) as tmp:
            outputs = self._upload(job_id, Path(tmp), result, detections_key, None)
        self._completed(job_id, result, outputs, parts=part_count)

    def _completed(
        self,
        job_id: str,
        result: DetectionResult,
        outputs: dict[str, str],
        parts: int | None = None,
    ) -> None:
        frames = result.summary.total_frames
        status = DetectionStatus(
            state=DetectionState.COMPLETED,
            frames_processed=frames,
            frames_total=frames,
            progress_percent=100.0,
            outputs=outputs,
            parts_total=parts,
            parts_done=parts or 0,
        )
        if parts is None:
            self._set_status(job_id, status)
        elif not self._jobs.complete_detection(job_id, self._worker_id, status):
            logger.info("the merge lease was taken over; the other worker completes detection")
            return
        logger.info(
            "detection done: %d frames, %d faces, %d poses",
            frames,
            result.summary.faces_detected,
            result.summary.poses_detected,
            extra={"processing_time_ms": result.summary.processing_time_ms},
        )
        emit_metric("DetectionProcessingTime", result.summary.processing_time_ms)
        emit_metric("DetectionFrames", frames, "Count")
        if self._notifier is not None:
            # The `detection.completed` webhook was written with the status (the job's outbox).
            self._notifier.deliver_outbox(job_id)

    def _download(self, source_key: str, job: Job, path: Path) -> None:
        bucket = job.source_bucket or self._input_bucket or ""
        try:
            self._storage.download_file(bucket, source_key, path)
        except NotFoundError as exc:
            self._fail(
                job.job_id, f"the source video {s3_uri(bucket, source_key)} no longer exists"
            )
            raise _Ended from exc

    def _detect(
        self,
        job_id: str,
        source: Path,
        options: RunOptions,
        preview: Path | None,
        *,
        tracklets: list[Tracklet] | None = None,
    ) -> DetectionResult:
        # Parts run side by side: only the whole-video pass writes frame progress.
        progress = (
            None if options.end_ms is not None else _ProgressWriter(self, job_id, self._monotonic)
        )
        try:
            return self._detector.run(
                source,
                options,
                job_id=job_id,
                preview_path=preview,
                progress=progress,
                tracklets=tracklets,
            )
        except UnreadableVideoError as exc:
            self._fail(job_id, f"the video cannot be decoded for detection: {exc.reason}")
            raise _Ended from exc

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
        """The detection stage failed, alone: the job and its video result are left as they
        are (detection is optional), and the `detection.failed` webhook says why."""
        logger.warning("detection failed: %s", reason)
        self._set_status(job_id, DetectionStatus(state=DetectionState.FAILED, reason=reason))
        if self._notifier is not None:
            # The `detection.failed` webhook was written with the status (the job's outbox).
            self._notifier.deliver_outbox(job_id)

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
