"""A provisioned stack on the moto server, and the real adapters pointed at it."""

from __future__ import annotations

import pytest

from vidpipe_aws import AwsClients, AwsContext, AwsSettings, ProvisionedStack, provision
from vidpipe_types import StackNames


@pytest.fixture
def stack(aws_clients: AwsClients) -> ProvisionedStack:
    return provision(aws_clients, StackNames(prefix="vp-video"))


@pytest.fixture
def stack_settings(aws_settings: AwsSettings, stack: ProvisionedStack) -> AwsSettings:
    return AwsSettings(
        AWS_REGION=aws_settings.region,
        AWS_ENDPOINT_URL=aws_settings.endpoint_url,
        **stack.env(),
    )


@pytest.fixture
def ctx(stack_settings: AwsSettings) -> AwsContext:
    return AwsContext.from_settings(stack_settings)
