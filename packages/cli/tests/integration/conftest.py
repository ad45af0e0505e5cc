"""The CLI's commands against a moto server (the `moto_server` fixture of vidpipe_aws.testing),
with the stack provisioned and no workers: what a command does is checked in the stack."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from click.testing import CliRunner, Result

from vidpipe_aws import provision
from vidpipe_cli.main import cli
from vidpipe_cli.target import Target
from vidpipe_types import StackNames


@dataclass
class CliHarness:
    target: Target
    endpoint_url: str
    #: The per-service endpoints of the target (VIDPIPE_AWS_TARGET), for the command.
    endpoint_env: dict[str, str] = field(default_factory=dict)

    def run(self, *args: str) -> Result:
        return CliRunner(env=self.endpoint_env).invoke(
            cli, ["--endpoint-url", self.endpoint_url, *args]
        )


@pytest.fixture
def harness(aws_endpoint_env, aws_clients) -> CliHarness:
    names = StackNames()
    stack = provision(aws_clients, names)
    # S3 sends an s3:TestEvent to each notified queue when notifications are configured.
    for url in stack.queue_urls.values():
        aws_clients.sqs.purge_queue(QueueUrl=url)
    endpoint_url = aws_endpoint_env["AWS_ENDPOINT_URL"]
    target = Target(names=names, clients=aws_clients, endpoint_url=endpoint_url)
    return CliHarness(target=target, endpoint_url=endpoint_url, endpoint_env=aws_endpoint_env)
