"""The runner's decisions per outcome, and its concurrency limit, on the in-memory queue."""

import logging
import random
import threading

import pytest
from runner_support import PollingQueue, make_settings, running, wait_until

from vidpipe_aws import NotifyingFailureRecorder, WebhookNotifier, backoff_delay
from vidpipe_aws.errors import NotFoundError, RetryableAwsError
from vidpipe_aws.queue import ReceivedMessage
from vidpipe_aws.runner import BadInput, RetryLater, Runner, Unparseable


class RecordingFailures:
    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.error = error

    def fail(self, job_id: str, stage: str, reason: str) -> bool:
        self.calls.append((job_id, stage, reason))
        if self.error is not None:
            raise self.error
        return True


def recorder(jobs: RecordingFailures) -> NotifyingFailureRecorder:
    """The recorder every worker's entrypoint gives the runner, over a recording job store."""
    return NotifyingFailureRecorder(jobs, WebhookNotifier(None))


def test_a_handler_that_returns_gets_its_message_deleted() -> None:
    queue = PollingQueue()
    message_id = queue.send("hello")
    seen: list[str] = []

    runner = Runner(queue, lambda m: seen.append(m.body), make_settings())
    with running(runner):
        wait_until(lambda: len(queue) == 0)

    assert seen == ["hello"]
    assert queue.deleted == [message_id]
    assert queue.visibility_changes == []


