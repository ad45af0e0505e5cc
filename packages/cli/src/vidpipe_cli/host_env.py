"""The environment `vidpipe provision` prints: what starts every worker of a stack on one host.

For real AWS it is the resource names and queue URLs (credentials come from the usual chain, one
worker per task). For a local endpoint (moto, LocalStack) it also carries what a person would
otherwise hit one by one: fake credentials (else every receive fails with NoCredentialsError
after the worker reported ready), the per-service endpoints, and HEALTH_PORT=0 (each worker
picks a free port and logs it, instead of all of them fighting for 8080).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidpipe_cli.local_stack import FAKE_CREDENTIALS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from vidpipe_aws import ProvisionedStack

SERVICE_ENDPOINT_VARIABLES = (
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_DYNAMODB",
)

#: Runner settings for several workers on one host.
HOST_RUNNER_ENV: dict[str, str] = {"HEALTH_PORT": "0", "HEALTH_HOST": "127.0.0.1"}


def provisioned_env(
    stack: ProvisionedStack,
    *,
    endpoint_url: str | None,
    region: str,
    environ: Mapping[str, str],
) -> dict[str, str]:
    """The variables for `stack`'s workers, in the order they are printed."""
    endpoints: dict[str, str] = {}
    if endpoint_url:
        endpoints["AWS_ENDPOINT_URL"] = endpoint_url
    for name in SERVICE_ENDPOINT_VARIABLES:
        if environ.get(name):
            endpoints[name] = environ[name]
    env: dict[str, str] = {**endpoints}
    if endpoints:
        env |= {"AWS_REGION": region, "AWS_DEFAULT_REGION": region}
        # A local endpoint accepts any credentials; the caller's own (perhaps real) ones are
        # not written out.
        env |= FAKE_CREDENTIALS
        env |= HOST_RUNNER_ENV
    env["VIDPIPE_STACK_PREFIX"] = stack.names.prefix
    env |= stack.env()
    return env
