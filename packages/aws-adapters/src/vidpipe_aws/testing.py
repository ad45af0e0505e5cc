"""A pytest plugin: a moto server over HTTP on loopback, the same code path as AWS.

Registered through the `pytest11` entry point, so any package whose test environment holds
vidpipe-aws-adapters can ask for `moto_server`, `aws_settings` or `aws_clients`.

`aws_settings`, `aws_clients` and `aws_endpoint_env` follow VIDPIPE_AWS_TARGET (see
`vidpipe_aws.targets`): unset, the moto server; an URL (LocalStack), that endpoint for S3 and
SQS, emptied before each test, with DynamoDB still on the moto server.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from vidpipe_aws.clients import AwsClients
from vidpipe_aws.local_aws import EmbeddedAws, free_loopback_port
from vidpipe_aws.settings import AwsSettings
from vidpipe_aws.targets import AwsTarget, endpoint_variable, external_endpoint

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
def aws_endpoint_env(moto_server: MotoServer) -> dict[str, str]:
    """The endpoint variables of this test's AWS: the moto server, or the external endpoint
    (emptied) and the moto server for the services it does not serve."""
    chosen = external_endpoint()
    if chosen is None:
        return {"AWS_ENDPOINT_URL": moto_server.endpoint_url}
    url, services = chosen
    env = {"AWS_ENDPOINT_URL": url}
    for service in ("s3", "sqs", "dynamodb"):
        env[endpoint_variable(service)] = url if service in services else moto_server.endpoint_url
    clients = AwsClients.from_settings(
        AwsSettings.model_validate({"AWS_REGION": "us-east-1", **env})
    )
    AwsTarget(url, external_services=services, proxy=False).reset(clients)
    return env


@pytest.fixture
def aws_settings(aws_endpoint_env: dict[str, str]) -> AwsSettings:
    return AwsSettings.model_validate({"AWS_REGION": "us-east-1", **aws_endpoint_env})


@pytest.fixture
def aws_clients(aws_settings: AwsSettings) -> AwsClients:
    return AwsClients.from_settings(aws_settings)


__all__ = [
    "MotoServer",
    "aws_clients",
    "aws_endpoint_env",
    "aws_settings",
    "free_loopback_port",
    "moto_server",
]