@pytest.mark.parametrize("failure", [RetryLater("downstream busy"), RuntimeError("bug")])
def test_a_failure_backs_the_message_off_by_its_receive_count(
    failure: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    queue = PollingQueue()
    message_id = queue.send("job")
    for _ in range(2):  # two earlier deliveries: the runner's is the third
        (earlier,) = queue.receive(1, 0)
        queue.change_visibility(earlier.receipt_handle, 0)
    queue.visibility_changes.clear()
    counts: list[int] = []

    def handler(message: ReceivedMessage) -> None:
        counts.append(message.receive_count)
        raise failure

    settings = make_settings()
    runner = Runner(queue, handler, settings, rand=random.Random(3).random)
    with running(runner):
        wait_until(lambda: bool(queue.visibility_changes))

    expected = round(
        backoff_delay(
            3,
            base_seconds=settings.backoff_base_seconds,
            max_seconds=settings.backoff_max_seconds,
            jitter="full",
            rand=random.Random(3).random,
        )
    )
    assert counts == [3]
    assert queue.visibility_changes == [(message_id, expected)]
    assert queue.deleted == []
    (logged,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert logged.exc_info is not None and logged.exc_info[1] is failure


def test_retry_later_with_a_delay_uses_that_delay() -> None:
    queue = PollingQueue()
    message_id = queue.send("job")

    def handler(message: ReceivedMessage) -> None:
        raise RetryLater("rate limited", delay_seconds=42)

    with running(Runner(queue, handler, make_settings())):
        wait_until(lambda: bool(queue.visibility_changes))

    assert queue.visibility_changes == [(message_id, 42)]


def test_bad_input_marks_the_job_failed_and_deletes_the_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    queue = PollingQueue()
    message_id = queue.send("job")
    failures = RecordingFailures()

    def handler(message: ReceivedMessage) -> None:
        raise BadInput("not a video: no video stream found", job_id="j1")

    with running(Runner(queue, handler, make_settings(), failures=recorder(failures))):
        wait_until(lambda: len(queue) == 0)

    assert failures.calls == [("j1", "test-worker", "not a video: no video stream found")]
    assert queue.deleted == [message_id]
    (line,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "not a video" in line.getMessage()


def test_bad_input_names_its_own_stage_when_given() -> None:
    queue = PollingQueue()
    queue.send("job")
    failures = RecordingFailures()

    def handler(message: ReceivedMessage) -> None:
        raise BadInput("segment missing", job_id="j1", stage="reassembly")

    with running(Runner(queue, handler, make_settings(), failures=recorder(failures))):
        wait_until(lambda: len(queue) == 0)

    assert failures.calls == [("j1", "reassembly", "segment missing")]


def test_bad_input_is_retried_when_recording_the_failure_fails_transiently() -> None:
    queue = PollingQueue()
    message_id = queue.send("job")
    failures = RecordingFailures(RetryableAwsError("jobs table: throttled"))

    def handler(message: ReceivedMessage) -> None:
        raise BadInput("bad", job_id="j1")

    runner = Runner(queue, handler, make_settings(), failures=recorder(failures), rand=lambda: 0.5)
    with running(runner):
        wait_until(lambda: bool(queue.visibility_changes))

    assert queue.deleted == []
    assert queue.visibility_changes == [(message_id, 50)]


def test_bad_input_for_a_job_that_does_not_exist_is_still_deleted() -> None:
    queue = PollingQueue()
    queue.send("job")
    failures = RecordingFailures(NotFoundError("job j1"))

    def handler(message: ReceivedMessage) -> None:
        raise BadInput("bad", job_id="j1")

    with running(Runner(queue, handler, make_settings(), failures=recorder(failures))):
        wait_until(lambda: len(queue) == 0)

    assert failures.calls == [("j1", "test-worker", "bad")]


def test_bad_input_without_a_job_is_logged_and_deleted(caplog: pytest.LogCaptureFixture) -> None:
    queue = PollingQueue()
    message_id = queue.send("job")
    failures = RecordingFailures()

    def handler(message: ReceivedMessage) -> None:
        raise BadInput("no job id in the upload's metadata", job_id=None)

    with running(Runner(queue, handler, make_settings(), failures=recorder(failures))):
        wait_until(lambda: len(queue) == 0)

    assert failures.calls == []
    assert queue.deleted == [message_id]
    (line,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "no job id" in line.getMessage()


def test_unparseable_messages_are_logged_and_deleted(caplog: pytest.LogCaptureFixture) -> None:
    queue = PollingQueue()
    message_id = queue.send("{not json")

    def handler(message: ReceivedMessage) -> None:
        raise Unparseable("body is not JSON")

    with running(Runner(queue, handler, make_settings())):
        wait_until(lambda: len(queue) == 0)

    assert queue.deleted == [message_id]
    assert any("body is not JSON" in r.getMessage() for r in caplog.records)


class FlakyDeleteQueue(PollingQueue):
    """Its first delete fails, as a throttled DeleteMessage would."""

    def delete(self, receipt_handle: str) -> None:
        if not getattr(self, "failed_once", False):
            self.failed_once = True
            raise RetryableAwsError("delete: throttled")
        super().delete(receipt_handle)


def test_a_failing_delete_is_logged_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    queue = FlakyDeleteQueue()
    queue.send("first")
    second = queue.send("second")
    seen: list[str] = []
    settings = make_settings(MAX_CONCURRENT_JOBS=1)

    with running(Runner(queue, lambda m: seen.append(m.body), settings)):
        wait_until(lambda: second in queue.deleted)

    assert sorted(seen) == ["first", "second"]
    assert len(queue) == 1  # the first stays until its visibility runs out, then comes back
    assert any("could not delete" in r.getMessage() for r in caplog.records)


class DownThenUpQueue(PollingQueue):
    """Its first two receives fail, as when the endpoint is unreachable."""

    failures_left = 2

    def receive(
        self, max_messages: int, wait_seconds: int, visibility_timeout: int | None = None
    ) -> list[ReceivedMessage]:
        if self.failures_left:
            self.failures_left -= 1
            raise RetryableAwsError("receive: connection refused")
        return super().receive(max_messages, wait_seconds, visibility_timeout)


def test_receive_errors_are_logged_and_retried(caplog: pytest.LogCaptureFixture) -> None:
    queue = DownThenUpQueue()
    message_id = queue.send("job")
    settings = make_settings(BACKOFF_BASE_SECONDS=0.01)

    with running(Runner(queue, lambda m: None, settings)):
        wait_until(lambda: message_id in queue.deleted)

    failures = [r for r in caplog.records if r.getMessage().startswith("receive failed")]
    assert len(failures) == 2
    assert all(r.exc_info is not None for r in failures)


class RecordingQueue(PollingQueue):
    def __init__(self) -> None:
        super().__init__()
        self.asked_for: list[int] = []

    def receive(
        self, max_messages: int, wait_seconds: int, visibility_timeout: int | None = None
    ) -> list[ReceivedMessage]:
        self.asked_for.append(max_messages)
        return super().receive(max_messages, wait_seconds, visibility_timeout)


def test_never_more_handlers_in_flight_than_max_concurrent_jobs() -> None:
    queue = RecordingQueue()
    for n in range(6):
        queue.send(f"job-{n}")
    gate = threading.Event()
    lock = threading.Lock()
    active, peak, started = 0, 0, 0

    def handler(message: ReceivedMessage) -> None:
        nonlocal active, peak, started
        with lock:
            active += 1
            started += 1
            peak = max(peak, active)
        gate.wait(5)
        with lock:
            active -= 1

    runner = Runner(queue, handler, make_settings(MAX_CONCURRENT_JOBS=2))
    with running(runner):
        wait_until(lambda: started == 2)
        assert runner.health_status().active_jobs == 2
        # With both slots taken the loop waits for a slot instead of polling for more.
        polls_while_full = len(queue.asked_for)
        assert not gate.wait(0.02)
        assert len(queue.asked_for) == polls_while_full
        gate.set()
        wait_until(lambda: len(queue) == 0)

    assert started == 6
    assert peak == 2
    assert max(queue.asked_for) <= 2


def test_health_status_reports_capacity_readiness_and_draining() -> None:
    runner = Runner(PollingQueue(), lambda m: None, make_settings(), ready=lambda: False)
    before = runner.health_status()
    runner.stop()
    after = runner.health_status()

    assert (before.ready, before.draining, before.max_concurrent) == (False, False, 2)
    assert after.draining is True
