"""An embedded AWS: a moto server on a loopback port, in a thread of this process.

The same endpoint code path as AWS (HTTP, SigV4, the boto3 clients), for the tests' fixtures
and for `vidpipe demo`/`vidpipe up`. moto is imported only when a server starts: it is a test
(and CLI) dependency, not a worker's.
"""

from __future__ import annotations

import logging
import socket
import threading
import urllib.request
from typing import TYPE_CHECKING, Any

from vidpipe_aws.errors import AwsAdapterError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable


class LocalAwsError(AwsAdapterError):
    """The embedded AWS cannot start or is not running."""


def free_loopback_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class EmbeddedAws:
    """A moto server; port 0 picks a free one. State lives in this process, not the server."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._server: Any = None
        self.endpoint_url = ""

    @property
    def port(self) -> int:
        return self._port

    def start(self) -> str:
        """Serve and return the endpoint URL."""
        if self._port:
            # ThreadedMotoServer waits forever when it cannot bind: fail first, with a reason.
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                    probe.bind((self._host, self._port))
            except OSError as exc:
                raise LocalAwsError(
                    f"cannot listen on {self._host}:{self._port} ({exc.strerror}): "
                    "choose another port, or 0 for a free one"
                ) from exc
        # Request lines at INFO would drown a terminal.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._serve()
        self.endpoint_url = f"http://{self._host}:{self._port}"
        return self.endpoint_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def reset(self) -> None:
        """Forget every resource (moto's reset API)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def interrupt(self) -> None:
        """Stop serving for a while (connections are refused) but keep the port and the state:
        moto's backends live in this process, not in the server thread. For outage tests."""
        if self._server is None:
            raise LocalAwsError("the embedded AWS is not running")
        self.stop()

    def resume(self) -> None:
        """Serve again on the port `interrupt` left, with every resource as it was."""
        self._serve()

    def _serve(self) -> None:
        server = _serial_dynamodb_server(self._host, self._port)
        server.start()
        self._server = server
        self._port = server.get_host_and_port()[1]


class _SerialDynamoDb:
    """WSGI middleware: one DynamoDB request at a time. moto's DynamoDB is not thread-safe
    (a transaction deep-copies the tables while another thread's write changes them: a 500
    "dictionary changed size during iteration", and a write applied before its answer failed),
    where the real service makes each item write atomic. S3 and SQS stay concurrent."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB"):
            return self._app(environ, start_response)
        with self._lock:
            return list(self._app(environ, start_response))


def _serial_dynamodb_server(host: str, port: int) -> Any:
    """moto's ThreadedMotoServer with its app wrapped in `_SerialDynamoDb` (the server's own
    entry point, as moto writes it, with the one wrapper added)."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    class SerialDynamoDbServer(ThreadedMotoServer):
        def _server_entry(self) -> None:
            app = _SerialDynamoDb(DomainDispatcherApplication(create_backend_app))
            self._server = make_server(
                self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    return SerialDynamoDbServer(ip_address=host, port=port, verbose=False)
