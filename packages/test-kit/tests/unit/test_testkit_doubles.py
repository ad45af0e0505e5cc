"""The kit's doubles and builders behave as the packages' tests rely on."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest

from vidpipe_aws.fakes import InMemoryJobStore
from vidpipe_aws.webhook import NotifyingFailureRecorder, WebhookNotifier
from vidpipe_testkit import (
    S3_TEST_EVENT_BODY,
    FakeClock,
    GeminiStub,
    RecordingNotifier,
    WebhookReceiver,
    error_reply,
    json_reply,
    received_message,
    s3_event_body,
)
from vidpipe_types import Job, JobOptions, parse_s3_event_body


def test_the_fake_clock_moves_only_when_told(fake_clock: FakeClock) -> None:
    start = fake_clock()
    assert start.tzinfo is not None
    assert fake_clock() == start
    assert fake_clock.advance(1.5) == start + timedelta(seconds=1.5) == fake_clock()
    with pytest.raises(ValueError, match="does not go back"):
        fake_clock.advance(-1)
    with pytest.raises(ValueError, match="aware"):
        FakeClock(datetime(2026, 1, 1))  # noqa: DTZ001 - the naive datetime is the point


def test_an_s3_event_body_parses_back_to_its_keys() -> None:
    body = s3_event_body("in", "input/my clip.mp4", "input/b+c.mp4", etag="e1")

    events = parse_s3_event_body(body)

    assert [(e.bucket, e.key) for e in events] == [
        ("in", "input/my clip.mp4"),
        ("in", "input/b+c.mp4"),
    ]
    raw = json.loads(body)["Records"][0]["s3"]["object"]
    assert raw["key"] == "input%2Fmy+clip.mp4" and raw["eTag"] == "e1"
    assert parse_s3_event_body(S3_TEST_EVENT_BODY) == []
    with pytest.raises(ValueError, match="at least one key"):
        s3_event_body("in")


def test_received_messages_carry_the_body_and_distinct_ids() -> None:
    first = received_message("{}")
    second = received_message("{}", receive_count=3, n=2)

    assert (first.body, first.receive_count) == ("{}", 1)
    assert second.receive_count == 3
    assert first.message_id != second.message_id
    assert first.receipt_handle != second.receipt_handle


def test_the_recording_notifier_is_a_notifier_that_keeps_what_it_is_sent() -> None:
    notifier = RecordingNotifier()
    jobs = InMemoryJobStore()
    jobs.create_if_absent(Job.new("j1", "in", "input/a.mp4", JobOptions(), datetime.now(UTC)))

    notifier.notify("j1", "processing", result={"total_segments": 2})
    NotifyingFailureRecorder(jobs, notifier).fail("j1", "chunking", "not a video")

    assert isinstance(notifier, WebhookNotifier)
    assert notifier.statuses == ["processing", "failed"]
    assert notifier.sent[0] == {
        "job_id": "j1",
        "status": "processing",
        "result": {"total_segments": 2},
        "error": None,
    }


def _call(
    url: str,
    body: bytes | None = None,
    *,
    method: str = "POST",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status), dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _post(url: str, event: dict[str, object]) -> int:
    headers = {"Content-Type": "application/json"}
    return _call(url, json.dumps(event).encode(), headers=headers)[0]


def test_the_receiver_records_posted_events(webhook_receiver: WebhookReceiver) -> None:
    assert _post(webhook_receiver.url, {"job_id": "j1"}) == 204
    assert webhook_receiver.events == [{"job_id": "j1"}]


def test_the_receiver_refuses_its_first_requests_when_asked() -> None:
    with WebhookReceiver(failures=1) as receiver:
        codes = [_post(receiver.url, {"n": n}) for n in (1, 2)]

    assert codes == [503, 204]
    assert receiver.attempts == 2
    assert receiver.events == [{"n": 2}]


def test_a_webhook_notifier_delivers_to_the_receiver(webhook_receiver: WebhookReceiver) -> None:
    notifier = WebhookNotifier(webhook_receiver.url, attempts=1)

    notifier.notify("j1", "completed", result={"final": "jobs/j1/final.mp4"})

    assert notifier.flush(timeout_seconds=10)
    (event,) = webhook_receiver.events
    assert (event["job_id"], event["status"]) == ("j1", "completed")


def test_the_gemini_stub_answers_generate_content_as_scripted(gemini_stub: GeminiStub) -> None:
    gemini_stub.script(error_reply(429, "quota"), json_reply({"title": "t"}))
    url = f"{gemini_stub.url}/v1beta/models/gemini-test:generateContent"

    answers = [_call(url, json.dumps({"n": n}).encode()) for n in (1, 2, 3)]

    assert [status for status, _, _ in answers] == [429, 200, 500]
    assert json.loads(answers[0][2])["error"]["status"] == "RESOURCE_EXHAUSTED"
    candidate = json.loads(answers[1][2])["candidates"][0]
    assert json.loads(candidate["content"]["parts"][0]["text"]) == {"title": "t"}
    assert gemini_stub.generate_calls == [("gemini-test", {"n": n}) for n in (1, 2, 3)]


def test_the_gemini_stub_takes_an_upload_and_processes_the_file(gemini_stub: GeminiStub) -> None:
    _, headers, _ = _call(
        f"{gemini_stub.url}/upload/v1beta/files", b"{}", headers={"X-Goog-Upload-Command": "start"}
    )
    session = headers["X-Goog-Upload-URL"]
    status, headers, body = _call(
        session, b"video", headers={"X-Goog-Upload-Command": "upload, finalize"}
    )
    name = json.loads(body)["file"]["name"]
    file_url = f"{gemini_stub.url}/v1beta/{name}"

    states = [json.loads(_call(file_url, method="GET")[2])["state"] for _ in range(2)]
    deleted = _call(file_url, method="DELETE")[0]

    assert (status, headers["X-Goog-Upload-Status"]) == (200, "final")
    assert gemini_stub.uploaded == [b"video"]
    assert gemini_stub.state.upload_commands == ["start", "upload, finalize"]
    assert states == ["PROCESSING", "ACTIVE"]  # processing_polls=1 by default
    assert deleted == 200 and gemini_stub.state.deleted == [name]
