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
