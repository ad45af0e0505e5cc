"""A loopback HTTP server speaking the part of the Gemini REST protocol that vidpipe uses.

The real google-genai client talks to it unchanged (``GEMINI_BASE_URL``): ``generateContent``,
the Files API's resumable upload (start, then ``upload`` / ``upload, finalize`` chunks on the
session URL the start answer names), ``files.get`` and ``files.delete``. Tests script the
generateContent answers (a JSON result, raw text, an HTTP error) and read back what was sent.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_GENERATE = re.compile(r"^/v1(?:beta)?/models/([^/:]+):generateContent$")
_UPLOAD_START = re.compile(r"^/upload/v1(?:beta)?/files$")
_UPLOAD_SESSION = re.compile(r"^/upload-session/(\d+)$")
_FILE = re.compile(r"^/v1(?:beta)?/(files/[^/?]+)$")

ERROR_STATUS = {
    400: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]


def json_reply(result: Any) -> Reply:
    """A successful answer whose text is ``result`` as JSON."""
    return text_reply(json.dumps(result))


def text_reply(text: str) -> Reply:
    """A successful answer with this exact text (a malformed result, say)."""
    return Reply(
        200,
        {
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
            ],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 20},
        },
    )


def error_reply(code: int, message: str = "stub error") -> Reply:
    status = ERROR_STATUS.get(code, "UNKNOWN")
    return Reply(code, {"error": {"code": code, "message": message, "status": status}})


@dataclass
class StubState:
    """What the server answers and what it received; guarded by ``lock``."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    replies: deque[Reply] = field(default_factory=deque)
    #: Answered once ``replies`` is used up.
    default: Reply = field(default_factory=lambda: error_reply(500, "nothing scripted"))
    generate_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: files.get answers PROCESSING this many times for each file before ACTIVE.
    processing_polls: int = 1
    #: The state a file reaches when it stops processing.
    final_file_state: str = "ACTIVE"
    uploads: dict[int, bytearray] = field(default_factory=dict)
    upload_commands: list[str] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    polls: dict[str, int] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)


class GeminiStub:
    """``with GeminiStub() as stub:`` serves on a free 127.0.0.1 port until the block ends."""

    def __init__(self) -> None:
        self.state = StubState()
        self._server = _StubServer(self.state)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> GeminiStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- scripting ------------------------------------------------------------------------

    def script(self, *replies: Reply, then: Reply | None = None) -> None:
        with self.state.lock:
            self.state.replies.extend(replies)
            if then is not None:
                self.state.default = then

    @property
    def generate_calls(self) -> list[tuple[str, dict[str, Any]]]:
        with self.state.lock:
            return list(self.state.generate_calls)

    @property
    def uploaded(self) -> list[bytes]:
        with self.state.lock:
            return [bytes(data) for data in self.state.uploads.values()]


class _StubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: StubState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _StubServer

    @property
    def _state(self) -> StubState:
        return self.server.state

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if match := _GENERATE.match(self.path):
            self._generate(match.group(1), body)
        elif _UPLOAD_START.match(self.path):
            self._start_upload()
        elif match := _UPLOAD_SESSION.match(self.path):
            self._upload_chunk(int(match.group(1)), body)
        else:
            self._send(error_reply(400, f"unexpected POST {self.path}"))

    def do_GET(self) -> None:
        match = _FILE.match(self.path.split("?")[0])
        if match is None:
            self._send(error_reply(400, f"unexpected GET {self.path}"))
            return
        name = match.group(1)
        with self._state.lock:
            record = self._state.files.get(name)
            if record is not None:
                self._state.polls[name] = self._state.polls.get(name, 0) + 1
                if self._state.polls[name] > self._state.processing_polls:
                    record["state"] = self._state.final_file_state
                record = dict(record)
        if record is None:
            self._send(Reply(404, {"error": {"code": 404, "status": "NOT_FOUND"}}))
        else:
            self._send(Reply(200, record))

    def do_DELETE(self) -> None:
        match = _FILE.match(self.path.split("?")[0])
        with self._state.lock:
            if match is not None:
                self._state.deleted.append(match.group(1))
        self._send(Reply(200, {}))

    def _generate(self, model: str, body: bytes) -> None:
        with self._state.lock:
            self._state.generate_calls.append((model, json.loads(body)))
            reply = self._state.replies.popleft() if self._state.replies else self._state.default
        self._send(reply)

    def _start_upload(self) -> None:
        with self._state.lock:
            session = len(self._state.uploads) + 1
            self._state.uploads[session] = bytearray()
            self._state.upload_commands.append(self.headers.get("X-Goog-Upload-Command", ""))
        host, port = self.server.server_address[:2]
        self._send(
            Reply(200, {}),
            {"X-Goog-Upload-URL": f"http://{host!s}:{port}/upload-session/{session}"},
        )

    def _upload_chunk(self, session: int, body: bytes) -> None:
        command = self.headers.get("X-Goog-Upload-Command", "")
        with self._state.lock:
            self._state.upload_commands.append(command)
            data = self._state.uploads[session]
            data.extend(body)
            size = len(data)
            if "finalize" not in command:
                record = None
            else:
                name = f"files/video-{session}"
                record = {
                    "name": name,
                    "uri": f"{self._base()}/v1beta/{name}",
                    "mimeType": self.headers.get("X-Goog-Upload-Header-Content-Type")
                    or "video/mp4",
                    "sizeBytes": str(size),
                    "state": "PROCESSING" if self._state.processing_polls else "ACTIVE",
                }
                self._state.files[name] = record
        if record is None:
            self._send(Reply(200, {}), {"X-Goog-Upload-Status": "active"})
        else:
            self._send(Reply(200, {"file": record}), {"X-Goog-Upload-Status": "final"})

    def _base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _send(self, reply: Reply, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
