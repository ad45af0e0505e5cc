"""The worker runner: owns the whole life of a queue message, so a worker is only a handler.

Life of a message: long-poll receive (with a short visibility timeout) -> a handler thread ->
a heartbeat that keeps the message hidden while the handler runs -> delete, back off, or
release. On SIGTERM the runner stops receiving, lets in-flight handlers finish within a grace
period, and makes whatever is still running visible again for another worker.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeAlias

from vidpipe_aws.backoff import backoff_delay
from vidpipe_aws.errors import NotFoundError
from vidpipe_aws.logs import current_log_context, emit_metric, log_context
from vidpipe_aws.queue import SQS_MAX_VISIBILITY_SECONDS, ReceivedMessage, clamp_visibility
from vidpipe_aws.runner.health import HealthStatus
from vidpipe_aws.runner.outcomes import BadInput, RetryLater, Unparseable
from vidpipe_aws.runner.protection import TaskProtection

if TYPE_CHECKING:
    from types import FrameType

    from vidpipe_aws.queue import Queue
    from vidpipe_aws.runner.settings import RunnerSettings

logger = logging.getLogger(__name__)

Handler: TypeAlias = Callable[[ReceivedMessage], None]
"""A worker's handler: returns when done, raises a HandlerSignal (or anything) otherwise."""

# A failing receive (endpoint down, throttled) is retried in place with growing pauses;
# capped at a minute so that a worker notices a recovered endpoint soon.
_RECEIVE_RETRY_MAX_SECONDS = 60.0


class JobFailureRecorder(Protocol):
    """Records a BadInput on its job (`vidpipe_aws.NotifyingFailureRecorder` in every worker).

    `default_stage` is the worker's name, for a BadInput that names no stage. Returning means
    recorded, or nothing left to record (the runner deletes the message); raising means try
    again later (the runner backs the message off, so that the failure is not lost).
    """

    def record(self, bad: BadInput, *, default_stage: str) -> None: ...


class ExhaustedRecorder(Protocol):
    """Optionally, a recorder also fails the job of a message whose last allowed receive
    failed (`NotifyingFailureRecorder.record_exhausted`); see `Runner._on_error`."""

    def record_exhausted(
        self, job_id: str, *, worker: str, attempts: int, error: str, queue_url: str
    ) -> None: ...


@dataclass(eq=False)
class _InFlight:
    message: ReceivedMessage
    received_at: float  # when the receive call started: the 12 h cap never counts from later
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Settled: deleted, backed off or released. From then on the heartbeat must not touch it,
    # or it would undo the backoff or hide a released message again.
    settled: bool = False
    extending: bool = True


