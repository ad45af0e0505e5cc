from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from vidpipe_aws import (
    BadInput,
    ConditionFailedError,
    NotFoundError,
    NotifyingFailureRecorder,
    RetryableAwsError,
    WebhookNotifier,
)
from vidpipe_types.webhooks import WebhookEvent


class _Receiver:
    """A loopback HTTP server that answers the first `failures` POSTs with 503."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: list[dict[str, object]] = []
        self.attempts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                receiver.attempts += 1
                if receiver.attempts <= receiver.failures:
                    self.send_response(503)
                else:
                    receiver.received.append(body)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver_factory() -> Iterator[type[_Receiver]]:
    made: list[_Receiver] = []

    class Factory(_Receiver):
        def __init__(self, failures: int) -> None:
            super().__init__(failures)
            made.append(self)

    yield Factory
    for receiver in made:
        receiver.server.shutdown()
        receiver.server.server_close()


def test_retries_until_delivered(receiver_factory: type[_Receiver]) -> None:
    receiver = receiver_factory(failures=2)
    notifier = WebhookNotifier(receiver.url, backoff_base_seconds=0.01)
    notifier.notify("job1", "completed", result={"final": "jobs/job1/final.mp4"})
    assert notifier.flush(timeout_seconds=5)
    assert receiver.attempts == 3
    assert receiver.received == [
        {
            "event": "job.completed",
            "job_id": "job1",
            "status": "completed",
            "result": {"final": "jobs/job1/final.mp4"},
        }
    ]


def test_gives_up_without_raising(
    receiver_factory: type[_Receiver], caplog: pytest.LogCaptureFixture
) -> None:
    receiver = receiver_factory(failures=100)
    notifier = WebhookNotifier(receiver.url, attempts=3, backoff_base_seconds=0.01)
    notifier.notify("job2", "failed", error={"stage": "chunking", "reason": "no video stream"})
    assert notifier.flush(timeout_seconds=5)
    assert receiver.attempts == 3
    assert receiver.received == []
    assert "dropped after 3 attempts" in caplog.text


def test_disabled_without_url() -> None:
    notifier = WebhookNotifier(None)
    notifier.notify("job3", "processing")
    assert not notifier.enabled
    assert notifier.flush(timeout_seconds=0.1)


def test_rejects_non_http_targets() -> None:
    with pytest.raises(ValueError, match="http"):
        WebhookNotifier("file:///etc/passwd")


class _Jobs:
    def __init__(self, changes: bool) -> None:
        self.changes = changes
        self.calls: list[tuple[str, str, str]] = []

    def fail(self, job_id: str, stage: str, reason: str) -> bool:
        self.calls.append((job_id, stage, reason))
        return self.changes


def test_failure_webhook_only_when_the_job_changed(receiver_factory: type[_Receiver]) -> None:
    receiver = receiver_factory(failures=0)
    notifier = WebhookNotifier(receiver.url)
    NotifyingFailureRecorder(_Jobs(changes=False), notifier).fail("j1", "chunking", "no video")
    recorder = NotifyingFailureRecorder(_Jobs(changes=True), notifier)
    assert recorder.fail("j2", "chunking", "no video stream")
    assert notifier.flush(timeout_seconds=5)
    assert receiver.received == [
        {
            "event": "job.failed",
            "job_id": "j2",
            "status": "failed",
            "error": {"stage": "chunking", "reason": "no video stream"},
        }
    ]


def test_cancelled_webhook_names_its_event_and_carries_user_metadata(
    receiver_factory: type[_Receiver],
) -> None:
    receiver = receiver_factory(failures=0)
    notifier = WebhookNotifier(receiver.url)
    notifier.notify("j3", "cancelled", metadata={"order": "17"})
    notifier.notify("j4", "cancelled", metadata={})
    assert notifier.flush(timeout_seconds=5)
    assert receiver.received == [
        {
            "event": "job.cancelled",
            "job_id": "j3",
            "status": "cancelled",
            "metadata": {"order": "17"},
        },
        {"event": "job.cancelled", "job_id": "j4", "status": "cancelled"},
    ]


def test_an_optional_stage_names_its_own_event(receiver_factory: type[_Receiver]) -> None:
    receiver = receiver_factory(failures=0)
    notifier = WebhookNotifier(receiver.url)
    notifier.notify(
        "j5", "failed", error={"stage": "detection", "reason": "x"},
        event=WebhookEvent.DETECTION_FAILED,
    )  # fmt: skip
    assert notifier.flush(timeout_seconds=5)
    assert receiver.received == [
        {
            "event": "detection.failed",
            "job_id": "j5",
            "status": "failed",
            "error": {"stage": "detection", "reason": "x"},
        }
    ]


class _MissingJobs:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def fail(self, job_id: str, stage: str, reason: str) -> bool:
        raise self.error


def test_recording_bad_input_marks_the_job_failed_at_the_default_stage() -> None:
    jobs = _Jobs(changes=True)

    NotifyingFailureRecorder(jobs, WebhookNotifier(None)).record(
        BadInput("no video stream", job_id="j1"), default_stage="chunking-worker"
    )

    assert jobs.calls == [("j1", "chunking-worker", "no video stream")]


def test_recording_bad_input_for_a_missing_or_final_job_is_only_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    for error in (NotFoundError("job j1"), ConditionFailedError("job j1 is final")):
        recorder = NotifyingFailureRecorder(_MissingJobs(error), WebhookNotifier(None))
        recorder.record(BadInput("bad", job_id="j1", stage="reassembly"), default_stage="x")

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and "not marked failed" in warnings[0].getMessage()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.__dict__["failed_stage"] for r in errors] == ["reassembly", "reassembly"]


def test_a_failure_that_could_not_be_recorded_propagates_for_the_runner_to_retry() -> None:
    recorder = NotifyingFailureRecorder(
        _MissingJobs(RetryableAwsError("jobs table: throttled")), WebhookNotifier(None)
    )

    with pytest.raises(RetryableAwsError):
        recorder.record(BadInput("bad", job_id="j1"), default_stage="video-worker")
