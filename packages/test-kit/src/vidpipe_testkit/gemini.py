"""A loopback HTTP server speaking the part of the Gemini REST protocol that vidpipe uses.

The real google-genai client talks to it unchanged (its base URL, ``GEMINI_BASE_URL``, pointed
here): ``generateContent``, the Files API's resumable upload (start, then ``upload`` /
``upload, finalize`` chunks on the session URL the start answer names), ``files.get`` and
``files.delete``. Tests script the generateContent answers (a JSON result, raw text, an HTTP
error) and read back what was sent.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from vidpipe_testkit._loopback import LoopbackHttpServer

_GENERATE = re.compile(r"^/v1(?:beta)?/models/([^/:]+):generateContent$")
_UPLOAD_START = re.compile(r"^/upload/v1(?:beta)?/files$")
_UPLOAD_SESSION = re.compile(r"^/upload-session/(\d+)$")
_FILE = re.compile(r"^/v1(?:beta)?/(files/[^/]+)$")

#: The status names Google's APIs give with each HTTP error code.
ERROR_STATUS = {
    400: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


@dataclass(frozen=True)
class Reply:
    """One scripted answer: an HTTP status and its JSON body."""

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
    """An error answer as the API words it: ``{"error": {code, message, status}}``."""
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


class GeminiStub(LoopbackHttpServer):
    """``with GeminiStub() as stub:`` serves on a free 127.0.0.1 port until the block ends.

    ``script(...)`` queues generateContent answers (then ``default``, a 500, unless ``then``
    replaces it); ``generate_calls`` is every (model, request body) received, ``uploaded``
    every file uploaded, and ``state`` the rest (upload commands, polls, deletions).
    """

    def __init__(self) -> None:
        self.state = StubState()
        super().__init__(_handler_for(self), thread_name="gemini-stub")

    @property
    def url(self) -> str:
        """The base URL to give the client (``GEMINI_BASE_URL``)."""
        return f"http://127.0.0.1:{self.port}"

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

    # What the handler calls, each under the lock ------------------------------------------

    def _generate(self, model: str, body: bytes) -> Reply:
        with self.state.lock:
            self.state.generate_calls.append((model, json.loads(body)))
            return self.state.replies.popleft() if self.state.replies else self.state.default

    def _start_upload(self, command: str) -> str:
        """A new upload session; its URL."""
        with self.state.lock:
            session = len(self.state.uploads) + 1
            self.state.uploads[session] = bytearray()
            self.state.upload_commands.append(command)
        return f"{self.url}/upload-session/{session}"

    def _upload_chunk(self, session: int, command: str, body: bytes, mime: str) -> Reply:
        with self.state.lock:
            self.state.upload_commands.append(command)
            data = self.state.uploads[session]
            data.extend(body)
            if "finalize" not in command:
                return Reply(200, {})
            name = f"files/video-{session}"
            record = {
                "name": name,
                "uri": f"{self.url}/v1beta/{name}",
                "mimeType": mime,
                "sizeBytes": str(len(data)),
                "state": "PROCESSING" if self.state.processing_polls else "ACTIVE",
            }
            self.state.files[name] = record
            return Reply(200, {"file": dict(record)})

    def _get_file(self, name: str) -> Reply:
        with self.state.lock:
            record = self.state.files.get(name)
            if record is None:
                return Reply(404, {"error": {"code": 404, "status": "NOT_FOUND"}})
            self.state.polls[name] = self.state.polls.get(name, 0) + 1
            if self.state.polls[name] > self.state.processing_polls:
                record["state"] = self.state.final_file_state
            return Reply(200, dict(record))

    def _delete_file(self, name: str) -> Reply:
        with self.state.lock:
            self.state.deleted.append(name)
        return Reply(200, {})


def _handler_for(stub: GeminiStub) -> type[BaseHTTPRequestHandler]:
    class _Serve(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = self.path.split("?", 1)[0]
            command = self.headers.get("X-Goog-Upload-Command", "")
            if match := _GENERATE.match(path):
                self._send(stub._generate(match[1], body))
            elif _UPLOAD_START.match(path):
                # The client reads the session URL from this header.
                self._send(Reply(200, {}), {"X-Goog-Upload-URL": stub._start_upload(command)})
            elif match := _UPLOAD_SESSION.match(path):
                mime = self.headers.get("X-Goog-Upload-Header-Content-Type") or "video/mp4"
                reply = stub._upload_chunk(int(match[1]), command, body, mime)
                status = "final" if "file" in reply.body else "active"
                self._send(reply, {"X-Goog-Upload-Status": status})
            else:
                self._send(error_reply(400, f"unexpected POST {self.path}"))

        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            match = _FILE.match(self.path.split("?", 1)[0])
            if match is None:
                self._send(error_reply(400, f"unexpected GET {self.path}"))
            else:
                self._send(stub._get_file(match[1]))

        def do_DELETE(self) -> None:  # noqa: N802 - the name http.server calls
            match = _FILE.match(self.path.split("?", 1)[0])
            if match is None:
                self._send(error_reply(400, f"unexpected DELETE {self.path}"))
            else:
                self._send(stub._delete_file(match[1]))

        def _send(self, reply: Reply, headers: dict[str, str] | None = None) -> None:
            payload = json.dumps(reply.body).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # keep the test output free of access logs

    return _Serve
