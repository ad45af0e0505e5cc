"""A loopback HTTP server of local files, the "somebody's URL" of URL-import tests.

It listens on 127.0.0.1, which vidpipe's URL fetcher refuses unless a test builds its
`FetchPolicy(allow_loopback_for_tests=True)`: a test that forgets the switch sees the refusal.
`GET /<name>` answers the file `<name>` (with a Content-Length and `video/mp4`), anything else
404; `requests` lists the paths asked for.
"""

from __future__ import annotations

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType


class LoopbackFileServer:
    """Serves the files of `directory` (one level, no `..`) until stopped."""

    def __init__(self, directory: Path, *, content_type: str = "video/mp4") -> None:
        self.directory = directory
        self.content_type = content_type
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread: threading.Thread | None = None

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/{name}"

    def start(self) -> LoopbackFileServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="file-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> LoopbackFileServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def file_for(self, request_path: str) -> Path | None:
        self.requests.append(request_path)
        name = request_path.split("?", 1)[0].lstrip("/")
        if not name or "/" in name or name in (".", ".."):
            return None
        path = self.directory / name
        return path if path.is_file() else None


def _handler_for(server: LoopbackFileServer) -> type[BaseHTTPRequestHandler]:
    class _Serve(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            path = server.file_for(self.path)
            if path is None:
                body = b"no such file"
                self.send_response(404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(200)
            self.send_header("Content-Type", server.content_type)
            self.send_header("Content-Length", str(path.stat().st_size))
            self.end_headers()
            with path.open("rb") as source:
                shutil.copyfileobj(source, self.wfile)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return _Serve
