"""Job-status webhooks, signed, and the runner's failure recorder.

Every event is the document of `vidpipe_types.webhooks` (`id`, `type`, `created_at`, `job_id`,
`status`, `metadata`, `result` | `error`), POSTed to CALLBACK_URL with a `Vidpipe-Signature`
header (`vidpipe_aws.signing`) when WEBHOOK_SIGNING_SECRET is set.

In a worker the events come from the job record's outbox: the transition wrote the event
with the status, and `notify` only asks the attached `OutboxDeliverer` to deliver the job's
pending entries now (a kill before that leaves them for the sweeper: at least once). A
notifier without an outbox (a process without a job store) sends the event it is given
directly, at most once. The target comes from configuration only, never from an upload's
metadata, so an upload cannot make a worker send requests where it should not.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any, Literal, Protocol

from vidpipe_aws.backoff import backoff_delay
from vidpipe_aws.errors import ConditionFailedError, NotFoundError
from vidpipe_aws.logs import bind_log_context
from vidpipe_aws.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, sign
from vidpipe_types.outbox import OutboxKind, new_entry_id
from vidpipe_types.timestamps import utc_now
from vidpipe_types.webhooks import webhook_document, webhook_event_for

if TYPE_CHECKING:
    from collections.abc import Mapping

    from vidpipe_aws.runner.outcomes import BadInput


class JobDeliverer(Protocol):
    """What a notifier hands a job's delivery to (`vidpipe_aws.outbox.OutboxDeliverer`)."""

    def deliver_soon(self, job_id: str) -> None: ...

    def flush(self, timeout_seconds: float = 10.0) -> bool: ...


logger = logging.getLogger(__name__)

WebhookStatus = Literal["processing", "completed", "failed", "cancelled"]


class WebhookNotifier:
    """Sends webhook events in order, each retried with capped exponential backoff."""

    def __init__(
        self,
        url: str | None,
        *,
        secret: str | None = None,
        attempts: int = 5,
        timeout_seconds: float = 5.0,
        backoff_base_seconds: float = 0.5,
        backoff_max_seconds: float = 30.0,
    ) -> None:
        if url is not None and not url.startswith(("http://", "https://")):
            raise ValueError(f"CALLBACK_URL must be an http(s) URL, got {url!r}")
        self._url = url
        # Never logged: the settings hold it as a SecretStr, and only `sign` sees its value.
        self._secret = secret or None
        self._outbox: JobDeliverer | None = None
        self._attempts = attempts
        self._timeout = timeout_seconds
        self._backoff_base = backoff_base_seconds
        self._backoff_max = backoff_max_seconds
        self._pending: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._url is not None

    @property
    def signed(self) -> bool:
        return self._secret is not None

    def attach_outbox(self, outbox: JobDeliverer) -> None:
        """From now on `notify` delivers the job's outbox (see the module docstring)."""
        self._outbox = outbox

    def deliver_outbox(self, job_id: str) -> None:
        """Deliver what the job's outbox holds now (an event written by a field update, such
        as `detection.completed`); nothing without an attached outbox."""
        if self._outbox is not None:
            self._outbox.deliver_soon(job_id)

    def notify(
        self,
        job_id: str,
        status: WebhookStatus,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        """Deliver the job's pending events (with an outbox) or queue this one; returns at once."""
        if self._outbox is not None:
            # The transition wrote the event into the job's outbox; deliver from there.
            self._outbox.deliver_soon(job_id)
            return
        if self._url is None:
            return
        name = webhook_event_for(status)
        if name is None:
            return
        event_id = new_entry_id(OutboxKind.WEBHOOK)
        body = webhook_document(
            event_id=event_id,
            event=name,
            created_at=utc_now(),
            job_id=job_id,
            status=status,
            metadata=metadata,
            result=result,
            error=error,
        )
        self._ensure_thread()
        self._pending.put({"job_id": job_id, "status": status, "id": event_id, "body": body})

    def post(self, body: str, event_id: str) -> str | None:
        """POST one event body once, signed now; None on a 2xx, else what went wrong.
        Without a CALLBACK_URL there is nobody to tell: that counts as delivered."""
        if self._url is None:
            return None
        data = body.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "vidpipe-webhook",
            EVENT_ID_HEADER: event_id,
        }
        if self._secret is not None:
            headers[SIGNATURE_HEADER] = sign(self._secret, data)
        request = urllib.request.Request(self._url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            return f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            return str(exc) or type(exc).__name__
        return None if 200 <= status < 300 else f"HTTP {status}"

    def flush(self, timeout_seconds: float = 10.0) -> bool:
        """Wait until every queued event was delivered or given up on (used at shutdown)."""
        if self._outbox is not None:
            return self._outbox.flush(timeout_seconds)
        deadline = time.monotonic() + timeout_seconds
        while self._pending.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.05)
        return self._pending.unfinished_tasks == 0

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._deliver_forever, name="webhook", daemon=True
                )
                self._thread.start()

    def _deliver_forever(self) -> None:
        while True:
            event = self._pending.get()
            try:
                if event is not None:
                    self._deliver(event)
            finally:
                self._pending.task_done()

    def _deliver(self, event: dict[str, Any]) -> None:
        for attempt in range(1, self._attempts + 1):
            error = self.post(event["body"], event["id"])
            if error is None:
                return
            if attempt < self._attempts:
                # Equal jitter: the receiver is retried in place, never back to back.
                delay = backoff_delay(
                    attempt,
                    base_seconds=self._backoff_base,
                    max_seconds=self._backoff_max,
                    jitter="equal",
                )
                time.sleep(delay)
        logger.error(
            "webhook for job %s (%s) dropped after %d attempts: %s",
            event["job_id"],
            event["status"],
            self._attempts,
            error,
        )


