"""The job record: one per uploaded video, stored by the JobStore."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Self

from pydantic import BaseModel, ConfigDict, Field

from vidpipe_types._metadata import normalize_metadata
from vidpipe_types.analysis import Analysis, AnalysisDepth, AnalysisStatus
from vidpipe_types.errors import InvalidJobOptionsError
from vidpipe_types.ids import JobId
from vidpipe_types.media import SourceMedia
from vidpipe_types.modes import Mode, mode_choices, parse_mode
from vidpipe_types.outbox import OutboxEntry, OutboxKind
from vidpipe_types.tenants import TenantId
from vidpipe_types.timestamps import UtcDatetime
from vidpipe_types.user_metadata import UserMetadata

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime


class JobStatus(StrEnum):
    CREATED = "created"
    CHUNKING = "chunking"
    PROCESSING = "processing"
    REASSEMBLING = "reassembling"
    COMPLETED = "completed"
    FAILED = "failed"
    #: Stopped on request (the HTTP API's cancel); workers leave a cancelled job alone.
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        """No transition leaves a final status."""
        return self in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


_TRUE_WORDS = frozenset({"true", "1", "yes"})
_FALSE_WORDS = frozenset({"false", "0", "no"})
#: Longest accepted `prompt-text` (S3 user metadata is small: 2 KB in all).
MAX_PROMPT_TEXT = 200


#: Bounds of a job's own detection frame interval, in seconds.
MIN_DETECTION_INTERVAL_SECONDS = 0.1
MAX_DETECTION_INTERVAL_SECONDS = 60.0


class Tracker(StrEnum):
    """How the detection-worker keeps identities across sampled frames."""

    BYTETRACK = "bytetrack"
    DEEPSORT = "deepsort"


class DetectionOptions(BaseModel):
    """A job's own detection settings, from the HTTP API's ``options.detection`` or the
    upload's ``detect-*`` metadata. None leaves the detection-worker's own setting in force
    (FRAME_INTERVAL_SECONDS, TRACKER)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    frame_interval_seconds: float | None = Field(
        default=None, ge=MIN_DETECTION_INTERVAL_SECONDS, le=MAX_DETECTION_INTERVAL_SECONDS
    )
    faces: bool = True
    poses: bool = True
    tracker: Tracker | None = None

    @classmethod
    def from_metadata(cls, entries: Mapping[str, str]) -> Self | None:
        """``detect-interval`` (seconds), ``detect-faces``, ``detect-poses`` (true/false) and
        ``detect-tracker`` from normalised, lower-cased metadata; None when none is given."""
        given = {name: entries.get(name, "") for name in DETECTION_METADATA_KEYS}
        if not any(given.values()):
            return None
        options = cls(
            frame_interval_seconds=_read_interval(given["detect-interval"]),
            faces=_read_bool(given["detect-faces"], "detect-faces", default=True),
            poses=_read_bool(given["detect-poses"], "detect-poses", default=True),
            tracker=_read_tracker(given["detect-tracker"]),
        )
        if not options.faces and not options.poses:
            raise InvalidJobOptionsError(
                "detect-faces and detect-poses are both false: nothing would be detected; "
                "leave one of them true, or do not ask for detection"
            )
        return options

    def to_metadata(self) -> dict[str, str]:
        metadata = {
            "detect-faces": "true" if self.faces else "false",
            "detect-poses": "true" if self.poses else "false",
        }
        if self.frame_interval_seconds is not None:
            metadata["detect-interval"] = f"{self.frame_interval_seconds:g}"
        if self.tracker is not None:
            metadata["detect-tracker"] = self.tracker.value
        return metadata


#: Upload metadata entries read into DetectionOptions.
DETECTION_METADATA_KEYS = ("detect-interval", "detect-faces", "detect-poses", "detect-tracker")