class Runner:
    """Runs `handler` on messages from `queue` until stopped; see the module docstring."""

    def __init__(
        self,
        queue: Queue,
        handler: Handler,
        settings: RunnerSettings,
        *,
        failures: JobFailureRecorder | None = None,
        ready: Callable[[], bool] = lambda: True,
        worker_name: str | None = None,
        protection: TaskProtection | None = None,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._queue = queue
        self._handler = handler
        self._settings = settings
        self._failures = failures
        self._ready = ready
        self._worker_name = worker_name or settings.worker_name
        self._clock = clock
        self._rand = rand
        self._protection = protection or TaskProtection(
            settings.ecs_agent_uri, expires_in_minutes=settings.task_protection_minutes
        )
        self._in_flight: dict[str, _InFlight] = {}  # by receipt handle
        # One condition guards the in-flight set and the stop flag. Its lock is reentrant
        # because stop() runs inside signal handlers, which interrupt the main thread
        # wherever it is, possibly while it holds this lock.
        self._changed = threading.Condition(threading.RLock())
        self._stopping = False
        self._stop_requested_at: float | None = None
        self._heartbeat_done = threading.Event()

    # Control -------------------------------------------------------------------------------

    def run(self) -> None:
        """Receive and handle messages until stop(); then drain and return."""
        logger.info(
            "runner started",
            extra={
                "queue_url": self._queue.url,
                "max_concurrent_jobs": self._settings.max_concurrent_jobs,
                "visibility_timeout_seconds": self._settings.visibility_timeout_seconds,
            },
        )
        heartbeat = threading.Thread(target=self._heartbeat_loop, name="heartbeat", daemon=True)
        heartbeat.start()
        try:
            receive_failures = 0
            while (free := self._wait_for_free_slot()) > 0:
                receive_failures = self._poll(free, receive_failures)
            self._drain()
        finally:
            self._heartbeat_done.set()
        logger.info("runner stopped")

    def stop(self) -> None:
        """Stop receiving and start draining; safe from signal handlers and other threads."""
        # No logging here: a signal handler that logs can deadlock on the logging lock.
        with self._changed:
            if not self._stopping:
                self._stopping = True
                self._stop_requested_at = self._clock()
            self._changed.notify_all()

    def install_signal_handlers(self) -> None:
        """SIGTERM (ECS scale-in, deploys) and SIGINT stop the runner. Main thread only."""

        def on_signal(signum: int, frame: FrameType | None) -> None:
            self.stop()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

    @property
    def stopping(self) -> bool:
        return self._stopping

    @property
    def active_jobs(self) -> int:
        with self._changed:
            return len(self._in_flight)

    def health_status(self) -> HealthStatus:
        return HealthStatus(
            ready=self._ready(),
            active_jobs=self.active_jobs,
            max_concurrent=self._settings.max_concurrent_jobs,
            draining=self._stopping,
        )

    # Receiving -----------------------------------------------------------------------------

    def _wait_for_free_slot(self) -> int:
        """Block until a handler slot is free; the number of free slots, 0 once stopping."""
        with self._changed:
            while not self._stopping and len(self._in_flight) >= self._max_jobs:
                self._changed.wait()
            return 0 if self._stopping else self._max_jobs - len(self._in_flight)

    @property
    def _max_jobs(self) -> int:
        return self._settings.max_concurrent_jobs

    def _poll(self, free_slots: int, receive_failures: int) -> int:
        """One long poll; starts a handler per message. Returns the consecutive failures."""
        started = self._clock()
        try:
            messages = self._queue.receive(
                min(self._settings.receive_batch_size, free_slots),
                self._settings.wait_time_seconds,
                visibility_timeout=self._settings.visibility_timeout_seconds,
            )
        except Exception:
            receive_failures += 1
            # Equal jitter: a receive that keeps failing is retried in place, and must not spin.
            delay = backoff_delay(
                receive_failures,
                base_seconds=self._settings.backoff_base_seconds,
                max_seconds=min(self._settings.backoff_max_seconds, _RECEIVE_RETRY_MAX_SECONDS),
                jitter="equal",
                rand=self._rand,
            )
            logger.exception(
                "receive failed; trying again in %.1f s",
                delay,
                extra={"queue_url": self._queue.url, "consecutive_failures": receive_failures},
            )
            emit_metric("ReceiveErrors", 1, "Count", Worker=self._worker_name)
            with self._changed:
                self._changed.wait_for(lambda: self._stopping, timeout=delay)
            return receive_failures
        for message in messages:
            entry = _InFlight(message, received_at=started)
            if self._stopping:
                # A long poll that returns after SIGTERM: give its messages back at once.
                self._release(entry, "received after shutdown began")
            else:
                self._start(entry)
        return 0

    def _start(self, entry: _InFlight) -> None:
        with self._changed:
            self._in_flight[entry.message.receipt_handle] = entry
        self._protect()
        # Daemon threads, not an executor: a handler stuck past the grace period must not
        # keep the process alive after run() returned.
        threading.Thread(
            target=self._process,
            args=(entry,),
            name=f"{self._worker_name}-{entry.message.message_id[:8]}",
            daemon=True,
        ).start()

    # Handling ------------------------------------------------------------------------------

    def _process(self, entry: _InFlight) -> None:
        message = entry.message
        try:
            with log_context(message_id=message.message_id, stage=self._worker_name):
                logger.info("message started", extra={"receive_count": message.receive_count})
                started = time.perf_counter()
                outcome = self._handle(entry)
                duration_ms = (time.perf_counter() - started) * 1000
                logger.info(
                    "message finished",
                    extra={"outcome": outcome, "duration_ms": round(duration_ms, 1)},
                )
                emit_metric(
                    "HandlerDuration", duration_ms, Worker=self._worker_name, Outcome=outcome
                )
                emit_metric(
                    "MessagesHandled", 1, "Count", Worker=self._worker_name, Outcome=outcome
                )
        finally:
            with self._changed:
                self._in_flight.pop(message.receipt_handle, None)
                self._changed.notify_all()
            self._protect()

    def _protect(self) -> None:
        """Scale-in protection on while any message is held, off when none is (ECS only)."""
        try:
            self._protection.update(self.active_jobs > 0)
        except Exception:
            logger.exception("task scale-in protection could not be updated")

    def _handle(self, entry: _InFlight) -> str:
        """Run the handler and apply its outcome; returns the outcome's name for logs/metrics."""
        message = entry.message
        try:
            self._handler(message)
        except RetryLater as signal_:
            if signal_.delay_seconds is not None:
                delay = clamp_visibility(signal_.delay_seconds)
            else:
                delay = self._backoff(message)
            logger.warning("retry later in %d s: %s", delay, signal_.reason, exc_info=True)
            self._settle(entry, visibility=delay)
            return "retry"
        except BadInput as bad:
            return self._on_bad_input(entry, bad)
        except Unparseable as unparseable:
            logger.error(
                "unparseable message dropped: %s",
                unparseable.reason,
                extra={"body_preview": message.body[:200]},
            )
            self._settle(entry, visibility=None)
            return "unparseable"
        except Exception as exc:
            delay = self._backoff(message)
            logger.exception("handler failed; retrying in %d s", delay)
            self._on_error(message, exc)
            self._settle(entry, visibility=delay)
            return "error"
        self._settle(entry, visibility=None)
        return "success"

    def _on_error(self, message: ReceivedMessage, exc: Exception) -> None:
        """On the last receive the queue allows, fail the message's job with this error: the
        message goes to the dead-letter queue at its next receive, and nothing else would ever
        make the job final. (RetryLater is not an error: a message waiting out a lease may
        dead-letter while another attempt finishes the job.)"""
        if message.receive_count < self._settings.max_receive_count:
            return
        job_id = current_log_context().get("job_id")
        record = getattr(self._failures, "record_exhausted", None)
        if job_id is None or record is None:
            return
        try:
            record(
                job_id,
                worker=self._worker_name,
                attempts=message.receive_count,
                error=f"{type(exc).__name__}: {exc}"[:300],
                queue_url=self._queue.url,
            )
        except Exception:
            # The sweeper's stage bound fails the job later; the message dead-letters anyway.
            logger.exception("could not record the job's dead-letter failure")

    def _on_bad_input(self, entry: _InFlight, bad: BadInput) -> str:
        """Delete the message once its failure is recorded; back it off when recording fails."""
        if self._failures is None:
            logger.error("bad input, no failure recorder: the job is left as it is: %s", bad.reason)
        else:
            try:
                self._failures.record(bad, default_stage=self._worker_name)
            except Exception:
                # Deleting now would lose the failure; the message comes back to record it.
                delay = self._backoff(entry.message)
                logger.exception("could not record the job's failure; retrying in %d s", delay)
                self._settle(entry, visibility=delay)
                return "error"
        self._settle(entry, visibility=None)
        return "bad_input"

    def _backoff(self, message: ReceivedMessage) -> int:
        """Seconds to hide a failed message: full jitter spreads messages that failed together;
        rounded, since SQS visibility is in whole seconds."""
        return round(
            backoff_delay(
                message.receive_count,
                base_seconds=self._settings.backoff_base_seconds,
                max_seconds=self._settings.backoff_max_seconds,
                jitter="full",
                rand=self._rand,
            )
        )

    def _settle(self, entry: _InFlight, *, visibility: int | None) -> None:
        """Delete the message (visibility None) or hide it for `visibility` seconds."""
        with entry.lock:
            if entry.settled:
                logger.warning("handler finished after its message was released; outcome dropped")
                return
            entry.settled = True
            handle = entry.message.receipt_handle
            try:
                if visibility is None:
                    self._queue.delete(handle)
                else:
                    self._queue.change_visibility(handle, visibility)
            except NotFoundError:
                logger.warning("message no longer in flight under this receipt handle")
            except Exception:
                # The message reappears when its visibility runs out; the loop carries on.
                logger.exception(
                    "could not %s the message", "delete" if visibility is None else "back off"
                )

    # Heartbeat -----------------------------------------------------------------------------

    def _heartbeat_loop(self) -> None:
        while not self._heartbeat_done.wait(self._settings.heartbeat_interval_seconds):
            self.heartbeat_once()

    def heartbeat_once(self) -> None:
        """Push every running message's visibility to now + the base timeout (and renew the
        task's scale-in protection, or drop it if it was left on while idle)."""
        self._protect()
        with self._changed:
            entries = list(self._in_flight.values())
        for entry in entries:
            with log_context(message_id=entry.message.message_id, stage=self._worker_name):
                self._extend(entry)

    def _extend(self, entry: _InFlight) -> None:
        with entry.lock:
            if entry.settled or not entry.extending:
                return
            left = entry.received_at + SQS_MAX_VISIBILITY_SECONDS - self._clock()
            timeout = min(self._settings.visibility_timeout_seconds, int(left))
            if timeout <= 0:
                entry.extending = False
                logger.warning(
                    "message reached SQS's 12 h visibility cap; it becomes visible again "
                    "while its handler still runs"
                )
                return
            try:
                self._queue.change_visibility(entry.message.receipt_handle, timeout)
            except NotFoundError:
                entry.extending = False
                logger.warning("heartbeat: message no longer in flight; stopped extending it")
            except Exception:
                logger.exception("heartbeat failed; trying again at the next beat")

    # Shutdown ------------------------------------------------------------------------------

    def _drain(self) -> None:
        requested = self._stop_requested_at
        stop_requested_at = self._clock() if requested is None else requested
        # The grace period counts from the stop request, not from the end of the last poll,
        # so a long poll open at SIGTERM does not push the exit past ECS's deadline.
        deadline = stop_requested_at + self._settings.shutdown_grace_seconds
        logger.info("stopping: no new messages will be received")
        with self._changed:
            if self._in_flight:
                logger.info(
                    "draining: waiting up to %.1f s for %d running message(s)",
                    max(0.0, deadline - self._clock()),
                    len(self._in_flight),
                )
            while self._in_flight and (left := deadline - self._clock()) > 0:
                self._changed.wait(left)
            leftovers = list(self._in_flight.values())
        for entry in leftovers:
            with log_context(message_id=entry.message.message_id, stage=self._worker_name):
                self._release(entry, "still running when the shutdown grace period ended")

    def _release(self, entry: _InFlight, why: str) -> None:
        """Make a message visible again at once, for another worker to take."""
        with entry.lock:
            if entry.settled:
                return
            entry.settled = True
            try:
                self._queue.change_visibility(entry.message.receipt_handle, 0)
            except NotFoundError:
                return
            except Exception:
                logger.exception("could not release message %s", entry.message.message_id)
                return
        logger.warning("message %s released: %s", entry.message.message_id, why)
