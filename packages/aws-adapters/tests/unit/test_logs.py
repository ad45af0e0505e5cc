import io
import json
import logging
import threading
from collections.abc import Iterator

import pytest

from vidpipe_aws.logs import (
    bind_log_context,
    configure_json_logging,
    current_log_context,
    emit_metric,
    log_context,
)


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Root logger writing JSON into a buffer; the previous handlers come back afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_json_logging("video", "DEBUG", stream=stream)
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved_handlers:
        root.addHandler(handler)
    root.setLevel(saved_level)


def records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_lines_carry_worker_level_logger_and_context(json_lines: io.StringIO) -> None:
    log = logging.getLogger("vidpipe.test")
    with log_context(job_id="j1", message_id="m1", stage="video"):
        log.info("segment %d done", 3, extra={"segment_index": 3})
    log.warning("outside")

    inside, outside = records(json_lines)
    assert inside["message"] == "segment 3 done"
    assert inside["level"] == "INFO"
    assert inside["logger"] == "vidpipe.test"
    assert inside["worker"] == "video"
    assert (inside["job_id"], inside["message_id"], inside["stage"]) == ("j1", "m1", "video")
    assert inside["segment_index"] == 3
    assert str(inside["time"]).endswith("+00:00")
    assert "job_id" not in outside


def test_exceptions_keep_their_traceback(json_lines: io.StringIO) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("vidpipe.test").exception("handler failed")

    (line,) = records(json_lines)
    assert line["level"] == "ERROR"
    assert "Traceback" in str(line["exception"])
    assert "ValueError: boom" in str(line["exception"])


def test_nested_contexts_merge_and_unwind() -> None:
    with log_context(message_id="m1", stage="video"):
        with log_context(job_id="j1", stage=None):
            assert current_log_context() == {"message_id": "m1", "job_id": "j1"}
        assert current_log_context() == {"message_id": "m1", "stage": "video"}
    assert current_log_context() == {}


def test_bound_fields_last_until_the_enclosing_block_ends() -> None:
    def handler() -> None:
        bind_log_context(job_id="j9")

    with log_context(message_id="m1"):
        handler()
        assert current_log_context() == {"message_id": "m1", "job_id": "j9"}
    assert current_log_context() == {}


def test_context_does_not_leak_into_other_threads() -> None:
    seen: list[dict[str, str]] = []
    with log_context(job_id="j1"):
        thread = threading.Thread(target=lambda: seen.append(current_log_context()))
        thread.start()
        thread.join()
    assert seen == [{}]


def test_emit_metric_writes_one_embedded_metric_format_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with log_context(job_id="j1"):
        emit_metric("HandlerDuration", 12.5, Worker="video", Outcome="success")
    emit_metric("MessagesHandled", 1, "Count")

    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    (directive,) = first["_aws"]["CloudWatchMetrics"]
    assert directive == {
        "Namespace": "vidpipe",
        "Dimensions": [["Outcome", "Worker"]],
        "Metrics": [{"Name": "HandlerDuration", "Unit": "Milliseconds"}],
    }
    assert isinstance(first["_aws"]["Timestamp"], int)
    assert first["HandlerDuration"] == 12.5
    assert (first["Worker"], first["Outcome"], first["job_id"]) == ("video", "success", "j1")
    assert second["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [
        {"Name": "MessagesHandled", "Unit": "Count"}
    ]
    assert second["MessagesHandled"] == 1
    assert "job_id" not in second


PRESIGNED = (
    "https://vidpipe-output.s3.amazonaws.com/jobs/j1/final.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261121%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20261121T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
    "&X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLETOKEN"
    "&X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_presigned_query_strings_are_redacted(json_lines: io.StringIO) -> None:
    log = logging.getLogger("vidpipe.test")
    log.info("fetch %s", PRESIGNED, extra={"url": PRESIGNED})

    text = json_lines.getvalue()
    (line,) = records(json_lines)
    for leaked in ("0123456789abcdef", "AKIAIOSFODNN7EXAMPLE", "FwoGZXIvYXdzEXAMPLETOKEN"):
        assert leaked not in text
    assert "X-Amz-Signature=[REDACTED]" in str(line["message"])
    assert "X-Amz-Credential=[REDACTED]" in str(line["url"])
    # What is not secret stays, so the line is still useful.
    assert "jobs/j1/final.mp4" in str(line["message"])
    assert "X-Amz-Expires=3600" in str(line["url"])


@pytest.mark.parametrize(
    "text",
    [
        f"AWS_SECRET_ACCESS_KEY={SECRET}",
        f"aws_secret_access_key: {SECRET}",
        f"{{'aws_session_token': '{SECRET}'}}",
        f'{{"SecretAccessKey": "{SECRET}", "AccessKeyId": "AKIA"}}',
    ],
)
def test_secret_keys_are_redacted_in_messages_and_tracebacks(
    json_lines: io.StringIO, text: str
) -> None:
    log = logging.getLogger("vidpipe.test")
    log.warning("environment: %s", text)
    try:
        raise RuntimeError(text)
    except RuntimeError:
        log.exception("failed")

    assert SECRET not in json_lines.getvalue()
    warning, error = records(json_lines)
    assert "[REDACTED]" in str(warning["message"])
    assert "[REDACTED]" in str(error["exception"])


def test_metric_lines_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    with log_context(source=PRESIGNED):
        emit_metric("Fetches", 1, "Count", Worker="video")
    out = capsys.readouterr().out
    assert "0123456789abcdef" not in out
    assert json.loads(out)["Fetches"] == 1


def test_redact_leaves_ordinary_text_alone() -> None:
    from vidpipe_aws.logs import redact

    text = "job j1: segment 3 of 5 uploaded to s3://out/jobs/j1/segments/3.mp4 (signature ok)"
    assert redact(text) == text
