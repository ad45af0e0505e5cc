"""A loopback HTTP server of local files, the "somebody's URL" of URL-import tests.

It listens on 127.0.0.1, which vidpipe's URL fetcher refuses unless a test builds its
`FetchPolicy(allow_loopback_for_tests=True)`: a test that forgets the switch sees the refusal.
`GET /<name>` answers the file `<name>` (with a Content-Length and `video/mp4`), anything else
404; `requests` lists the paths asked for.
"""

from __future__ import annotations

import shutil
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from vidpipe_testkit._loopback import LoopbackHttpServer

if TYPE_CHECKING:
    from pathlib import Path


class LoopbackFileServer(LoopbackHttpServer):
    """Serves the files of `directory` (one level, no `..`) until stopped."""

    def __init__(self, directory: Path, *, content_type: str = "video/mp4") -> None:
        self.directory = directory
        self.content_type = content_type
        self.requests: list[str] = []
        super().__init__(_handler_for(self), thread_name="file-server")

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

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
