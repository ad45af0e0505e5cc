"""The "completed" webhook through the real WebhookNotifier to a loopback HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from media_support import OUTPUT_BUCKET, World, message

from vidpipe_aws.webhook import WebhookNotifier
from vidpipe_media import MediaHandler


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Record)
        self.events: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Record(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.events.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_completed_webhook_is_posted_once(
    tmp_path: Path, bikes_segments: list[Path], receiver: Receiver
) -> None:
    world = World(tmp_path / "work")
    world.ready_job("hooked", bikes_segments)
    notifier = WebhookNotifier(receiver.url, attempts=1)
    handler = MediaHandler(
        world.storage,
        world.jobs,
        world.completions,
        world.settings(),
        output_bucket=OUTPUT_BUCKET,
        notifier=notifier,
        worker_id="worker-a",
        clock=world.clock,
    )

    handler(message("hooked", len(bikes_segments)))
    handler(message("hooked", len(bikes_segments), n=2))  # a duplicate
    assert notifier.flush(timeout_seconds=30)

    job = world.job("hooked")
    assert len(receiver.events) == 1
    event = receiver.events[0]
    assert event["job_id"] == "hooked" and event["status"] == "completed"
    assert event["result"]["outputs"] == job.outputs
    assert set(event["result"]) == {"outputs", "duration", "size_bytes", "sha256"}
    assert event["result"]["duration"] == pytest.approx(10.0, abs=0.04)
