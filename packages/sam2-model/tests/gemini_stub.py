"""A loopback server answering Gemini's generateContent as the real API does, for the real
google-genai client (its base_url pointed here). Answers are scripted; requests are kept."""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_GENERATE = re.compile(r"^/v1(?:beta)?/models/([^/:]+):generateContent$")
_STATUS = {400: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE"}


def text_answer(text: str) -> tuple[int, dict[str, Any]]:
    candidate = {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
    return 200, {"candidates": [candidate]}


def error_answer(code: int) -> tuple[int, dict[str, Any]]:
    status = _STATUS.get(code, "UNKNOWN")
    return code, {"error": {"code": code, "message": f"stub {status}", "status": status}}


class GeminiStub:
    def __init__(self) -> None:
        self.answers: deque[tuple[int, dict[str, Any]]] = deque()
        self.requests: list[tuple[str, dict[str, Any]]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                match = _GENERATE.match(self.path.split("?")[0])
                stub.requests.append((match[1] if match else self.path, body))
                code, answer = stub.answers.popleft() if match else error_answer(400)
                data = json.dumps(answer).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
