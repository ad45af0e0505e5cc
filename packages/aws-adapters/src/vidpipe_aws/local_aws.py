"""An embedded AWS: a moto server on a loopback port, in a thread of this process.

The same endpoint code path as AWS (HTTP, SigV4, the boto3 clients), for the tests' fixtures
and for `vidpipe demo`/`vidpipe up`. moto is imported only when a server starts: it is a test
(and CLI) dependency, not a worker's.
"""

from __future__ import annotations

import logging
import socket
import urllib.request
from typing import Any

from vidpipe_aws.errors import AwsAdapterError


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
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address=self._host, port=self._port, verbose=False)
        server.start()
        self._server = server
        self._port = server.get_host_and_port()[1]
