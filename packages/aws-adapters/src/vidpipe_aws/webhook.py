"""Job-status webhooks: POST `{event, job_id, status, result | error, metadata}` to CALLBACK_URL
on each transition (`event` is the `vidpipe_types.webhooks.WebhookEvent` name, `job.completed`;
`metadata` the job's user metadata, when it has any), and the runner's failure recorder, which
marks a job failed and sends its "failed" webhook.

The target comes from configuration only, never from an upload's metadata, so an upload cannot
make a worker send requests where it should not. Delivery happens on a background thread with
retries and backoff; a webhook that keeps failing is logged and dropped, never failing the job.
"""

from __future__ import annotations

import json
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
from vidpipe_types.webhooks import WebhookEvent, webhook_event_for

if TYPE_CHECKING:
    from collections.abc import Mapping

    from vidpipe_aws.runner.outcomes import BadInput

logger = logging.getLogger(__name__)

WebhookStatus = Literal["processing", "completed", "failed", "cancelled"]


class WebhookNotifier:
    """Sends webhook events in order, each retried with capped exponential backoff."""

    def __init__(
        self,
        url: str | None,
        *,
        attempts: int = 5,
        timeout_seconds: float = 5.0,
        backoff_base_seconds: float = 0.5,
        backoff_max_seconds: float = 30.0,
    ) -> None:
        if url is not None and not url.startswith(("http://", "https://")):
            raise ValueError(f"CALLBACK_URL must be an http(s) URL, got {url!r}")
        self._url = url
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

    def notify(
        self,
        job_id: str,
        status: WebhookStatus,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        metadata: Mapping[str, str] | None = None,
        event: WebhookEvent | None = None,
    ) -> None:
        """Queue one event; returns at once. `event` names it when it is not the job's move
        to `status` (`detection.completed`: an optional stage ended, with `status` its state)."""
        if self._url is None:
            return
        name = event or webhook_event_for(status)
        body: dict[str, Any] = {"job_id": job_id, "status": status}
        if name is not None:
            body = {"event": name.value, **body}
        if result is not None:
            body["result"] = result
        if error is not None:
            body["error"] = error
        if metadata:
            body["metadata"] = dict(metadata)
        self._ensure_thread()
        self._pending.put(body)

    def flush(self, timeout_seconds: float = 10.0) -> bool:
        """Wait until every queued event was delivered or given up on (used at shutdown)."""
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
            error = self._post(event)
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

    def _post(self, event: dict[str, Any]) -> str | None:
        """POST once; return None on a 2xx, else what went wrong."""
        assert self._url is not None
        request = urllib.request.Request(
            self._url,
            data=json.dumps(event).encode(),
            headers={"Content-Type": "application/json", "User-Agent": "vidpipe-webhook"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            return f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            return str(exc)
        return None if 200 <= status < 300 else f"HTTP {status}"


class FailureRecorder(Protocol):
    """Marks a job failed; True when that changed it. The JobStore satisfies it."""

    def fail(self, job_id: str, stage: str, reason: str) -> bool: ...


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

    def fail(self, job_id: str, stage: str, reason: str) -> bool:
        changed = self._jobs.fail(job_id, stage, reason)
        if changed:
            self._notifier.notify(job_id, "failed", error={"stage": stage, "reason": reason})
        return changed
