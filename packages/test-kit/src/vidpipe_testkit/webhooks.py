"""Webhooks kept for assertions: a notifier that records, and a loopback HTTP receiver."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from vidpipe_aws import WebhookNotifier
from vidpipe_testkit._loopback import LoopbackHttpServer

if TYPE_CHECKING:
    from collections.abc import Mapping

    from vidpipe_aws import WebhookStatus


class RecordingNotifier(WebhookNotifier):
    """A notifier with no URL that keeps every event it is asked to send, in order.

    A WebhookNotifier itself, so it goes wherever one is expected (handlers, the
    NotifyingFailureRecorder); nothing leaves the process.
    """

    def __init__(self) -> None:
        super().__init__(None)
        self.sent: list[dict[str, Any]] = []

    def notify(
        self,
        job_id: str,
        status: WebhookStatus,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        event = {"job_id": job_id, "status": status, "result": result, "error": error}
        # Only when there is some, as WebhookNotifier sends it: events without stay as they were.
        if metadata:
            event["metadata"] = dict(metadata)
        self.sent.append(event)

    @property
    def statuses(self) -> list[str]:
        """The status of each event sent, in order."""
        return [event["status"] for event in self.sent]


class WebhookReceiver(LoopbackHttpServer):
    """An HTTP server on a free loopback port that records the JSON events POSTed to it.

    The first `failures` requests are answered 503 (to exercise a sender's retries) and not
    recorded; later ones get 204 and land in `events`. Use it as a context manager, or
    through the `webhook_receiver` fixture.
    """

    def __init__(self, *, failures: int = 0) -> None:
        self.failures = failures
        self.attempts = 0
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        super().__init__(_handler_for(self), thread_name="webhook-receiver")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def _record(self, body: bytes) -> int:
        """The status code to answer with, after recording `body` when it is accepted."""
        with self._lock:
            self.attempts += 1
            if self.attempts <= self.failures:
                return 503
            self.events.append(json.loads(body))
            return 204


def _handler_for(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class _Record(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            body = self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(receiver._record(body))
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # keep the test output free of access logs

    return _Record
