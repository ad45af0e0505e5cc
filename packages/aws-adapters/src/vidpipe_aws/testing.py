"""A pytest plugin: a moto server over HTTP on loopback, the same code path as AWS.

Registered through the `pytest11` entry point, so any package whose test environment holds
vidpipe-aws-adapters can ask for `moto_server`, `aws_settings` or `aws_clients`.
"""

from __future__ import annotations

import os
import socket
import urllib.request
from typing import TYPE_CHECKING

import pytest

from vidpipe_aws.clients import AwsClients
from vidpipe_aws.settings import AwsSettings

if TYPE_CHECKING:
    from collections.abc import Iterator

_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class MotoServer:
    """A running ThreadedMotoServer and its endpoint URL."""

    def __init__(self, port: int | None = None) -> None:
        from moto.server import ThreadedMotoServer

        self.port = port or free_loopback_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass


@pytest.fixture(scope="session")
def _moto_server_session() -> Iterator[MotoServer]:
    for name, value in _FAKE_CREDENTIALS.items():
        os.environ.setdefault(name, value)
    server = MotoServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def moto_server(_moto_server_session: MotoServer) -> Iterator[MotoServer]:
    """A moto server with empty state for this test."""
    _moto_server_session.reset()
    yield _moto_server_session


@pytest.fixture
def aws_settings(moto_server: MotoServer) -> AwsSettings:
    return AwsSettings(AWS_REGION="us-east-1", AWS_ENDPOINT_URL=moto_server.endpoint_url)


@pytest.fixture
def aws_clients(aws_settings: AwsSettings) -> AwsClients:
    return AwsClients.from_settings(aws_settings)
