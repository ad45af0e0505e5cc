"""VideoHandler: one segment event in, one processed segment and its completion out.

Per segment: check the job still wants it, run the mode's model on local files, upload the
output to `jobs/{job_id}/segments/{index}.mp4`, record the SegmentCompletion (a conditional
put: duplicates are no-ops) and then, always, evaluate the reassembly trigger, also on a
redelivery whose completion already existed (see docs/reassembly-protocol.md).

A cancelled job is checked for before each segment and again after the model ran (it can
take minutes), before anything is uploaded: a cancelled job gets no more outputs.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from vidpipe_aws import (
    BadInput,
    JobStoppedError,
    NotFoundError,
    RetryLater,
    bind_log_context,
    emit_metric,
    ensure_active,
    fault_point,
    log_context,
    log_stopped,
)
from vidpipe_ffmpeg import InvalidMediaError, probe
from vidpipe_types import (
    JobStatus,
    SegmentCompletion,
    VideoWorkerPayload,
    build_output_segment_key,
    job_output_prefix,
    parse_s3_event_body,
    parse_s3_uri,
    parse_segment_key,
    s3_uri,
    utc_now,
)
from vidpipe_video.errors import ModelOutputError, SegmentRejectedError, UnknownModelError
from vidpipe_video.models.base import SegmentContext

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from vidpipe_aws import (
        JobStore,
        ObjectStorage,
        ReassemblyTrigger,
        ReceivedMessage,
        SegmentCompletionStore,
    )
    from vidpipe_ffmpeg import ProbeResult
    from vidpipe_types import Job
    from vidpipe_video.models.base import SegmentModel
    from vidpipe_video.models.registry import ModelRegistry
    from vidpipe_video.settings import VideoSettings

logger = logging.getLogger(__name__)

#: The stage named in logs and in a failed job's error.
STAGE = JobStatus.PROCESSING.value
OUTPUT_CONTENT_TYPE = "video/mp4"


class VideoHandler:
    """The video-worker's handler: `handler(message)` for each message of the video queue."""

    def __init__(
        self,
        *,
        storage: ObjectStorage,
        jobs: JobStore,
        completions: SegmentCompletionStore,
        trigger: ReassemblyTrigger,
        registry: ModelRegistry,
        settings: VideoSettings,
        output_bucket: str,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._storage = storage
        self._jobs = jobs
        self._completions = completions
        self._trigger = trigger
        self._registry = registry
        self._settings = settings
        self._output_bucket = output_bucket
        self._clock = clock

    def __call__(self, message: ReceivedMessage) -> None:
        events = parse_s3_event_body(message.body)
        if not events:
            # S3's s3:TestEvent (sent when notifications are configured), removals, or a
            # body that is no S3 notification at all: nothing to process, nothing to retry.
            logger.info("no object-created records in the message; nothing to do")
            return
        for event in events:
            segment = parse_segment_key(event.bucket, event.key)
            if segment is None:
                logger.warning(
                    "not a segment key; skipped", extra={"bucket": event.bucket, "key": event.key}
                )
                continue
            # Bound too, so that the runner's "message finished" line names the job.
            bind_log_context(job_id=segment.job_id)
            with log_context(job_id=segment.job_id, stage=STAGE):
                self.handle_segment(segment)

    def handle_segment(self, segment: VideoWorkerPayload) -> None:
        """Process one segment (or find it processed), then evaluate the reassembly trigger."""
        job = self._jobs.get(segment.job_id)
        if job is None:
            logger.info("job no longer exists; segment %d dropped", segment.segment_index)
            return
        if job.status.is_final:
            logger.info("job is %s; segment %d dropped", job.status, segment.segment_index)
            return
        output_key = build_output_segment_key(segment.job_id, segment.segment_index)
        if self._already_processed(segment, output_key):
            # A redelivery after the completion was written: the work is done, but the
            # trigger may not have run (killed in between), so it runs again below.
            logger.info("segment %d already processed; not redone", segment.segment_index)
        else:
            model = self._model_for(segment)
            try:
                job = self._process(segment, job, model, output_key)
            except JobStoppedError as exc:
                log_stopped(exc)
                return
            fault_point("video.completed")
        # The job as read last in this message: once it has its total, the trigger needs no
        # read of its own.
        self._trigger.evaluate(segment.job_id, "completion", known=job)

    # Steps ---------------------------------------------------------------------------------

    def _already_processed(self, segment: VideoWorkerPayload, output_key: str) -> bool:
        # Both must hold: an output without its completion is a worker killed in between,
        # and redoing the segment (same key, same result) is what the protocol asks for.
        if not self._storage.exists(self._output_bucket, output_key):
            return False
        return any(
            completion.segment_index == segment.segment_index
            for completion in self._completions.list(segment.job_id)
        )

    def _model_for(self, segment: VideoWorkerPayload) -> SegmentModel:
        if not self._registry.ready:
            raise RetryLater("segment models are still loading")
        try:
            return self._registry.get(segment.mode)
        except UnknownModelError as exc:
            # A deployment problem, not the uploader's: another worker (or this one after a
            # configuration fix) may have the mode. A mode that no worker has ends on the DLQ,
            # whose alarm tells an operator.
            enabled = self._settings.enabled_models or "all"
            raise RetryLater(
                f"mode {segment.mode.value!r} is not available on this video-worker "
                f"(ENABLED_MODELS={enabled}; loaded: {', '.join(exc.available) or 'none'})"
            ) from exc

    def _process(
        self, segment: VideoWorkerPayload, job: Job, model: SegmentModel, output_key: str
    ) -> Job:
        """Run the model, upload, record the completion; the job as read before the upload."""
        work_root = self._settings.work_dir
        if work_root is not None:
            # Made here too, not only at start-up: a scratch volume may be emptied under us.
            work_root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="vidpipe-video-", dir=work_root) as tmp:
            work = Path(tmp)
            src, dst = work / "segment.mp4", work / "output.mp4"
            input_bytes = self._download(segment, src)
            scratch = work / "model"
            scratch.mkdir()
            context = SegmentContext(
                job_id=segment.job_id,
                segment_index=segment.segment_index,
                total_segments=segment.total_segments,
                mode=segment.mode.value,
                options=job.options,
                work_dir=scratch,
            )
            fault_point("video.downloaded")
            started = time.perf_counter()
            self._run_model(model, segment, src, dst, context)
            duration_ms = (time.perf_counter() - started) * 1000
            output_bytes = dst.stat().st_size
            output = self._output_probe(model, dst, context)
            job = ensure_active(
                self._jobs, segment.job_id, before=f"uploading segment {segment.segment_index}"
            )
            # Artifacts first and the segment last, then the completion: a completion
            # always means that everything this segment produces is in the bucket.
            self._upload_artifacts(context)
            self._storage.upload_file(
                dst, self._output_bucket, output_key, content_type=OUTPUT_CONTENT_TYPE
            )
        fault_point("video.uploaded")
        self._record_completion(segment, output_key, output)
        mode = segment.mode.value
        logger.info(
            "segment %d of %d processed (%s) in %.0f ms",
            segment.segment_index,
            segment.total_segments,
            mode,
            duration_ms,
            extra={"input_bytes": input_bytes, "output_bytes": output_bytes},
        )
        emit_metric("SegmentProcessingTime", duration_ms, "Milliseconds", Mode=mode)
        emit_metric("SegmentInputBytes", input_bytes, "Bytes", Mode=mode)
        emit_metric("SegmentOutputBytes", output_bytes, "Bytes", Mode=mode)
        return job

    def _download(self, segment: VideoWorkerPayload, path: Path) -> int:
        bucket, key = parse_s3_uri(segment.segment_s3_uri)
        try:
            return self._storage.download_file(bucket, key, path)
        except NotFoundError as exc:
            # Not retryable: nothing re-creates a segment once the chunking-worker is done.
            raise BadInput(
                f"segment {segment.segment_index} of {segment.total_segments} is missing "
                f"from the input bucket ({segment.segment_s3_uri})",
                job_id=segment.job_id,
                stage=STAGE,
            ) from exc

    def _run_model(
        self,
        model: SegmentModel,
        segment: VideoWorkerPayload,
        src: Path,
        dst: Path,
        context: SegmentContext,
    ) -> None:
        try:
            model.process(src, dst, context)
        except (InvalidMediaError, SegmentRejectedError) as exc:
            raise BadInput(
                f"segment {segment.segment_index} of {segment.total_segments}: {exc.reason}",
                job_id=segment.job_id,
                stage=STAGE,
            ) from exc
        if not dst.is_file() or dst.stat().st_size == 0:
            raise ModelOutputError(f"model {model.name!r} wrote no output for {src.name}")

    def _output_probe(self, model: SegmentModel, dst: Path, context: SegmentContext) -> ProbeResult:
        """The output's probe, made here unless the model knew it: one probe per segment on the
        parallel stage instead of two in the single reassembly (its frames and its start)."""
        if context.output_probe is not None:
            return context.output_probe
        try:
            return probe(dst, self._settings.ffmpeg_limits(), with_keyframes=False)
        except InvalidMediaError as exc:
            raise ModelOutputError(
                f"model {model.name!r} wrote an output ffprobe cannot read: {exc.reason}"
            ) from exc

    def _upload_artifacts(self, context: SegmentContext) -> None:
        prefix = job_output_prefix(context.job_id)
        for artifact in context.artifacts:
            # A model only ever writes under its own job's outputs.
            if not artifact.key.startswith(prefix):
                raise ModelOutputError(f"model artifact key {artifact.key!r} is outside {prefix!r}")
            self._storage.upload_file(
                artifact.path,
                self._output_bucket,
                artifact.key,
                content_type=artifact.content_type,
            )

    def _record_completion(
        self, segment: VideoWorkerPayload, output_key: str, output: ProbeResult
    ) -> None:
        completion = SegmentCompletion(
            job_id=segment.job_id,
            segment_index=segment.segment_index,
            output_s3_uri=s3_uri(self._output_bucket, output_key),
            completed_at=self._clock(),
            total_segments=segment.total_segments,
            frame_count=output.video.frame_count if output.video else None,
            start_time=output.start_time,
        )
        if not self._completions.put(completion):
            logger.info("completion of segment %d already recorded", segment.segment_index)
