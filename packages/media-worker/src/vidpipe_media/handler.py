"""MediaHandler: one reassembly-queue message -> final.mp4, thumbnail, metadata, completed once.

The steps follow docs/reassembly-protocol.md. What makes the effect happen exactly once is
the job record, not this code's memory: a lease per attempt (a claim token per handled
message, never per process, so two messages for one job in one process do not both run), a
lease that expires (so a killed worker never blocks a job), artifacts written under the
attempt's own keys (`attempts/{job_id}/{attempt}/...`), and a `complete` that only the lease
owner of a `reassembling` job can win. The winning `complete` writes, in the same update, the
promotion of its artifacts to the fixed keys and the "completed" webhook into the job's
outbox: the final keys only ever hold the winner's bytes, and metadata.json matches the record.

A job cancelled meanwhile is checked for before the join and again before the outputs are
uploaded; a cancel that lands later still makes `complete` fail: the job lists no outputs, its
staged artifacts are deleted and no webhook goes out.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import ValidationError

from vidpipe_aws import (
    SQS_MAX_VISIBILITY_SECONDS,
    AwsAdapterError,
    BadInput,
    JobStoppedError,
    OutboxDeliverer,
    RetryLater,
    Unparseable,
    bind_log_context,
    ensure_active,
    fault_point,
    log_context,
    log_stopped,
)
from vidpipe_media.assemble import (
    JoinedVideo,
    completions_in_order,
    download_segments,
    join_segments,
)
from vidpipe_media.errors import AnalysisError, BadSegmentError, SegmentsIncompleteError
from vidpipe_media.metadata import build_metadata
from vidpipe_media.primary import find_primary_image
from vidpipe_media.tools import FfmpegMediaTools
from vidpipe_types import (
    ATTEMPTS_PREFIX,
    AnalysisDocument,
    AnalysisState,
    AnalysisStatus,
    JobArtifact,
    JobStatus,
    ReassemblyPayload,
    build_job_output_key,
    utc_now,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from datetime import datetime

    from vidpipe_aws import (
        JobStore,
        ObjectStorage,
        ReceivedMessage,
        SegmentCompletionStore,
        WebhookStatus,
    )
    from vidpipe_media.analysis import Analyzer
    from vidpipe_media.settings import MediaSettings
    from vidpipe_media.tools import MediaTools
    from vidpipe_types import Analysis, Job, SegmentCompletion

logger = logging.getLogger(__name__)

STAGE = JobStatus.REASSEMBLING.value
THUMBNAIL_WIDTH = 320
CONTENT_TYPES = {
    JobArtifact.FINAL: "video/mp4",
    JobArtifact.THUMBNAIL: "image/jpeg",
    JobArtifact.METADATA: "application/json",
    JobArtifact.ANALYSIS: "application/json",
}
#: Keys of `Job.outputs` (and of the webhook's `result.outputs`) for each artifact.
OUTPUT_NAMES = {
    JobArtifact.FINAL: "final",
    JobArtifact.THUMBNAIL: "thumbnail",
    JobArtifact.METADATA: "metadata",
    JobArtifact.ANALYSIS: "analysis",
}
#: Key of `Job.outputs` naming the job's primary image (a frame crop), when it has crops.
PRIMARY_IMAGE_OUTPUT = "primary_image"
#: The analysis status recorded when a job asks for an analysis but no API key is configured.
NO_API_KEY = "GEMINI_API_KEY is not set"


class Notifier(Protocol):
    """Where job-status webhooks go; `vidpipe_aws.webhook.WebhookNotifier` is one."""

    def notify(
        self,
        job_id: str,
        status: WebhookStatus,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None: ...


class MediaHandler:
    """Handles one `ReassemblyPayload` message; safe to call from several threads at once.

    `tools` does the media work (join, probe, thumbnail, metadata); by default ffmpeg under
    the settings' limits.
    """

    def __init__(
        self,
        storage: ObjectStorage,
        jobs: JobStore,
        completions: SegmentCompletionStore,
        settings: MediaSettings,
        *,
        output_bucket: str,
        notifier: Notifier | None = None,
        outbox: OutboxDeliverer | None = None,
        analyzer: Analyzer | None = None,
        worker_id: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        tools: MediaTools | None = None,
    ) -> None:
        self._storage = storage
        self._jobs = jobs
        self._completions = completions
        self._settings = settings
        self._output_bucket = output_bucket
        self._notifier = notifier
        # The winner promotes its staged artifacts itself, before it returns, so that a job
        # read as completed has its outputs at their keys (the worker's deliverer also posts
        # the webhooks; without one, they wait in the outbox for a deliverer that can).
        self._outbox = outbox or OutboxDeliverer(
            jobs, None, storage=storage, output_bucket=output_bucket, clock=clock
        )
        self._analyzer = analyzer
        self._worker_id = worker_id or settings.worker_id
        self._clock = clock
        self._tools = tools or FfmpegMediaTools(settings.ffmpeg_limits())

    @property
    def worker_id(self) -> str:
        return self._worker_id

    def __call__(self, message: ReceivedMessage) -> None:
        payload = parse_payload(message.body)
        bind_log_context(job_id=payload.job_id)
        # One token per handling: a redelivery of the same message while this one still runs
        # (its visibility ran out) gets another, and waits for this lease like anyone else.
        token = f"{self._worker_id}:{message.message_id[:12]}:{secrets.token_hex(3)}"
        with log_context(job_id=payload.job_id, stage=STAGE):
            self._handle(payload, token)

    def _handle(self, payload: ReassemblyPayload, token: str) -> None:
        job_id = payload.job_id
        job = self._jobs.get(job_id)
        if job is None:
            logger.warning("reassembly requested for unknown job %s: dropped", job_id)
            return
        if job.status.is_final:
            logger.info("job %s is already %s: duplicate reassembly dropped", job_id, job.status)
            return
        claimed = self._claim(job_id, token)
        if claimed is None:
            return
        if claimed.total_segments != payload.total_segments:
            logger.warning(
                "job %s has %s segments, the message said %d: using the job's",
                job_id,
                claimed.total_segments,
                payload.total_segments,
            )
        try:
            attempt = self._reassemble(claimed, token)
            self._finish(claimed, token, attempt)
        except JobStoppedError as exc:
            log_stopped(exc)
        except BadSegmentError as exc:
            raise BadInput(exc.reason, job_id=job_id, stage=STAGE) from exc
        except Exception as exc:
            # A passing error (S3, DynamoDB, ffmpeg, or completions the trigger counted but a
            # read missed): give the lease back so that whichever worker receives the retry
            # can take the job at once, instead of waiting for the lease to expire.
            self._release(job_id, token)
            if isinstance(exc, SegmentsIncompleteError):
                raise RetryLater(str(exc)) from exc
            raise

    def _release(self, job_id: str, token: str) -> None:
        try:
            released = self._jobs.release_reassembly(job_id, token)
        except Exception:
            logger.exception("could not release the lease of job %s; it expires by itself", job_id)
            return
        if released:
            logger.info("reassembly lease of job %s released after an error", job_id)

    def _claim(self, job_id: str, token: str) -> Job | None:
        """The job with our lease; None when there is nothing left to do; RetryLater while
        another attempt's lease is live (in this process or another)."""
        claimed = self._jobs.claim_reassembly(job_id, token, self._settings.lease_seconds)
        if claimed is not None:
            logger.info("reassembly lease of job %s taken by %s", job_id, token)
            return claimed
        current = self._jobs.get(job_id)
        if current is None or current.status.is_final:
            logger.info("job %s finished meanwhile: duplicate reassembly dropped", job_id)
            return None
        owner, until = current.reassembly_lease_owner, current.reassembly_lease_until
        now = self._clock()
        if owner is not None and until is not None and until > now:
            # Come back when the lease runs out, not sooner: before then only the owner can
            # finish the job, and every early receive brings the message closer to the DLQ.
            remaining = (until - now).total_seconds()
            raise RetryLater(
                f"job {job_id} is being reassembled by {owner} for {remaining:.0f} s more",
                delay_seconds=min(remaining + 1, SQS_MAX_VISIBILITY_SECONDS),
            )
        raise RetryLater(
            f"job {job_id} cannot be reassembled yet (status {current.status}, "
            f"total_segments {current.total_segments})"
        )

    # Reassembling: each step below is one line of `_reassemble`, in order ---------------

    def _reassemble(self, job: Job, token: str) -> Attempt:
        """Join the job's segments and stage its artifacts under this attempt's keys; what
        `complete` needs. Everything local happens in a temporary directory."""
        attempt = Attempt(
            token=token,
            prefix=f"{ATTEMPTS_PREFIX}{job.job_id}/{hashlib.sha256(token.encode()).hexdigest()[:16]}/",
            completed_at=self._clock(),
        )
        total = job.total_segments
        assert total is not None  # claim_reassembly only succeeds with a known total
        ordered = completions_in_order(self._completions, job.job_id, total)
        with self._scratch(job) as directory:
            segments = self._download(ordered, directory)
            ensure_active(self._jobs, job.job_id, before="joining the segments")
            joined = join_segments(segments, directory / "final.mp4", self._tools, ordered)
            thumbnail = self._thumbnail(joined, directory)
            media = self._tools.metadata(joined.final, joined.probe)
            primary = find_primary_image(self._storage, self._output_bucket, job.job_id, total)
            primary_key = None if primary is None else primary.key
            metadata = self._write_metadata(job, media, primary_key, directory, attempt)
            ensure_active(self._jobs, job.job_id, before="uploading the outputs")
            self._upload_outputs(
                job,
                {
                    JobArtifact.FINAL: joined.final,
                    JobArtifact.THUMBNAIL: thumbnail,
                    JobArtifact.METADATA: metadata,
                },
                attempt,
            )
            if primary_key is not None:
                attempt.outputs[PRIMARY_IMAGE_OUTPUT] = primary_key
            fault_point("media.uploaded")
            self._run_analysis(job, joined.final, media, directory, attempt)
        attempt.media = media
        return attempt

    @contextmanager
    def _scratch(self, job: Job) -> Iterator[Path]:
        work_dir = self._settings.work_dir
        if work_dir is not None:
            work_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(
            prefix=f"vidpipe-media-{job.job_id}-", dir=work_dir
        ) as tmp:
            yield Path(tmp)

    def _download(self, ordered: list[SegmentCompletion], directory: Path) -> list[Path]:
        segments = download_segments(self._storage, ordered, directory / "segments")
        fault_point("media.joining")
        return segments

    def _thumbnail(self, joined: JoinedVideo, directory: Path) -> Path:
        path = directory / "thumbnail.jpg"
        self._tools.thumbnail(joined.final, path, width=THUMBNAIL_WIDTH, probed=joined.probe)
        return path

    def _write_metadata(
        self,
        job: Job,
        media: Mapping[str, Any],
        primary_key: str | None,
        directory: Path,
        attempt: Attempt,
    ) -> Path:
        total = job.total_segments
        assert total is not None
        # The moment `complete` records too, so that metadata.json states what the job does.
        document = build_metadata(
            job,
            media,
            segment_count=total,
            completed_at=attempt.completed_at,
            primary_image=primary_key,
        )
        path = directory / "metadata.json"
        path.write_text(json.dumps(document, indent=2, sort_keys=True), encoding="utf-8")
        return path

    def _upload_outputs(self, job: Job, files: dict[JobArtifact, Path], attempt: Attempt) -> None:
        """Stage each artifact under the attempt's key; its fixed key goes in the outputs."""
        for artifact, path in files.items():
            self._stage(job, artifact, path, attempt)

    def _stage(self, job: Job, artifact: JobArtifact, path: Path, attempt: Attempt) -> str:
        key = build_job_output_key(job.job_id, artifact)
        staged = attempt.prefix + artifact.value
        self._storage.upload_file(
            path, self._output_bucket, staged, content_type=CONTENT_TYPES[artifact]
        )
        attempt.outputs[OUTPUT_NAMES[artifact]] = key
        attempt.staged[key] = staged
        return key

    def _run_analysis(
        self, job: Job, final: Path, media: Mapping[str, Any], directory: Path, attempt: Attempt
    ) -> None:
        """The analysis output, when the job asked for one and it was written; its status
        goes on the job with the completion either way (a losing attempt's never does)."""
        if job.options.analyze is None:
            return
        status = self._analyze(job, job.options.analyze, final, media, directory, attempt)
        attempt.analysis = status
        if status.output_key is not None:
            attempt.outputs[OUTPUT_NAMES[JobArtifact.ANALYSIS]] = status.output_key

    def _analyze(
        self,
        job: Job,
        profile: Analysis,
        final: Path,
        media: Mapping[str, Any],
        directory: Path,
        attempt: Attempt,
    ) -> AnalysisStatus:
        """Run the optional analysis stage; its failure is recorded, never raised, so that
        the video job completes whatever the analysis does."""
        if self._analyzer is None:
            logger.info(
                "job %s asked for a %s analysis: skipped, %s", job.job_id, profile, NO_API_KEY
            )
            return AnalysisStatus(state=AnalysisState.SKIPPED, profile=profile, reason=NO_API_KEY)
        depth = job.options.analysis_depth or self._analyzer.depth
        model = self._analyzer.model_for(depth)
        try:
            outcome = self._analyzer.analyze(final, profile, media, depth=depth)
        except AnalysisError as exc:
            logger.warning("analysis of job %s failed: %s", job.job_id, exc.reason)
            reason = exc.reason
        except Exception as exc:
            # An optional stage must not hold final.mp4 hostage: keep the traceback in the log
            # and the reason on the job, and complete the job.
            logger.exception("analysis of job %s failed unexpectedly", job.job_id)
            reason = f"unexpected error: {type(exc).__name__}: {exc}"[:500]
        else:
            document = AnalysisDocument(
                job_id=job.job_id,
                profile=outcome.profile,
                depth=outcome.depth,
                model=outcome.model,
                result=outcome.result,
            )
            path = directory / JobArtifact.ANALYSIS.value
            path.write_text(document.model_dump_json(indent=2), encoding="utf-8")
            key = self._stage(job, JobArtifact.ANALYSIS, path, attempt)
            logger.info("job %s: %s analysis written to %s", job.job_id, profile, key)
            return AnalysisStatus(
                state=AnalysisState.COMPLETED,
                profile=profile,
                depth=outcome.depth,
                model=outcome.model,
                output_key=key,
            )
        return AnalysisStatus(
            state=AnalysisState.FAILED, profile=profile, depth=depth, model=model, reason=reason
        )

    # Completing ---------------------------------------------------------------------------

    def _finish(self, job: Job, token: str, attempt: Attempt) -> None:
        job_id = job.job_id
        media = attempt.media
        result = {
            "duration": media.get("duration"),
            "size_bytes": media.get("size_bytes"),
            "sha256": media.get("sha256"),
        }
        fields: dict[str, Any] = {} if attempt.analysis is None else {"analysis": attempt.analysis}
        won = self._jobs.complete(
            job_id,
            token,
            attempt.outputs,
            staged=attempt.staged,
            completed_at=attempt.completed_at,
            webhook_result=result,
            **fields,
        )
        if not won:
            current = self._jobs.get(job_id)
            if current is None or current.status is JobStatus.CANCELLED:
                logger.info(
                    "job %s was cancelled before it completed: not completed, no webhook",
                    job_id,
                )
            else:
                # Our lease ran out and another attempt took the job over; its `complete` is
                # the one that counts. Our staged artifacts never reach the job's keys.
                logger.warning(
                    "job %s was completed by another attempt; this one discarded", job_id
                )
            self._discard(attempt)
            return
        logger.info(
            "job %s completed",
            job_id,
            extra={"outputs": attempt.outputs, "size_bytes": media.get("size_bytes")},
        )
        fault_point("media.completed")
        try:
            self._outbox.deliver(job_id)
        except AwsAdapterError:
            # The entries stay in the job's outbox: the notifier's background delivery or the
            # sweeper performs them later. The outputs are owed, never lost.
            logger.exception("outbox of job %s not delivered now; it is retried", job_id)
        if self._notifier is not None:
            self._notifier.notify(
                job_id,
                "completed",
                result={"outputs": attempt.outputs, **result},
                metadata=job.user_metadata,
            )

    def _discard(self, attempt: Attempt) -> None:
        for staged in attempt.staged.values():
            try:
                self._storage.delete(self._output_bucket, staged)
            except Exception:
                logger.warning("could not delete %s; left for the bucket's lifecycle", staged)


@dataclass
class Attempt:
    """One handling's claim token and what it staged: final key -> staged key, the outputs
    by name (final keys), the facts of the video, the analysis status and the moment that
    metadata.json and the record both state as `completed_at`."""

    token: str
    prefix: str
    completed_at: datetime
    staged: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    media: Mapping[str, Any] = field(default_factory=dict)
    analysis: AnalysisStatus | None = None


def parse_payload(body: str) -> ReassemblyPayload:
    """The message's ReassemblyPayload; Unparseable when it is anything else."""
    try:
        return ReassemblyPayload.model_validate_json(body)
    except ValidationError as exc:
        raise Unparseable(f"not a ReassemblyPayload: {exc.errors()[0]['msg']}") from exc
