"""A pytest plugin: a moto server over HTTP on loopback, the same code path as AWS.

Registered through the `pytest11` entry point, so any package whose test environment holds
vidpipe-aws-adapters can ask for `moto_server`, `aws_settings` or `aws_clients`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from vidpipe_aws.clients import AwsClients
from vidpipe_aws.local_aws import EmbeddedAws, free_loopback_port
from vidpipe_aws.settings import AwsSettings

if TYPE_CHECKING:
    from collections.abc import Iterator

_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class MotoServer(EmbeddedAws):
    """The tests' moto server: a free loopback port, started by the session fixture."""


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


__all__ = [
    "MotoServer",
    "aws_clients",
    "aws_settings",
    "free_loopback_port",
    "moto_server",
]
