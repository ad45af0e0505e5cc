"""The outbox deliverer: performs a job's pending outbox entries and clears each one.

A transition writes what it owes (a webhook, the detection request, promoting the winning
attempt's artifacts) into the job record in the same conditional update as the status
(`JobStore.transition`, `complete`, `fail`, `cancel`). This module performs those entries:

- right after the write, in the worker that made it (`deliver_soon`: a background thread,
  retried with backoff while the process lives);
- later, from any sweeper (`sweep`: jobs in the sparse `by-outbox` index, entries older than
  a grace period, so that a live worker's own delivery usually comes first).

An entry is cleared only after it took effect (a 2xx, a sent message, a copied object), so a
kill at any point performs it again later: at least once, never zero times. Each entry keeps
its id (a webhook's event `id`), so a receiver can tell a redelivery. Order within a job is
kept where it matters: a webhook waits for the webhooks and the promotion written before it
(a receiver never sees `job.completed` before `job.processing`, nor before final.mp4 is at
its key). A failed attempt is recorded on the entry (attempts, next attempt, last error);
after `max_attempts` a webhook is given up and logged.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from vidpipe_aws.backoff import backoff_delay
from vidpipe_aws.errors import AwsAdapterError, NotFoundError
from vidpipe_aws.faults import fault_point
from vidpipe_aws.logs import log_context
from vidpipe_types.outbox import OutboxEntry, OutboxKind
from vidpipe_types.timestamps import utc_now

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from vidpipe_aws.jobs import JobStore
    from vidpipe_aws.queue import Queue
    from vidpipe_aws.storage import ObjectStorage
    from vidpipe_aws.webhook import WebhookNotifier
    from vidpipe_types.job import Job

logger = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    """What one pass over a job's outbox did."""

    delivered: list[OutboxEntry] = field(default_factory=list)
    failed: list[OutboxEntry] = field(default_factory=list)
    waiting: list[OutboxEntry] = field(default_factory=list)  # not due, blocked, or not ours
    dropped: list[OutboxEntry] = field(default_factory=list)


