"""The chunking-worker's handler: an upload event becomes a job whose segments are uploaded.

One SQS message holds an S3 event for `input/...`. The handler creates the job (the same job
for a duplicate event), checks the upload, splits it into keyframe-aligned segments, uploads
them as `segments/{job_id}/{index}_{total}_{mode}.mp4` (each upload is an event for the
video-worker), records the total and runs the reassembly trigger. Every step is safe to
repeat: a redelivered message re-does the chunking and re-uploads the same keys.

One attempt chunks a job at a time: it holds the job's chunking lease (a claim token per
handling, naming its SQS message, renewed by every progress write). A duplicate upload event (S3
may deliver any event twice; a multipart upload to the local stack always sends two) that finds
another message's live lease is dropped with a log line instead of splitting and uploading every
segment again: if the holder dies, its own message comes back and takes the job over once the
lease runs out. The holder's own message delivered again means its handling died (the runner
keeps a message hidden while its handling lives): that delivery takes the job over at once.

A job cancelled meanwhile is checked for before the split, before each segment upload and
when the total is recorded: the handler stops there and the job gets no more segments.
"""

from __future__ import annotations

import logging
import math
import re
import secrets
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidpipe_aws import (
    BadInput,
    ConditionFailedError,
    JobStoppedError,
    NotFoundError,
    NotifyingFailureRecorder,
    RetryLater,
    bind_log_context,
    emit_metric,
    ensure_active,
    fault_point,
    log_context,
    log_stopped,
    request_entry,
)
from vidpipe_chunking.source import describe_source
from vidpipe_chunking.splitter import FfmpegSplitter
from vidpipe_ffmpeg import InvalidMediaError
from vidpipe_types import (
    InvalidJobIdError,
    InvalidJobOptionsError,
    Job,
    JobOptions,
    JobStatus,
    OutboxKind,
    build_segment_key,
    derive_job_id,
    detection_request_for,
    is_input_key,
    job_id_from_metadata,
    parse_s3_event_body,
    utc_now,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import datetime

    from vidpipe_aws import (
        JobStore,
        ObjectInfo,
        ObjectStorage,
        Queue,
        ReassemblyTrigger,
        ReceivedMessage,
        WebhookNotifier,
    )
    from vidpipe_chunking.settings import ChunkingSettings
    from vidpipe_chunking.splitter import Splitter
    from vidpipe_ffmpeg import ProbeResult, Segment, SplitResult
    from vidpipe_types import ObjectCreated, OutboxEntry

logger = logging.getLogger(__name__)

STAGE = "chunking"
SEGMENT_CONTENT_TYPE = "video/mp4"
#: Progress writes per job: the stage shows "uploaded k/n segments" about this many times.
PROGRESS_UPDATES = 10
_SAFE_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")
_FINISHED_CHUNKING = (JobStatus.PROCESSING, JobStatus.REASSEMBLING)


class ChunkingHandler:
    """`handler(message)` for the runner; see the module docstring.

    Raises BadInput for an upload that can never be chunked (the runner fails the job with
    the reason); ffmpeg and AWS failures propagate, so the runner retries the message.
    `splitter` does the media work; by default ffmpeg under the settings' limits.
    """

    def __init__(
        self,
        storage: ObjectStorage,
        jobs: JobStore,
        trigger: ReassemblyTrigger,
        settings: ChunkingSettings,
        *,
        detection_queue: Queue | None,
        notifier: WebhookNotifier,
        clock: Callable[[], datetime] = utc_now,
        splitter: Splitter | None = None,
    ) -> None:
        self._storage = storage
        self._jobs = jobs
        self._trigger = trigger
        self._settings = settings
        self._detection_queue = detection_queue
        self._notifier = notifier
        self._clock = clock
        self._splitter = splitter or FfmpegSplitter.from_settings(settings)
        # For the rare message with several records: the runner records the first BadInput,
        # the handler records the others itself.
        self._failures = NotifyingFailureRecorder(jobs, notifier)

    def __call__(self, message: ReceivedMessage) -> None:
        events = parse_s3_event_body(message.body)
        if not events:
            logger.info("nothing to chunk: the message is not an upload event (e.g. s3:TestEvent)")
            return
        # One token per handling, naming the message: a redelivery of this message while this
        # handling still runs gets another token, and knows the lease is its own message's.
        token = f"{message.message_id}:{secrets.token_hex(4)}"
        bad: list[BadInput] = []
        for event in events:
            try:
                self.handle_upload(event, token)
            except BadInput as exc:
                bad.append(exc)
        for extra in bad[1:]:
            if extra.job_id is not None:
                self._failures.fail(extra.job_id, extra.stage or STAGE, extra.reason)
        if bad:
            raise bad[0]

    def handle_upload(self, event: ObjectCreated, token: str | None = None) -> None:
        """Chunk one uploaded object (a no-op for keys outside `input/` and for duplicates).

        `token` names this attempt in the job's chunking lease (a fresh one by default)."""
        token = token or secrets.token_hex(8)
        bucket, key = event.bucket, event.key
        if not is_input_key(key):
            logger.info("skipping s3://%s/%s: not an input key", bucket, key)
            return
        try:
            info = self._storage.head(bucket, key)
        except NotFoundError:
            logger.info("skipping s3://%s/%s: the object no longer exists", bucket, key)
            return
        try:
            job_id = job_id_from_metadata(info.metadata)
        except InvalidJobIdError as exc:
            logger.error(
                "ignoring upload s3://%s/%s: no job can be created for it: %s", bucket, key, exc
            )
            return
        # The version (when the bucket keeps versions) or the ETag of the object as it is now:
        # every event for this object, duplicates included, gives the same job id.
        job_id = job_id or derive_job_id(bucket, key, event.version_id or info.etag)
        bind_log_context(job_id=job_id)
        with log_context(job_id=job_id, stage=STAGE):
            job = self._start(job_id, event, info, token)
            if job is None:
                return
            try:
                self._chunk(job, info, token)
            except JobStoppedError as exc:
                log_stopped(exc)
            except BadInput:
                raise
            except Exception:
                # A passing error (S3, DynamoDB, ffmpeg): the retry takes the job at once
                # instead of waiting for this lease to run out.
                self._release(job_id, token)
                raise

    # Deciding ------------------------------------------------------------------------------

    def _start(self, job_id: str, event: ObjectCreated, info: ObjectInfo, token: str) -> Job | None:
        """Create or find the job and move it to chunking; None when there is nothing to do."""
        options, bad_options = self._read_options(info.metadata)
        new = Job.new(job_id, event.bucket, event.key, options, now=self._clock())
        job, created = self._jobs.create_if_absent(new)
        if created:
            logger.info("job created for s3://%s/%s", event.bucket, event.key)
        if (job.source_bucket, job.source_key) != (event.bucket, event.key):
            logger.error(
                "ignoring upload s3://%s/%s: job id %s already belongs to s3://%s/%s",
                event.bucket,
                event.key,
                job_id,
                job.source_bucket,
                job.source_key,
            )
            return None
        if not self._still_to_chunk(job):
            return None
        if bad_options is not None:
            raise BadInput(str(bad_options), job_id=job_id, stage=STAGE)
        if job.options.mode not in self._settings.deployed_mode_set:
            raise BadInput(
                f"mode {job.options.mode.value} is not deployed in this stack "
                f"(DEPLOYED_MODES={self._settings.deployed_modes})",
                job_id=job_id,
                stage=STAGE,
            )
        return self._claim(job, token)

    def _read_options(self, metadata: Mapping[str, str]) -> tuple[JobOptions, Exception | None]:
        try:
            return JobOptions.from_metadata(metadata, self._settings.default_mode), None
        except InvalidJobOptionsError as exc:
            # The job is still created (with defaults), so the failure has a record to land on.
            return JobOptions(mode=self._settings.default_mode), exc

    def _still_to_chunk(self, job: Job) -> bool:
        """False when there is nothing left to chunk: the job is final, or its chunking
        finished on another delivery (then the reassembly trigger runs again)."""
        if job.status.is_final:
            logger.info("duplicate event: job is already %s", job.status)
            return False
        if job.status in _FINISHED_CHUNKING:
            # Chunking finished on an earlier delivery; evaluating again is harmless and covers
            # a crash between recording the total and running the trigger.
            logger.info("duplicate event: chunking already finished; evaluating reassembly")
            self._trigger.evaluate(job.job_id, "chunking")
            return False
        return True

    def _claim(self, job: Job, token: str) -> Job | None:
        """The job under this attempt's chunking lease; None when there is nothing left to do;
        RetryLater while another attempt's lease is live."""
        lease = self._settings.lease_seconds
        claimed = self._jobs.claim_chunking(job, token, lease, stage="chunking: downloading")
        if claimed is not None:
            if job.status is JobStatus.CHUNKING:
                logger.info("chunking again: the earlier attempt's lease ran out or was released")
            return claimed
        current = self._jobs.get(job.job_id)
        if current is None:
            raise NotFoundError(f"job {job.job_id} vanished while chunking started")
        if not self._still_to_chunk(current):
            return None
        owner, until = current.chunking_lease_owner, current.chunking_lease_until
        now = self._clock()
        if owner is None or until is None or until <= now:
            raise RetryLater(f"job {job.job_id} could not take the chunking lease; trying again")
        if _message_of(owner) != _message_of(token):
            # Another message's attempt chunks the job; its message is the one that recovers
            # the job if that attempt dies, so this duplicate has nothing to add.
            logger.info(
                "duplicate upload event: job is being chunked by attempt %s; dropped", owner
            )
            return None
        # This message's earlier handling holds the lease. The runner keeps a message hidden
        # while its handling lives, so it came back because that handling died (killed, or its
        # heartbeat failed): take the job over now rather than after the lease. Were it alive,
        # it stops at its next progress write; the segments are the same either way.
        taken = self._jobs.claim_chunking(
            current, token, lease, stage="chunking: downloading", take_over_from=owner
        )
        if taken is None:
            raise RetryLater(f"job {job.job_id} changed while its chunking was taken over")
        logger.warning("chunking taken over from attempt %s of this message", owner)
        return taken

    def _release(self, job_id: str, token: str) -> None:
        try:
            self._jobs.release_chunking(job_id, token)
        except Exception:
            logger.exception("could not release the chunking lease of job %s; it expires", job_id)

    # Chunking ------------------------------------------------------------------------------

    def _chunk(self, job: Job, info: ObjectInfo, token: str) -> None:
        self._check_size(job.job_id, info.size)
        work_dir = self._settings.work_dir
        if work_dir is not None:
            work_dir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix=f"chunk-{job.job_id}-", dir=work_dir) as tmp:
            source = Path(tmp) / f"source{_safe_suffix(job.source_key)}"
            size = self._storage.download_file(job.source_bucket, job.source_key, source)
            self._check_size(job.job_id, size)
            fault_point("chunking.downloaded")
            probed = self._probe(job.job_id, source)
            self._set_stage(
                job.job_id,
                token,
                "chunking: splitting",
                before="splitting",
                source_media=describe_source(source, probed),
            )
            result = self._split(job.job_id, source, Path(tmp) / "segments", probed)
            total = len(result.segments)
            logger.info(
                "split %.1f s of %s into %d segments by %s",
                probed.duration,
                probed.video.codec if probed.video else "?",
                total,
                result.strategy,
                extra={"strategy": result.strategy, "total_segments": total},
            )
            self._upload_segments(job, result, token)
        elapsed_ms = (time.perf_counter() - started) * 1000
        emit_metric("ChunkingDuration", elapsed_ms, Worker=STAGE, Strategy=result.strategy)
        emit_metric("SegmentCount", total, "Count", Worker=STAGE, Strategy=result.strategy)
        self._finish(job, total)

    def _check_size(self, job_id: str, size: int) -> None:
        limit = self._settings.max_size_bytes
        if size > limit:
            raise BadInput(
                f"file is {human_size(size)}, over MAX_SIZE_BYTES={limit} ({human_size(limit)})",
                job_id=job_id,
                stage=STAGE,
            )

    def _probe(self, job_id: str, source: Path) -> ProbeResult:
        settings = self._settings
        try:
            probed = self._splitter.probe(source)
            self._splitter.validate(
                probed,
                max_duration_seconds=settings.max_duration_seconds,
                max_size_bytes=settings.max_size_bytes,
                max_width=settings.max_width,
                max_height=settings.max_height,
            )
        except InvalidMediaError as exc:
            raise BadInput(exc.reason, job_id=job_id, stage=STAGE) from exc
        return probed

    def _split(self, job_id: str, source: Path, out_dir: Path, probed: ProbeResult) -> SplitResult:
        try:
            return self._splitter.split(
                source,
                out_dir,
                self._settings.segment_seconds,
                probed,
                strategy=self._settings.split_strategy,
            )
        except InvalidMediaError as exc:
            raise BadInput(exc.reason, job_id=job_id, stage=STAGE) from exc

    def _upload_segments(self, job: Job, result: SplitResult, token: str) -> None:
        """Upload the segments `upload_concurrency` at a time, in index order of submission;
        the first failure stops the rest (the retry uploads the same keys again)."""
        total = len(result.segments)
        every = max(1, math.ceil(total / PROGRESS_UPDATES))
        done = 0

        def upload(segment: Segment) -> None:
            # Each upload is an event a video-worker acts on: none for a cancelled job.
            ensure_active(self._jobs, job.job_id, before=f"uploading segment {segment.index}")
            key = build_segment_key(job.job_id, segment.index, total, job.options.mode)
            self._storage.upload_file(
                segment.path, job.source_bucket, key, content_type=SEGMENT_CONTENT_TYPE
            )
            fault_point("chunking.segment_uploaded")

        concurrency = self._settings.upload_concurrency
        queued = iter(result.segments)
        with ThreadPoolExecutor(concurrency, "segment-upload") as pool:
            # At most `concurrency` in flight, the next submitted after the progress write (the
            # cancel check) that follows a finished one.
            pending = {pool.submit(upload, segment) for segment in islice(queued, concurrency)}
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    future.result()  # the first error (a cancel included) stops the rest
                before, done = done, done + len(finished)
                # The last upload's progress is shown by the move to processing just after.
                if done // every > before // every and done < total:
                    self._set_stage(
                        job.job_id,
                        token,
                        f"chunking: uploaded {done}/{total} segments",
                        before=f"uploading segment {done}",
                    )
                pending |= {
                    pool.submit(upload, segment) for segment in islice(queued, len(finished))
                }

    def _finish(self, job: Job, total: int) -> None:
        try:
            # The `job.processing` webhook and the detection request are written with the
            # status (the job's outbox): a kill after this line delays them, never loses them.
            processing = self._jobs.transition(
                job.job_id,
                from_statuses=(JobStatus.CHUNKING,),
                to_status=JobStatus.PROCESSING,
                outbox=self._detection_request(job),
                webhook_result={"total_segments": total},
                total_segments=total,
            )
        except ConditionFailedError:
            current = self._jobs.get(job.job_id)
            if current is None:
                raise
            # A duplicate delivery recorded the total first (same segments, same keys).
            logger.info("job moved to %s meanwhile; not recording the total again", current.status)
            self._still_to_chunk(current)
            return
        logger.info("chunking done: %d segments uploaded, job processing", total)
        fault_point("chunking.total_recorded")
        # Delivers the job's outbox now (the webhook, the detection request).
        self._notifier.notify(
            job.job_id,
            "processing",
            result={"total_segments": total},
            metadata=job.user_metadata,
        )
        self._trigger.evaluate(job.job_id, "chunking", known=processing)

    def _detection_request(self, job: Job) -> list[OutboxEntry]:
        if not job.options.detect or self._detection_queue is None:
            return []
        # The job's own detection options (interval, faces, poses, tracker), on the upload.
        request = detection_request_for(job)
        return [request_entry(OutboxKind.DETECTION, request.model_dump_json(), self._clock())]

    def _set_stage(
        self, job_id: str, token: str, stage: str, *, before: str, **fields: Any
    ) -> None:
        """Show the stage (and any other fields) and renew the lease, unless the job is final
        by now or another attempt took it over after this lease ran out (then stop:
        JobStoppedError; the other attempt finishes the job)."""
        lease = self._settings.lease_seconds
        if self._jobs.renew_chunking(job_id, token, lease, stage=stage, **fields) is None:
            current = self._jobs.get(job_id)
            raise JobStoppedError(job_id, None if current is None else current.status, before)


def human_size(size: int) -> str:
    """`13207024435` -> `12.3 GiB`, `512` -> `512 bytes`."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def _message_of(token: str) -> str:
    """The SQS message a claim token names (`{message_id}:{random}`)."""
    return token.rpartition(":")[0]


def _safe_suffix(key: str) -> str:
    """The upload's extension when it is a plain one (`.mp4`); ffmpeg probes the content,
    the suffix only keeps the temporary file recognisable."""
    suffix = Path(key).suffix.lower()
    return suffix if _SAFE_SUFFIX.fullmatch(suffix) else ""