#: Per worker: the stage a dead-lettered message fails, and what that message is.
_EXHAUSTED: dict[str, tuple[str, str]] = {
    "chunking-worker": ("chunking", "upload event"),
    "video-worker": ("processing", "segment event"),
    "media-worker": ("reassembling", "reassembly request"),
}


class FailureRecorder(Protocol):
    """Marks a job failed; True when that changed it. The JobStore satisfies it."""

    def fail(
        self, job_id: str, stage: str, reason: str, *, dead_letter_queue: str | None = None
    ) -> bool: ...


class NotifyingFailureRecorder:
    """What becomes of a BadInput: the job is marked failed and, when that changed the job,
    the "failed" webhook goes out.

    The runner calls `record` (see `vidpipe_aws.runner.JobFailureRecorder`); a handler that
    has more than one failure to record calls `fail` for the others. A job that is missing or
    already final is left alone and no second webhook goes out; any other error propagates,
    so that the runner keeps the message and records the failure on a later receive.
    """

    def __init__(self, jobs: FailureRecorder, notifier: WebhookNotifier) -> None:
        self._jobs = jobs
        self._notifier = notifier

    def record(self, bad: BadInput, *, default_stage: str) -> None:
        stage = bad.stage or default_stage
        recorded = False
        if bad.job_id is not None:
            bind_log_context(job_id=bad.job_id)
            try:
                recorded = self.fail(bad.job_id, stage, bad.reason)
            except (NotFoundError, ConditionFailedError):
                logger.warning("job record missing or already final; not marked failed")
        logger.error(
            "bad input, job failed at stage %s: %s",
            stage,
            bad.reason,
            extra={"failed_stage": stage, "recorded": recorded},
        )

    def record_exhausted(
        self, job_id: str, *, worker: str, attempts: int, error: str, queue_url: str
    ) -> None:
        """The message of `job_id` failed its last allowed receive and goes to the dead-letter
        queue: fail the job now, with the stage and the last error, instead of leaving it
        non-final forever. A redrive of the message reopens it (`JobStore.reopen`)."""
        bind_log_context(job_id=job_id)
        if worker not in _EXHAUSTED:
            # The detection stage runs beside the job: its dead letter must not fail the
            # video job (the sweeper's detection bound marks the stage failed).
            logger.error("%s message dead-letters after %d attempts: %s", worker, attempts, error)
            return
        stage, what = _EXHAUSTED[worker]
        queue = queue_url.rstrip("/").rpartition("/")[2]
        reason = (
            f"{stage} failed {attempts} times: {error}; the {what} is on the "
            f"{stage} dead-letter queue ({queue}-dlq)"
        )
        try:
            recorded = self.fail(job_id, stage, reason, dead_letter_queue=queue)
        except (NotFoundError, ConditionFailedError):
            recorded = False
        logger.error(
            "job failed: its message dead-letters: %s",
            reason,
            extra={"failed_stage": stage, "recorded": recorded, "dead_letter_queue": queue},
        )

    def fail(
        self, job_id: str, stage: str, reason: str, *, dead_letter_queue: str | None = None
    ) -> bool:
        if dead_letter_queue is None:
            changed = self._jobs.fail(job_id, stage, reason)
        else:
            changed = self._jobs.fail(job_id, stage, reason, dead_letter_queue=dead_letter_queue)
        if changed:
            self._notifier.notify(
                job_id,
                "failed",
                error={"stage": stage, "reason": reason},
                metadata=self._user_metadata(job_id),
            )
        return changed

    def _user_metadata(self, job_id: str) -> Mapping[str, str] | None:
        """The job's user metadata for the webhook; a store that cannot say sends none."""
        get = getattr(self._jobs, "get", None)
        if get is None:
            return None
        try:
            job = get(job_id)
        except Exception:
            # The failure is recorded; a webhook without metadata beats no webhook.
            logger.warning("could not read job %s for its webhook metadata", job_id)
            return None
        metadata = getattr(job, "user_metadata", None)
        return dict(metadata) if metadata else None