class JobOptions(BaseModel):
    """What the uploader asked for, from the upload's S3 user metadata (or the HTTP API)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Mode = Mode.PASSTHROUGH
    detect: bool = False
    analyze: Analysis | None = None
    # Where the subject is, for `sam2`: a box (x1, y1, x2, y2) or a point (x, y) in pixels of
    # the source video, or a text ("the product") that a vision model turns into a box.
    prompt_box: tuple[float, float, float, float] | None = None
    prompt_point: tuple[float, float] | None = None
    prompt_text: str | None = Field(default=None, min_length=1, max_length=MAX_PROMPT_TEXT)
    # None keeps the workers' own settings (the detection-worker's FRAME_INTERVAL_SECONDS and
    # TRACKER, the media-worker's ANALYSIS_DEPTH). `detection` comes from the HTTP API or the
    # upload's `detect-*` metadata; `analysis_depth` from the HTTP API only.
    detection: DetectionOptions | None = None
    analysis_depth: AnalysisDepth | None = None

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, str], default_mode: Mode) -> Self:
        """Read ``mode``, ``detect`` (with its ``detect-interval``, ``detect-faces``,
        ``detect-poses``, ``detect-tracker``), ``analyze`` and the ``prompt-box``,
        ``prompt-point`` and ``prompt-text`` of ``sam2`` from user metadata.

        Names are matched case-insensitively, with or without ``x-amz-meta-``; an absent or
        blank entry takes the default. Raises InvalidJobOptionsError naming the bad entry and
        the accepted values.
        """
        raw = {k.replace("_", "-"): v.strip() for k, v in normalize_metadata(metadata).items()}
        entries = {k: v.lower() for k, v in raw.items()}
        detect = _read_detect(entries.get("detect", ""))
        detection = DetectionOptions.from_metadata(entries)
        if detection is not None and not detect:
            # Detection settings without detection are a mistake worth telling, not ignoring.
            raise InvalidJobOptionsError(
                "detect-interval/-faces/-poses/-tracker are set but detect is not: add "
                "detect=true, or leave them out"
            )
        return cls(
            mode=_read_mode(entries.get("mode", ""), default_mode),
            detect=detect,
            detection=detection,
            analyze=_read_analyze(entries.get("analyze", "")),
            prompt_box=_read_box(entries.get("prompt-box", "")),
            prompt_point=_read_point(entries.get("prompt-point", "")),
            # The text keeps its case: it is read by a model, not matched.
            prompt_text=_read_prompt_text(raw.get("prompt-text", "")),
        )

    def to_metadata(self) -> dict[str, str]:
        """The user metadata that ``from_metadata`` reads back as these options."""
        metadata = {"mode": self.mode.value, "detect": "true" if self.detect else "false"}
        if self.analyze is not None:
            metadata["analyze"] = self.analyze.value
        if self.prompt_box is not None:
            metadata["prompt-box"] = ",".join(f"{v:g}" for v in self.prompt_box)
        if self.prompt_point is not None:
            metadata["prompt-point"] = ",".join(f"{v:g}" for v in self.prompt_point)
        if self.prompt_text is not None:
            metadata["prompt-text"] = self.prompt_text
        if self.detect and self.detection is not None:
            metadata.update(self.detection.to_metadata())
        return metadata


def _read_mode(value: str, default: Mode) -> Mode:
    if not value:
        return default
    mode = parse_mode(value)
    if mode is None:
        raise InvalidJobOptionsError(f"unknown mode {value!r}: choose one of {mode_choices()}")
    return mode


def _read_detect(value: str) -> bool:
    if not value:
        return False
    if value in _TRUE_WORDS:
        return True
    if value in _FALSE_WORDS:
        return False
    raise InvalidJobOptionsError(f"invalid detect value {value!r}: use true/false, yes/no or 1/0")


def _read_bool(value: str, name: str, *, default: bool) -> bool:
    if not value:
        return default
    if value in _TRUE_WORDS:
        return True
    if value in _FALSE_WORDS:
        return False
    raise InvalidJobOptionsError(f"invalid {name} value {value!r}: use true/false, yes/no or 1/0")


def _read_interval(value: str) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not MIN_DETECTION_INTERVAL_SECONDS <= seconds <= MAX_DETECTION_INTERVAL_SECONDS:
        raise InvalidJobOptionsError(
            f"invalid detect-interval {value!r}: seconds between sampled frames, from "
            f"{MIN_DETECTION_INTERVAL_SECONDS:g} to {MAX_DETECTION_INTERVAL_SECONDS:g}"
        )
    return seconds


def _read_tracker(value: str) -> Tracker | None:
    if not value:
        return None
    try:
        return Tracker(value)
    except ValueError:
        choices = ", ".join(t.value for t in Tracker)
        raise InvalidJobOptionsError(
            f"unknown detect-tracker {value!r}: choose one of {choices}"
        ) from None


def _read_analyze(value: str) -> Analysis | None:
    if not value:
        return None
    try:
        return Analysis(value)
    except ValueError:
        choices = ", ".join(a.value for a in Analysis)
        raise InvalidJobOptionsError(
            f"unknown analyze value {value!r}: choose one of {choices}, or leave it out"
        ) from None


def _read_numbers(value: str, count: int, name: str, shape: str) -> tuple[float, ...] | None:
    if not value:
        return None
    parts = value.split(",")
    try:
        numbers = tuple(float(part) for part in parts)
    except ValueError:
        numbers = ()
    if len(numbers) != count or not all(0 <= n < 1e6 for n in numbers):
        raise InvalidJobOptionsError(
            f"invalid {name} {value!r}: use {shape}, non-negative pixels of the source video"
        )
    return numbers


def _read_box(value: str) -> tuple[float, float, float, float] | None:
    numbers = _read_numbers(value, 4, "prompt-box", "x1,y1,x2,y2")
    if numbers is None:
        return None
    x1, y1, x2, y2 = numbers
    if x2 <= x1 or y2 <= y1:
        raise InvalidJobOptionsError(
            f"invalid prompt-box {value!r}: x2 must exceed x1 and y2 must exceed y1"
        )
    return x1, y1, x2, y2


def _read_point(value: str) -> tuple[float, float] | None:
    numbers = _read_numbers(value, 2, "prompt-point", "x,y")
    return None if numbers is None else (numbers[0], numbers[1])


def _read_prompt_text(value: str) -> str | None:
    if not value:
        return None
    if len(value) > MAX_PROMPT_TEXT:
        raise InvalidJobOptionsError(
            f"prompt-text is {len(value)} characters long: keep it under {MAX_PROMPT_TEXT + 1}"
        )
    return value


class DetectionState(StrEnum):
    """Where the optional detection stage of a job stands (it runs beside the segment path)."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class DetectionStatus(BaseModel):
    """The detection stage on the job record: frames processed so far, then its outputs
    (artifact name -> S3 URI) or the reason it failed. Kept apart from ``stage``/``outputs``,
    which the segment path owns, so that neither side overwrites the other."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    state: DetectionState
    frames_processed: int = Field(default=0, ge=0)
    frames_total: int | None = Field(default=None, ge=0)
    progress_percent: float = Field(default=0.0, ge=0.0, le=100.0)
    outputs: dict[str, str] = Field(default_factory=dict)
    reason: str | None = None
    # Segment-parallel detection: how many parts the video was split into (None: one pass)
    # and how many have finished; the part that finishes last merges them.
    parts_total: int | None = Field(default=None, ge=1)
    parts_done: int = Field(default=0, ge=0)

    @property
    def ended(self) -> bool:
        return self.state is not DetectionState.RUNNING


class StageState(StrEnum):
    """Where one requested stage of a job stands (`Job.stage_reports`)."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    #: Ended without running: the job failed before it, or the stage had nothing to do.
    SKIPPED = "skipped"

    @property
    def ended(self) -> bool:
        return self in (StageState.COMPLETED, StageState.FAILED, StageState.SKIPPED)


