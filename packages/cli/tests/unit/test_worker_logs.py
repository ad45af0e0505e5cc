import io
import json
import threading

from vidpipe_cli.local_stack import _health_port
from vidpipe_cli.worker_logs import FileSink, TerminalSink, format_worker_line


def test_json_log_line_becomes_time_level_message_and_extras():
    line = json.dumps(
        {
            "time": "2026-01-02T03:04:05.678+00:00",
            "level": "INFO",
            "logger": "x",
            "message": "message finished",
            "worker": "video-worker",
            "job_id": "j1",
            "outcome": "success",
        }
    )

    assert format_worker_line(line) == "03:04:05 INFO message finished  job_id=j1 outcome=success"


def test_exception_is_shown_below_the_line():
    line = json.dumps({"time": "", "level": "ERROR", "message": "boom", "exception": "Trace\nX"})

    assert format_worker_line(line).splitlines()[1:] == ["Trace", "X"]


def test_emf_metric_line_is_shortened():
    line = json.dumps(
        {
            "job_id": "j1",
            "_aws": {"CloudWatchMetrics": [{"Metrics": [{"Name": "SegmentMs", "Unit": "Ms"}]}]},
            "SegmentMs": 12.5,
        }
    )

    assert format_worker_line(line) == "metric SegmentMs=12.5 Ms  job_id=j1"


def test_other_lines_are_kept_as_they_are():
    for line in ("Traceback (most recent call last):", "[1, 2]", '{"no": "message"}'):
        assert format_worker_line(line) == line


def test_terminal_sink_prefixes_every_line_with_the_worker_name():
    stream = io.StringIO()
    sink = TerminalSink("media", stream, threading.Lock(), width=6)
    sink.write(json.dumps({"time": "", "level": "ERROR", "message": "m", "exception": "E"}))

    assert stream.getvalue().splitlines() == ["media | ERROR m", "media | E"]


def test_file_sink_keeps_raw_lines(tmp_path):
    sink = FileSink(tmp_path / "logs" / "w.log")
    sink.write('{"a": 1}')
    sink.write("plain")
    sink.close()

    assert (tmp_path / "logs" / "w.log").read_text() == '{"a": 1}\nplain\n'


def test_health_port_is_read_from_the_runner_line_only():
    assert _health_port(json.dumps({"message": "health endpoint listening", "health_port": 4321}))
    assert _health_port(json.dumps({"health_port": 4321})) == 4321
    assert _health_port(json.dumps({"health_port": 0})) is None
    assert _health_port('"health_port" but not json') is None
    assert _health_port(json.dumps({"message": "other"})) is None