class OutboxDeliverer:
    """Delivers outbox entries; see the module docstring. Thread-safe.

    A deliverer performs only what it can: without `detection_queue` it leaves detection
    requests for another, without `storage` it leaves promotions (and the webhooks after them),
    without `webhooks` it leaves webhooks.
    """

    def __init__(
        self,
        jobs: JobStore,
        webhooks: WebhookNotifier | None,
        *,
        detection_queue: Queue | None = None,
        storage: ObjectStorage | None = None,
        output_bucket: str | None = None,
        max_attempts: int = 20,
        backoff_base_seconds: float = 1.0,
        backoff_max_seconds: float = 300.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._jobs = jobs
        self._webhooks = webhooks
        self._detection_queue = detection_queue
        self._storage = storage
        self._bucket = output_bucket
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base_seconds
        self._backoff_max = backoff_max_seconds
        self._clock = clock
        self._due: dict[str, float] = {}  # job id -> monotonic time of its next pass
        self._busy = 0
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    # One pass ---------------------------------------------------------------------------

    def deliver(self, job_id: str, *, min_age: timedelta | None = None) -> DeliveryReport:
        """Perform the job's due entries in order; `min_age` skips entries younger than that
        (a sweeper leaves fresh ones to the worker that wrote them)."""
        report = DeliveryReport()
        job = self._jobs.get(job_id)
        if job is None:
            return report
        now = self._clock()
        blocked_webhooks = False
        with log_context(job_id=job_id):
            for entry in job.pending_entries():
                fresh = min_age is not None and now - entry.created_at < min_age
                not_due = entry.next_attempt_at is not None and entry.next_attempt_at > now
                webhook = entry.kind is OutboxKind.WEBHOOK
                if fresh or not_due or (webhook and blocked_webhooks) or not self._can(entry):
                    report.waiting.append(entry)
                    # Later webhooks wait for this one and for a promotion not yet done.
                    blocked_webhooks = blocked_webhooks or entry.kind is not OutboxKind.DETECTION
                    continue
                error = self._perform(job, entry)
                if error is None:
                    fault_point("outbox.performed")
                    self._jobs.clear_outbox(job_id, entry.id)
                    report.delivered.append(entry)
                    continue
                if webhook and entry.attempts + 1 >= self._max_attempts:
                    logger.error(
                        "webhook %s of job %s dropped after %d attempts: %s",
                        entry.id,
                        job_id,
                        entry.attempts + 1,
                        error,
                    )
                    self._jobs.clear_outbox(job_id, entry.id)
                    report.dropped.append(entry)
                    continue
                self._record_failure(job_id, entry, error, now)
                report.failed.append(entry)
                blocked_webhooks = blocked_webhooks or entry.kind is not OutboxKind.DETECTION
        return report

    def sweep(self, *, min_age: timedelta = timedelta(seconds=0)) -> int:
        """Deliver every job's pending entries older than `min_age`; how many were delivered.
        One job's failure is logged and does not stop the others."""
        delivered = 0
        for job in list(self._jobs.list_outbox_pending()):
            try:
                delivered += len(self.deliver(job.job_id, min_age=min_age).delivered)
            except AwsAdapterError:
                logger.exception("outbox of job %s could not be delivered", job.job_id)
        return delivered

    def _can(self, entry: OutboxEntry) -> bool:
        if entry.kind is OutboxKind.DETECTION:
            return self._detection_queue is not None
        if entry.kind is OutboxKind.PROMOTE:
            return self._storage is not None and self._bucket is not None
        return self._webhooks is not None

    def _perform(self, job: Job, entry: OutboxEntry) -> str | None:
        """Do the entry's effect once; None when it took effect, else what went wrong."""
        try:
            if entry.kind is OutboxKind.WEBHOOK:
                assert self._webhooks is not None
                return self._webhooks.post(entry.body, entry.id)
            if entry.kind is OutboxKind.DETECTION:
                assert self._detection_queue is not None
                self._detection_queue.send(entry.body)
                logger.info("detection requested")
                return None
            self._promote(entry)
            return None
        except (AwsAdapterError, OSError) as exc:
            return f"{type(exc).__name__}: {exc}"

    def _promote(self, entry: OutboxEntry) -> None:
        """Copy each staged artifact of the winning attempt to its final key."""
        assert self._storage is not None and self._bucket is not None
        staged: dict[str, str] = json.loads(entry.body)
        for final_key, staged_key in staged.items():
            try:
                self._storage.copy(self._bucket, staged_key, final_key)
            except NotFoundError:
                # Copied on an earlier pass and cleaned up since: the final key is what counts.
                if not self._storage.exists(self._bucket, final_key):
                    raise
        logger.info("artifacts of the winning attempt promoted", extra={"keys": list(staged)})

    def _record_failure(self, job_id: str, entry: OutboxEntry, error: str, now: datetime) -> None:
        attempts = entry.attempts + 1
        delay = backoff_delay(
            attempts,
            base_seconds=self._backoff_base,
            max_seconds=self._backoff_max,
            jitter="equal",
        )
        logger.warning(
            "%s %s of job %s failed (attempt %d), next in %.1f s: %s",
            entry.kind,
            entry.id,
            job_id,
            attempts,
            delay,
            error,
        )
        retry = entry.model_copy(
            update={
                "attempts": attempts,
                "next_attempt_at": now + timedelta(seconds=delay),
                "last_error": error[:300],
            }
        )
        try:
            self._jobs.record_outbox_attempt(job_id, retry)
        except AwsAdapterError:
            logger.exception("could not record the failed attempt; the entry stays pending")

    # In the background -------------------------------------------------------------------

    def deliver_soon(self, job_id: str) -> None:
        """Deliver the job's outbox on the background thread; returns at once."""
        with self._changed:
            self._due[job_id] = time.monotonic()
            self._ensure_thread()
            self._changed.notify_all()

    def flush(self, timeout_seconds: float = 10.0) -> bool:
        """Wait until no pass is due now or running (used at shutdown); entries retried later
        stay in the outbox for the sweeper."""
        deadline = time.monotonic() + timeout_seconds
        with self._changed:
            while self._busy or any(at <= time.monotonic() for at in self._due.values()):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.05))
        return True

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="outbox", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            with self._changed:
                while not self._due or min(self._due.values()) > time.monotonic():
                    wait = min(self._due.values()) - time.monotonic() if self._due else None
                    self._changed.wait(wait)
                job_id = min(self._due, key=self._due.__getitem__)
                del self._due[job_id]
                self._busy += 1
            try:
                self._pass(job_id)
            finally:
                with self._changed:
                    self._busy -= 1
                    self._changed.notify_all()

    def _pass(self, job_id: str) -> None:
        try:
            report = self.deliver(job_id)
        except Exception:
            # The entries stay in the record; the sweeper delivers them if this process can't.
            logger.exception("outbox delivery of job %s failed", job_id)
            again = self._backoff_max
        else:
            if not report.failed:
                return
            attempts = max(e.attempts for e in report.failed) + 1
            again = backoff_delay(
                attempts,
                base_seconds=self._backoff_base,
                max_seconds=self._backoff_max,
                jitter="none",
            )
        with self._changed:
            due = time.monotonic() + again
            self._due[job_id] = min(self._due.get(job_id, due), due)