class StageName(StrEnum):
    VIDEO = "video"
    DETECTION = "detection"
    ANALYSIS = "analysis"


class StageReport(BaseModel):
    """One requested stage of a job: its state, the reason when it did not complete, and
    how far it got."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: StageName
    state: StageState
    progress_percent: float = Field(default=0.0, ge=0.0, le=100.0)
    reason: str | None = None


class JobError(BaseModel):
    """Why a job failed: the stage that gave up and a reason a person can act on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stage: str
    reason: str
    #: Set when the job failed because a stage's message dead-lettered (every retry failed):
    #: the queue it waits on, and the status to resume from when an operator redrives it.
    dead_letter_queue: str | None = None
    resume_status: JobStatus | None = None


_PROCESSING_START = 10.0
_PROCESSING_SPAN = 80.0
_FIXED_PROGRESS = {
    JobStatus.CREATED: 0.0,
    JobStatus.CHUNKING: 5.0,
    JobStatus.REASSEMBLING: 95.0,
    JobStatus.COMPLETED: 100.0,
    # A failed job shows no progress; its error says how far it got.
    JobStatus.FAILED: 0.0,
    JobStatus.CANCELLED: 0.0,
}


def progress_for(status: JobStatus, completed: int, total: int | None) -> float:
    """Percent done: created 0, chunking 5, processing 10..90 by completed/total,
    reassembling 95, completed 100, failed and cancelled 0."""
    if status is not JobStatus.PROCESSING:
        return _FIXED_PROGRESS[status]
    if not total or total <= 0:
        return _PROCESSING_START
    fraction = min(max(completed, 0), total) / total
    return round(_PROCESSING_START + _PROCESSING_SPAN * fraction, 2)


