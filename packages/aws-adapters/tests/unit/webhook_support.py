"""A loopback webhook receiver for the outbox tests: records bodies and headers, and answers
with the statuses it is told to, in order (then 204)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Delivery:
    body: bytes
    headers: dict[str, str]


class Receiver:
    def __init__(self, answers: list[int] | None = None) -> None:
        self.answers = list(answers or [])
        self.deliveries: list[Delivery] = []  # every POST, answered 2xx or not
        self.accepted: list[Delivery] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers["Content-Length"]))
                delivery = Delivery(body, dict(self.headers.items()))
                receiver.deliveries.append(delivery)
                status = receiver.answers.pop(0) if receiver.answers else 204
                if status < 300:
                    receiver.accepted.append(delivery)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
