"""The JobStore port: the job record's rules, written once for every adapter.

The base decides what a change is (legal transitions, progress, timestamps, the reassembly
lease) and under which condition it may be written; an adapter implements four primitives:
put-if-absent, get, a conditional update that returns the new record, and one page of a
by-status query. The in-memory fake and the DynamoDB adapter therefore obey the same rules,
and the same tests run against both.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from vidpipe_aws._conditions import (
    EXISTS,
    Below,
    Condition,
    Equals,
    HasKey,
    IsEmpty,
    IsIn,
    IsSet,
    IsUnset,
    all_of,
    any_of,
)
from vidpipe_aws._edge import AdapterEdge
from vidpipe_aws._paging import Cursor, Page, iterate_pages
from vidpipe_aws.errors import AwsAdapterError, ConditionFailedError, NotFoundError
from vidpipe_aws.retention import KEEP_FOREVER, RecordRetention
from vidpipe_types.job import Job, JobError, JobStatus, progress_for
from vidpipe_types.outbox import OUTBOX_PENDING, OutboxEntry, OutboxKind, new_entry_id
from vidpipe_types.webhooks import WebhookEvent, webhook_document, webhook_event_for

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

S = JobStatus

#: Where each status may go through `transition`. `completed` is reached only through
#: `complete` (lease owner, exactly once); final statuses go nowhere.
#: Any status that is not final may be cancelled (the HTTP API's cancel, through `cancel`).
LEGAL_TRANSITIONS: Mapping[JobStatus, frozenset[JobStatus]] = {
    S.CREATED: frozenset({S.CHUNKING, S.PROCESSING, S.FAILED, S.CANCELLED}),
    S.CHUNKING: frozenset({S.PROCESSING, S.FAILED, S.CANCELLED}),
    S.PROCESSING: frozenset({S.REASSEMBLING, S.FAILED, S.CANCELLED}),
    S.REASSEMBLING: frozenset({S.FAILED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}
CLAIMABLE = (S.PROCESSING, S.REASSEMBLING)
NOT_FINAL = tuple(s for s in JobStatus if not s.is_final)

#: Set only by the store's own operations, never through `update_fields`/`transition` fields.
MANAGED_FIELDS = frozenset(
    {
        "job_id",
        "status",
        "source_bucket",
        "source_key",
        "created_at",
        "updated_at",
        "stage_timestamps",
        "reassembly_lease_owner",
        "reassembly_lease_until",
        "completed_at",
        "outbox",
        "outbox_pending",
        "staged_outputs",
        "detection_merge_owner",
        "detection_merge_until",
        "chunking_lease_owner",
        "chunking_lease_until",
    }
)
_PROGRESS_ATTEMPTS = 5
_OUTPUTS = TypeAdapter(dict[str, str])
#: The fields of a tenant listing's cursor: where the previous page stopped in `by-tenant`.
TENANT_CURSOR_FIELDS = frozenset({"tenant_id", "created_at", "job_id"})
MAX_TENANT_PAGE = 100


def utc_now() -> datetime:
    return datetime.now(UTC)


def _error_body(error: JobError) -> dict[str, Any]:
    """A failure as a webhook reports it: stage and reason (and the dead-letter queue)."""
    return error.model_dump(mode="json", exclude_none=True, exclude={"resume_status"})


class InvalidJobUpdateError(AwsAdapterError, ValueError):
    """A caller asked for an illegal transition or an unknown/invalid field (a bug, not a race)."""


class InvalidCursorError(AwsAdapterError, ValueError):
    """A listing cursor that this store did not hand out for this tenant (the caller's mistake)."""


@dataclass(frozen=True)
class CancelOutcome:
    """What `cancel` found: the job as it is now, and whether this call cancelled it."""

    job: Job
    cancelled_now: bool


@dataclass(frozen=True)
class JobUpdate:
    """Top-level fields to set (None removes the attribute), plus one stage timestamp, plus
    outbox entries to add (or overwrite) and to remove, each by its id."""

    values: dict[str, Any]
    stage_timestamp: tuple[str, datetime] | None = None
    outbox_add: tuple[OutboxEntry, ...] = ()
    outbox_remove: tuple[str, ...] = ()

    def with_outbox(self, entries: Sequence[OutboxEntry]) -> JobUpdate:
        """The same update, also writing `entries` (and marking the outbox pending)."""
        if not entries:
            return self
        return JobUpdate(
            {**self.values, "outbox_pending": OUTBOX_PENDING},
            self.stage_timestamp,
            (*self.outbox_add, *entries),
            self.outbox_remove,
        )


def outbox_seq(now: datetime) -> int:
    """Entry order: microseconds since the epoch, so that a later transition's entries sort
    after an earlier one's whoever writes them."""
    return (now - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def webhook_entry(
    job: Job,
    event: WebhookEvent,
    status: JobStatus,
    now: datetime,
    *,
    seq_offset: int = 0,
    result: Mapping[str, Any] | None = None,
    error: Mapping[str, Any] | None = None,
) -> OutboxEntry:
    """The outbox entry of one webhook event about `job` (its id is the event id)."""
    entry_id = new_entry_id(OutboxKind.WEBHOOK)
    body = webhook_document(
        event_id=entry_id,
        event=event,
        created_at=now,
        job_id=job.job_id,
        status=status,
        metadata=job.user_metadata,
        result=result,
        error=error,
    )
    return OutboxEntry(
        id=entry_id,
        kind=OutboxKind.WEBHOOK,
        seq=outbox_seq(now) + seq_offset,
        created_at=now,
        body=body,
    )


def request_entry(
    kind: OutboxKind, body: str, now: datetime, *, seq_offset: int = 0
) -> OutboxEntry:
    """An outbox entry that is not a webhook (a queue message, a promotion)."""
    return OutboxEntry(
        id=new_entry_id(kind),
        kind=kind,
        seq=outbox_seq(now) + seq_offset,
        created_at=now,
        body=body,
    )


@dataclass
class _Changes:
    now: datetime
    values: dict[str, Any] = field(default_factory=dict)

    def enter(self, status: JobStatus, job: Job | None = None) -> JobUpdate:
        """Move to `status`: stage, progress, updated_at and the stage's timestamp."""
        completed = self.values.get("completed_segments", job.completed_segments if job else 0)
        total = self.values.get("total_segments", job.total_segments if job else None)
        self.values.setdefault("stage", status.value)
        self.values["status"] = status
        self.values["updated_at"] = self.now
        self.values["progress_percent"] = progress_for(status, completed, total)
        return JobUpdate(self.values, (status.value, self.now))


class JobStore(AdapterEdge, ABC):
    """Job records. `clock` returns aware UTC datetimes; tests inject it to move time.
    `retention` stamps each new record with its expiry (the table's TTL attribute)."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = utc_now,
        retention: RecordRetention = KEEP_FOREVER,
    ) -> None:
        self._clock = clock
        self.retention = retention

    def create_if_absent(self, job: Job) -> tuple[Job, bool]:
        """Store `job` unless its id exists; return the stored job and whether it is new."""
        expires_at = self.retention.expires_at(job.created_at)
        with self._edge(f"create job {job.job_id}"):
            if self._put_new(job, expires_at):
                return job, True
        existing = self.get(job.job_id)
        if existing is None:  # only if someone deleted it in between
            raise ConditionFailedError(f"job {job.job_id} vanished while being created")
        return existing, False

    def get(self, job_id: str) -> Job | None:
        with self._edge(f"get job {job_id}"):
            return self._get(job_id)

    def transition(
        self,
        job_id: str,
        *,
        from_statuses: Iterable[JobStatus],
        to_status: JobStatus,
        outbox: Sequence[OutboxEntry] = (),
        webhook_result: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Job:
        """Move a job from one of `from_statuses` to `to_status`, setting `fields` with it.

        The status's webhook event (`job.processing`...) and `outbox` (requests the move
        owes, such as the detection request) are written in the same conditional update.
        ConditionFailedError when the job is in another status (also when it changed in the
        meantime); NotFoundError when there is no such job.
        """
        sources = tuple(JobStatus(s) for s in from_statuses)
        for source in sources:
            if to_status not in LEGAL_TRANSITIONS[source]:
                raise InvalidJobUpdateError(f"illegal transition {source} -> {to_status}")
        job = self._require(job_id)
        if job.status not in sources:
            raise ConditionFailedError(
                f"job {job_id} is {job.status}, not {'/'.join(sources)}: cannot move to {to_status}"
            )
        changes = _Changes(self._clock(), self._checked_fields(job, fields))
        if S.CHUNKING in sources:
            # Leaving chunking ends its lease (the move is the lease's last use).
            changes.values |= {"chunking_lease_owner": None, "chunking_lease_until": None}
        update = changes.enter(to_status, job)
        error = fields.get("error")
        entries = [
            *self._status_events(
                job,
                to_status,
                changes.now,
                result=webhook_result,
                error=None if error is None else _error_body(JobError.model_validate(error)),
            ),
            *outbox,
        ]
        updated = self._write(job_id, update.with_outbox(entries), IsIn("status", sources))
        if updated is None:
            raise ConditionFailedError(f"job {job_id} changed status before {to_status}")
        return updated

    def update_fields(self, job_id: str, **fields: Any) -> Job:
        """Set plain fields (total_segments, outputs, error...) and updated_at; any status."""
        job = self._require(job_id)
        values = self._checked_fields(job, fields)
        now = values["updated_at"] = self._clock()
        updated = self._write(
            job_id, JobUpdate(values).with_outbox(self._field_events(job, values, now)), EXISTS
        )
        if updated is None:
            raise NotFoundError(f"job {job_id} does not exist")
        return updated

    def update_active(self, job_id: str, **fields: Any) -> Job | None:
        """Like `update_fields`, but only while the job is not final: None, changing nothing,
        when it was cancelled, failed or completed (or is gone). A worker's progress write
        thereby doubles as its cancel check and never touches a cancelled job's record."""
        job = self.get(job_id)
        if job is None or job.status.is_final:
            return None
        values = self._checked_fields(job, fields)
        values["updated_at"] = self._clock()
        return self._write(job_id, JobUpdate(values), IsIn("status", NOT_FINAL))

    def record_progress(
        self, job_id: str, completed_segments: int, *, known: Job | None = None
    ) -> bool:
        """Raise completed_segments to this value (never lower it); False when nothing changed.

        Display only: the count is what the trigger decides on. A final job is left alone.
        `known`: the job as the caller read it in this message, used for the first attempt
        instead of reading it again (the write's condition catches any change since).
        """
        for attempt in range(_PROGRESS_ATTEMPTS):
            job = known if attempt == 0 and known is not None else self._require(job_id)
            if job.status.is_final or job.completed_segments >= completed_segments:
                return False
            values: dict[str, Any] = {
                "completed_segments": completed_segments,
                "progress_percent": progress_for(
                    job.status, completed_segments, job.total_segments
                ),
                "updated_at": self._clock(),
            }
            # Tied to the status read, so the percentage matches the status it is shown with.
            condition = all_of(
                Equals("status", job.status), Below("completed_segments", completed_segments)
            )
            if self._write(job_id, JobUpdate(values), condition) is not None:
                return True
        return False

    def fail(
        self, job_id: str, stage: str, reason: str, *, dead_letter_queue: str | None = None
    ) -> bool:
        """Mark a job failed with the stage and a reason a person can act on, and write its
        `job.failed` webhook with it.

        `dead_letter_queue`: the failure is that a stage's message dead-lettered; the job
        remembers the queue and its status, so that a redrive can `reopen` it.
        False, changing nothing, when the job is already completed or failed or does not exist.
        """
        for _ in range(_PROGRESS_ATTEMPTS):
            job = self.get(job_id)
            if job is None or job.status.is_final:
                return False
            error = JobError(
                stage=stage,
                reason=reason,
                dead_letter_queue=dead_letter_queue,
                resume_status=job.status if dead_letter_queue else None,
            )
            changes = _Changes(
                self._clock(),
                {
                    "error": error,
                    "reassembly_lease_owner": None,
                    "reassembly_lease_until": None,
                    "chunking_lease_owner": None,
                    "chunking_lease_until": None,
                },
            )
            update = changes.enter(S.FAILED, job).with_outbox(
                self._status_events(job, S.FAILED, changes.now, error=_error_body(error))
            )
            # Tied to the status read, which the error records as the one to resume from; a
            # job that moved meanwhile is read again.
            if self._write(job_id, update, Equals("status", job.status)) is not None:
                return True
        return False

    def reopen(self, job_id: str) -> Job | None:
        """Undo a dead-letter failure: the job goes back to the status it failed in, so that
        its redriven message is handled again. None when the job is not such a failure (it
        failed for a bad input, completed, or changed meanwhile)."""
        job = self._require(job_id)
        error = job.error
        if job.status is not S.FAILED or error is None or error.resume_status is None:
            return None
        values: dict[str, Any] = {
            "status": error.resume_status,
            "stage": error.resume_status.value,
            "error": None,
            "updated_at": self._clock(),
            "progress_percent": progress_for(
                error.resume_status, job.completed_segments, job.total_segments
            ),
        }
        condition = all_of(Equals("status", S.FAILED), Equals("updated_at", job.updated_at))
        return self._write(job_id, JobUpdate(values), condition)

    def claim_chunking(
        self,
        job: Job,
        owner: str,
        lease_seconds: float,
        *,
        stage: str,
        take_over_from: str | None = None,
    ) -> Job | None:
        """Take the chunking lease of `job` (read by the caller, `created` or `chunking`): the
        job becomes `chunking`, owned by `owner` (one attempt's claim token) until now +
        lease_seconds, showing `stage`.

        Succeeds when the job is still created/chunking and the lease is free, expired or
        already `owner`'s (a retried request whose first try was written but not answered:
        a token names one handling, so it is never another attempt's); None otherwise (another
        attempt holds a live lease, or the job moved on). `take_over_from`: also take a live
        lease held by that token (an earlier handling of the caller's own message, which is
        redelivered only when that handling died). A job that was already chunking keeps the
        timestamp of its first entry. NotFoundError: no job.
        """
        if lease_seconds <= 0:
            raise ValueError(f"lease_seconds must be positive, got {lease_seconds}")
        now = self._clock()
        values: dict[str, Any] = {
            "chunking_lease_owner": owner,
            "chunking_lease_until": now + timedelta(seconds=lease_seconds),
            "stage": stage,
        }
        changes = _Changes(now, values)
        if job.status is S.CREATED:
            update = changes.enter(S.CHUNKING, job)
        else:
            update = JobUpdate({**values, "updated_at": now})
        condition = all_of(
            IsIn("status", (S.CREATED, S.CHUNKING)),
            any_of(
                IsUnset("chunking_lease_owner"),
                IsUnset("chunking_lease_until"),
                Below("chunking_lease_until", now, or_equal=True),
                Equals("chunking_lease_owner", owner),
                *([Equals("chunking_lease_owner", take_over_from)] if take_over_from else []),
            ),
        )
        claimed = self._write(job.job_id, update, condition)
        if claimed is None and self.get(job.job_id) is None:
            raise NotFoundError(f"job {job.job_id} does not exist")
        return claimed

    def renew_chunking(
        self, job_id: str, owner: str, lease_seconds: float, **fields: Any
    ) -> Job | None:
        """Extend `owner`'s chunking lease and set `fields` (the stage, progress) in one write;
        None, changing nothing, when the job is no longer chunking under this lease (cancelled,
        failed, or taken over after the lease ran out): the caller stops."""
        job = self._require(job_id)
        now = self._clock()
        values = self._checked_fields(job, fields)
        values["chunking_lease_until"] = now + timedelta(seconds=lease_seconds)
        values["updated_at"] = now
        condition = all_of(Equals("status", S.CHUNKING), Equals("chunking_lease_owner", owner))
        return self._write(job_id, JobUpdate(values), condition)

    def release_chunking(self, job_id: str, owner: str) -> bool:
        """Give the chunking lease back (after a passing error), so that the retry can take the
        job at once; False when `owner` no longer holds it."""
        values: dict[str, Any] = {
            "chunking_lease_owner": None,
            "chunking_lease_until": None,
            "updated_at": self._clock(),
        }
        condition = all_of(Equals("status", S.CHUNKING), Equals("chunking_lease_owner", owner))
        return self._write(job_id, JobUpdate(values), condition) is not None

    def claim_reassembly(
        self, job_id: str, owner: str, lease_seconds: float, now: datetime | None = None
    ) -> Job | None:
        """Take the reassembly lease: the job becomes `reassembling`, owned by `owner` until
        now + lease_seconds.

        `owner` is a claim token: it names one attempt (one handling of one message), never a
        process, so that a second message for the same job in the same process waits like any
        other. Succeeds when the job is processing/reassembling with a known total and the
        lease is free or expired. None when a live lease is held (by any attempt, the same
        token included: a token is never reused) or the job cannot be reassembled (no total
        yet, completed, failed). NotFoundError: no job.
        """
        if lease_seconds <= 0:
            raise ValueError(f"lease_seconds must be positive, got {lease_seconds}")
        now = now or self._clock()
        changes = _Changes(
            now,
            {
                "reassembly_lease_owner": owner,
                "reassembly_lease_until": now + timedelta(seconds=lease_seconds),
            },
        )
        condition = all_of(
            IsIn("status", CLAIMABLE),
            IsSet("total_segments"),
            any_of(
                IsUnset("reassembly_lease_owner"),
                IsUnset("reassembly_lease_until"),
                Below("reassembly_lease_until", now, or_equal=True),
            ),
        )
        claimed = self._write(job_id, changes.enter(S.REASSEMBLING), condition)
        if claimed is None and self.get(job_id) is None:
            raise NotFoundError(f"job {job_id} does not exist")
        return claimed

    def release_reassembly(self, job_id: str, owner: str) -> bool:
        """Give the lease back early (after a passing error), so that any worker can take the
        job at once instead of waiting for the lease to expire. False when `owner` no longer
        holds it; the job stays `reassembling` either way."""
        values: dict[str, Any] = {
            "reassembly_lease_owner": None,
            "reassembly_lease_until": None,
            "updated_at": self._clock(),
        }
        condition = all_of(
            Equals("status", S.REASSEMBLING), Equals("reassembly_lease_owner", owner)
        )
        return self._write(job_id, JobUpdate(values), condition) is not None

    def complete(
        self,
        job_id: str,
        owner: str,
        outputs: Mapping[str, str],
        *,
        staged: Mapping[str, str] | None = None,
        completed_at: datetime | None = None,
        webhook_result: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> bool:
        """Mark the job completed with its output keys, once: only the lease owner of a
        `reassembling` job succeeds. False when the condition fails (someone else completed it,
        the lease was taken over, or there is no such job).

        `staged` maps each final key to the key this attempt wrote it under: the same update
        writes a promotion entry (copy staged -> final) before the `job.completed` webhook in
        the outbox, so that only the winning attempt's artifacts ever reach the final keys.
        `completed_at` lets the caller record the moment its metadata.json states; `fields`
        are plain fields set with the completion (the analysis status).
        """
        job = self.get(job_id)
        if job is None:
            return False
        now = self._clock()
        done_at = completed_at or now
        checked = self._checked_fields(job, fields)
        changes = _Changes(
            now,
            {
                **checked,
                "outputs": _OUTPUTS.validate_python(dict(outputs)),
                "staged_outputs": _OUTPUTS.validate_python(dict(staged or {})),
                "completed_at": done_at,
                "reassembly_lease_owner": None,
                "reassembly_lease_until": None,
            },
        )
        entries: list[OutboxEntry] = []
        if staged:
            entries.append(request_entry(OutboxKind.PROMOTE, json.dumps(dict(staged)), now))
        result = {"outputs": dict(outputs), **(webhook_result or {})}
        entries += self._status_events(job, S.COMPLETED, now, result=result, offset=1)
        analysis = checked.get("analysis")
        if analysis is not None and analysis.state.value == "completed":
            entries.append(
                webhook_entry(
                    job,
                    WebhookEvent.ANALYSIS_COMPLETED,
                    S.COMPLETED,
                    now,
                    seq_offset=3,
                    result=analysis.model_dump(mode="json", exclude_none=True),
                )
            )
        condition = all_of(
            Equals("status", S.REASSEMBLING), Equals("reassembly_lease_owner", owner)
        )
        update = changes.enter(S.COMPLETED).with_outbox(entries)
        return self._write(job_id, update, condition) is not None

    def claim_detection_merge(
        self, job_id: str, owner: str, lease_seconds: float, now: datetime | None = None
    ) -> bool:
        """Take the lease on merging a segment-parallel detection's parts: True when the lease
        was free, expired, or already `owner`'s, and the detection is not completed. The
        reassembly lease's pattern: every part that finds all parts done tries, one wins, and
        a winner that dies leaves a lease that expires. NotFoundError: no job."""
        if lease_seconds <= 0:
            raise ValueError(f"lease_seconds must be positive, got {lease_seconds}")
        now = now or self._clock()
        values: dict[str, Any] = {
            "detection_merge_owner": owner,
            "detection_merge_until": now + timedelta(seconds=lease_seconds),
            "updated_at": now,
        }
        condition = all_of(
            IsSet("job_id"),  # an update of a missing key would create a record
            any_of(
                IsUnset("detection_merge_owner"),
                IsUnset("detection_merge_until"),
                Below("detection_merge_until", now, or_equal=True),
                Equals("detection_merge_owner", owner),
            ),
        )
        claimed = self._write(job_id, JobUpdate(values), condition)
        if claimed is None and self.get(job_id) is None:
            raise NotFoundError(f"job {job_id} does not exist")
        if claimed is not None and claimed.detection is not None:
            return claimed.detection.state.value != "completed"
        return claimed is not None

    def complete_detection(self, job_id: str, owner: str, detection: Any) -> bool:
        """Record the merged detection (a completed `DetectionStatus`) once: only the merge
        lease's owner succeeds, and the lease is released with it."""
        job = self._require(job_id)
        values = self._checked_fields(job, {"detection": detection})
        now = self._clock()
        events = self._field_events(job, values, now)
        values |= {
            "detection_merge_owner": None,
            "detection_merge_until": None,
            "updated_at": now,
        }
        condition = all_of(IsSet("job_id"), Equals("detection_merge_owner", owner))
        update = JobUpdate(values).with_outbox(events)
        return self._write(job_id, update, condition) is not None

    def cancel(self, job_id: str) -> CancelOutcome:
        """Move a job that is not final to `cancelled`, releasing any reassembly lease.

        Idempotent: a job already cancelled comes back with ``cancelled_now`` False. A job that
        is completed or failed is left alone and comes back as it is (the caller reports its
        status). NotFoundError when there is no such job.
        """
        job = self._require(job_id)
        while not job.status.is_final:
            changes = _Changes(
                self._clock(), {"reassembly_lease_owner": None, "reassembly_lease_until": None}
            )
            update = changes.enter(S.CANCELLED, job)
            events = self._status_events(job, S.CANCELLED, changes.now)
            updated = self._write(job_id, update.with_outbox(events), IsIn("status", NOT_FINAL))
            if updated is not None:
                return CancelOutcome(updated, cancelled_now=True)
            # It became final in the meantime (completed, failed or cancelled elsewhere).
            job = self._require(job_id)
        return CancelOutcome(job, cancelled_now=False)

    # The outbox ---------------------------------------------------------------------------

    def add_outbox(self, job_id: str, entries: Sequence[OutboxEntry]) -> Job:
        """Add entries to a job's outbox whatever its status (an effect owed by a write that
        is not a transition, such as `detection.completed`). NotFoundError: no job."""
        updated = self._write(job_id, JobUpdate({}).with_outbox(entries), EXISTS)
        if updated is None:
            raise NotFoundError(f"job {job_id} does not exist")
        return updated

    def record_outbox_attempt(self, job_id: str, entry: OutboxEntry) -> bool:
        """Store an entry's attempt count, next attempt and last error; False when the entry
        was cleared meanwhile (it was delivered)."""
        update = JobUpdate({}, outbox_add=(entry,))
        return self._write(job_id, update, HasKey("outbox", entry.id)) is not None

    def clear_outbox(self, job_id: str, entry_id: str) -> None:
        """Remove a delivered entry (a no-op when already removed) and, when that emptied the
        outbox, take the job out of the `by-outbox` index. Neither touches `updated_at`: a
        delivery is not progress, and must not keep a stuck job looking fresh."""
        self._write(job_id, JobUpdate({}, outbox_remove=(entry_id,)), EXISTS)
        self._write(job_id, JobUpdate({"outbox_pending": None}), IsEmpty("outbox"))

    def list_outbox_pending(self) -> Iterator[Job]:
        """Jobs whose outbox holds entries (the sparse `by-outbox` index), every page. The
        index lags behind the table: read a job again before acting on what it shows."""

        def fetch(cursor: Cursor | None) -> Page[list[Job]]:
            with self._edge("list jobs with pending outbox entries"):
                return self._outbox_page(cursor)

        for page in iterate_pages(fetch):
            yield from page

    def _field_events(
        self, job: Job, values: Mapping[str, Any], now: datetime
    ) -> list[OutboxEntry]:
        """The webhook a plain field update owes: `detection.completed` or `detection.failed`
        when the detection stage reaches that end (written with that update, like a
        transition's event), once."""
        detection = values.get("detection")
        if detection is None:
            return []
        state = detection.state.value
        if state not in ("completed", "failed"):
            return []
        if job.detection is not None and job.detection.state.value == state:
            return []
        if state == "completed":
            result = detection.model_dump(mode="json", exclude_none=True)
            return [
                webhook_entry(job, WebhookEvent.DETECTION_COMPLETED, job.status, now, result=result)
            ]
        error = {"stage": "detection", "reason": detection.reason}
        return [webhook_entry(job, WebhookEvent.DETECTION_FAILED, job.status, now, error=error)]

    def _status_events(
        self,
        job: Job,
        status: JobStatus,
        now: datetime,
        *,
        result: Mapping[str, Any] | None = None,
        error: Mapping[str, Any] | None = None,
        offset: int = 0,
    ) -> list[OutboxEntry]:
        """The webhook entry a move to `status` owes (none for statuses without an event)."""
        event = webhook_event_for(status)
        if event is None:
            return []
        return [
            webhook_entry(job, event, status, now, seq_offset=offset, result=result, error=error)
        ]

    def delete(self, job_id: str) -> bool:
        """Remove the record; False when there was none."""
        with self._edge(f"delete job {job_id}"):
            return self._delete(job_id)

    def list_for_tenant(
        self,
        tenant_id: str,
        *,
        status: JobStatus | None = None,
        limit: int = 50,
        cursor: Cursor | None = None,
    ) -> Page[list[Job]]:
        """One page of a tenant's jobs, newest first (the `by-tenant` index), and the cursor of
        the next page (None at the end). `status` keeps only jobs in that status.

        A cursor is only valid for the tenant it was handed out to: InvalidCursorError
        otherwise, so that no cursor can reach into another tenant's jobs.
        """
        if not 1 <= limit <= MAX_TENANT_PAGE:
            raise ValueError(f"limit must be 1..{MAX_TENANT_PAGE}, got {limit}")
        if cursor is not None:
            self._check_tenant_cursor(tenant_id, cursor)
        found: list[Job] = []
        while True:
            with self._edge(f"list jobs of tenant {tenant_id}"):
                page, cursor = self._tenant_page(tenant_id, status, limit - len(found), cursor)
            found.extend(page)
            # A status filter is applied after the read: keep reading until the page is full.
            if len(found) >= limit or not cursor:
                return found, cursor

    @staticmethod
    def _check_tenant_cursor(tenant_id: str, cursor: Cursor) -> None:
        if (
            set(cursor) != TENANT_CURSOR_FIELDS
            or not all(isinstance(cursor[name], str) for name in TENANT_CURSOR_FIELDS)
            or cursor["tenant_id"] != tenant_id
        ):
            raise InvalidCursorError("the cursor is not one this listing handed out")

    def list_by_status(
        self, status: JobStatus, *, updated_before: datetime | None = None
    ) -> Iterator[Job]:
        """Jobs in `status`, oldest update first, every page (the `by-status` index).

        `updated_before` keeps only jobs whose updated_at is earlier (the sweeper's staleness).
        """
        status = JobStatus(status)

        def fetch(cursor: Cursor | None) -> Page[list[Job]]:
            with self._edge(f"list {status} jobs"):
                return self._status_page(status, updated_before, cursor)

        for page in iterate_pages(fetch):
            yield from page

    # Helpers -------------------------------------------------------------------------

    def _require(self, job_id: str) -> Job:
        job = self.get(job_id)
        if job is None:
            raise NotFoundError(f"job {job_id} does not exist")
        return job

    def _write(self, job_id: str, update: JobUpdate, condition: Condition) -> Job | None:
        with self._edge(f"update job {job_id}"):
            return self._update(job_id, update, condition)

    @staticmethod
    def _checked_fields(job: Job, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Validate fields as the Job model would, and return their validated values."""
        unknown = set(fields) - set(Job.model_fields)
        managed = set(fields) & MANAGED_FIELDS
        if unknown or managed:
            raise InvalidJobUpdateError(
                f"cannot set {sorted(unknown | managed)} on job {job.job_id}: "
                f"{'unknown' if unknown else 'managed by the store'}"
            )
        try:
            candidate = Job.model_validate({**job.model_dump(), **fields})
        except ValidationError as exc:
            raise InvalidJobUpdateError(f"invalid fields for job {job.job_id}: {exc}") from exc
        return {name: getattr(candidate, name) for name in fields}

    # What an adapter implements --------------------------------------------------------

    @abstractmethod
    def _put_new(self, job: Job, expires_at: int | None) -> bool:
        """Store the job only if its id is absent, with `expires_at` (epoch seconds) as its
        TTL attribute unless None; True when stored."""

    @abstractmethod
    def _get(self, job_id: str) -> Job | None:
        """A strongly consistent read."""

    @abstractmethod
    def _update(self, job_id: str, update: JobUpdate, condition: Condition) -> Job | None:
        """Apply the update if the job exists and `condition` holds; the new job, else None."""

    @abstractmethod
    def _delete(self, job_id: str) -> bool:
        """Remove the record; True when it existed."""

    @abstractmethod
    def _tenant_page(
        self, tenant_id: str, status: JobStatus | None, limit: int, cursor: Cursor | None
    ) -> Page[list[Job]]:
        """Up to `limit` of the tenant's jobs (fewer when `status` filters some out), newest
        created first, and the next cursor: `{tenant_id, created_at, job_id}` or None."""

    @abstractmethod
    def _outbox_page(self, cursor: Cursor | None) -> Page[list[Job]]:
        """One page of jobs with `outbox_pending` set, and the next page's cursor."""

    @abstractmethod
    def _status_page(
        self, status: JobStatus, updated_before: datetime | None, cursor: Cursor | None
    ) -> Page[list[Job]]:
        """One page of jobs in `status` ordered by updated_at, and the next page's cursor."""
