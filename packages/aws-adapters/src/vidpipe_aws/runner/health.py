"""A small HTTP endpoint for container health checks and load balancer readiness.

`/health` answers 200 while the process runs (liveness). `/health/ready` answers 200 only
when the worker is ready (models loaded) and not draining, else 503; both with JSON bodies.
A worker may add read-only JSON routes of its own (`routes`: path -> a function returning the
body), e.g. the detection-worker's `/health/models`; a route that raises answers 500.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

#: A worker's own route: called on each GET, returns a JSON-able body (answered with 200).
JsonRoute: TypeAlias = "Callable[[], dict[str, Any]]"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HealthStatus:
    ready: bool
    active_jobs: int
    max_concurrent: int
    draining: bool


class HealthServer:
    """Serves the status given by `status()` on a daemon thread; port 0 picks a free one."""

    def __init__(
        self,
        status: Callable[[], HealthStatus],
        *,
        host: str = "0.0.0.0",
        port: int = 8080,
        routes: Mapping[str, JsonRoute] | None = None,
    ) -> None:
        self._status = status
        self._routes = {path.rstrip("/"): route for path, route in (routes or {}).items()}
        reserved = {"/health", "/health/ready"} & set(self._routes)
        if reserved:
            raise ValueError(f"routes {sorted(reserved)} are the runner's own")
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        port: int = self._server.server_address[1]
        return port

    def start(self) -> None:
        # A short poll interval keeps stop() (at the end of a drain) from lagging behind.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name="health", daemon=True
        )
        self._thread.start()
        logger.info("health endpoint listening", extra={"health_port": self.port})

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        status, routes = self._status, self._routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0].rstrip("/")
                if path == "/health":
                    self._answer(200, {"status": "ok"})
                elif path == "/health/ready":
                    current = _safe_status(status)
                    ok = current.ready and not current.draining
                    self._answer(200 if ok else 503, asdict(current))
                elif path in routes:
                    body = _safe_route(routes[path], path)
                    self._answer(500 if body is None else 200, body or {"error": "route failed"})
                else:
                    self._answer(404, {"error": "not found"})

            def _answer(self, code: int, body: dict[str, Any]) -> None:
                payload = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                # Health checks arrive every few seconds; access lines would drown the logs.
                logger.debug("health request: " + format, *args)

        return Handler


def _safe_status(status: Callable[[], HealthStatus]) -> HealthStatus:
    try:
        return status()
    except Exception:
        # A readiness probe that raises is a worker that is not ready, not a dead endpoint.
        logger.exception("readiness check failed")
        return HealthStatus(ready=False, active_jobs=0, max_concurrent=0, draining=False)


def _safe_route(route: JsonRoute, path: str) -> dict[str, Any] | None:
    try:
        return route()
    except Exception:
        logger.exception("health route %s failed", path)
        return None