class Job(BaseModel):
    """The job record.

    Frozen: stores return updated copies (``model_copy(update=...)``) instead of mutating
    shared instances. ``model_dump(mode="json")`` gives a plain JSON-able dict with ISO-8601
    UTC timestamps, and ``Job.model_validate`` reads it back; unknown stored attributes (such
    as a table's TTL attribute) are ignored on the way in.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    job_id: JobId
    status: JobStatus
    source_bucket: str
    source_key: str
    options: JobOptions = Field(default_factory=JobOptions)
    created_at: UtcDatetime
    updated_at: UtcDatetime
    stage_timestamps: dict[str, UtcDatetime] = Field(default_factory=dict)
    total_segments: int | None = Field(default=None, ge=1)
    completed_segments: int = Field(default=0, ge=0)
    progress_percent: float = Field(default=0.0, ge=0.0, le=100.0)
    stage: str = JobStatus.CREATED.value
    error: JobError | None = None
    outputs: dict[str, str] = Field(default_factory=dict)
    reassembly_lease_owner: str | None = None
    reassembly_lease_until: UtcDatetime | None = None
    completed_at: UtcDatetime | None = None
    detection: DetectionStatus | None = None
    analysis: AnalysisStatus | None = None
    # Jobs created through the HTTP API: whose job it is (another tenant's request answers
    # 404), the caller's own string map (passed through untouched), and, for a URL import,
    # the URL the importer fetches into ``source_key``.
    tenant_id: TenantId | None = None
    user_metadata: UserMetadata = Field(default_factory=dict)
    source_url: str | None = None
    # Set by the chunking-worker once the upload is probed: its checksum and display geometry.
    source_media: SourceMedia | None = None
    # Effects owed by transitions (webhooks, the detection request, promoting artifacts),
    # by entry id; see `vidpipe_types.outbox`. `outbox_pending` is set while it holds any.
    outbox: dict[str, OutboxEntry] = Field(default_factory=dict)
    outbox_pending: str | None = None
    # The winning attempt's staged artifacts (name -> key), copied to `outputs` on completion.
    staged_outputs: dict[str, str] = Field(default_factory=dict)

    def pending_entries(self) -> list[OutboxEntry]:
        """The outbox in the order its entries were written."""
        return sorted(self.outbox.values(), key=lambda entry: (entry.seq, entry.id))

    @property
    def outputs_pending(self) -> bool:
        """True between the winning `complete` and the promotion of its staged artifacts to
        the job's keys (milliseconds, or until a sweeper finishes a killed worker's copy)."""
        return any(entry.kind is OutboxKind.PROMOTE for entry in self.outbox.values())

    @property
    def settled(self) -> bool:
        """Final, with every output at its key: what a reader waiting for the job waits for
        (a completed job whose outputs are still being promoted is not settled yet)."""
        return self.status.is_final and not self.outputs_pending

    # The detection merge's lease (segment-parallel detection): who merges the parts, until when.
    detection_merge_owner: str | None = None
    detection_merge_until: UtcDatetime | None = None
    # The chunking lease: which attempt splits the upload, until when (a duplicate upload event
    # waits for it instead of splitting and uploading every segment again).
    chunking_lease_owner: str | None = None
    chunking_lease_until: UtcDatetime | None = None

    def stage_reports(self) -> list[StageReport]:
        """Every stage the job asked for, in order: video (always), detection (``detect``),
        analysis (``analyze``). ``status`` stays the video stage's own (a job is ``completed``
        once its final video is there, whatever detection does); `finished` says whether
        every requested stage has ended."""
        reports = [self._video_report()]
        if self.options.detect:
            reports.append(self._detection_report())
        if self.options.analyze is not None:
            reports.append(self._analysis_report())
        return reports

    @property
    def finished(self) -> bool:
        """Every requested stage has ended: completed, failed (with its reason) or skipped.
        What `vidpipe submit --wait` waits for (with the final video's outputs at their keys:
        see `settled`)."""
        return not self.outputs_pending and all(
            report.state.ended for report in self.stage_reports()
        )

    def _video_report(self) -> StageReport:
        name = StageName.VIDEO
        if self.status is JobStatus.COMPLETED:
            return StageReport(name=name, state=StageState.COMPLETED, progress_percent=100.0)
        if self.status is JobStatus.FAILED:
            reason = f"{self.error.stage}: {self.error.reason}" if self.error else None
            return StageReport(name=name, state=StageState.FAILED, reason=reason)
        if self.status is JobStatus.CANCELLED:
            return StageReport(name=name, state=StageState.FAILED, reason="cancelled")
        state = StageState.PENDING if self.status is JobStatus.CREATED else StageState.RUNNING
        return StageReport(name=name, state=state, progress_percent=self.progress_percent)

    def _stopped_before(self) -> str | None:
        """Why a stage that never started never will: the job failed or was cancelled."""
        if self.status in (JobStatus.FAILED, JobStatus.CANCELLED):
            return f"the job was {self.status.value} before this stage ran"
        return None

    def _detection_report(self) -> StageReport:
        name, status = StageName.DETECTION, self.detection
        if status is None:
            stopped = self._stopped_before()
            if stopped is not None:
                return StageReport(name=name, state=StageState.SKIPPED, reason=stopped)
            return StageReport(name=name, state=StageState.PENDING)
        state = {
            DetectionState.RUNNING: StageState.RUNNING,
            DetectionState.COMPLETED: StageState.COMPLETED,
            DetectionState.FAILED: StageState.FAILED,
        }[status.state]
        return StageReport(
            name=name, state=state, progress_percent=status.progress_percent, reason=status.reason
        )

    def _analysis_report(self) -> StageReport:
        name, status = StageName.ANALYSIS, self.analysis
        if status is None:
            stopped = self._stopped_before()
            if stopped is not None:
                return StageReport(name=name, state=StageState.SKIPPED, reason=stopped)
            return StageReport(name=name, state=StageState.PENDING)
        state = StageState(status.state.value)
        percent = 100.0 if state is StageState.COMPLETED else 0.0
        return StageReport(name=name, state=state, progress_percent=percent, reason=status.reason)

    @classmethod
    def new(
        cls,
        job_id: str,
        source_bucket: str,
        source_key: str,
        options: JobOptions,
        now: datetime,
        *,
        tenant_id: str | None = None,
        user_metadata: Mapping[str, str] | None = None,
        source_url: str | None = None,
        stage: str = JobStatus.CREATED.value,
    ) -> Self:
        """A fresh job in status ``created`` (``now`` must be timezone-aware)."""
        return cls(
            job_id=job_id,
            tenant_id=tenant_id,
            user_metadata=dict(user_metadata or {}),
            source_url=source_url,
            status=JobStatus.CREATED,
            source_bucket=source_bucket,
            source_key=source_key,
            options=options,
            created_at=now,
            updated_at=now,
            stage_timestamps={JobStatus.CREATED.value: now},
            stage=stage,
            progress_percent=progress_for(JobStatus.CREATED, 0, None),
        )
