"""The API served by a real uvicorn on loopback, over a moto server provisioned like a stack."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx2
import pytest

from vidpipe_api import ApiSettings, create_app
from vidpipe_api.__main__ import build_context
from vidpipe_aws import AwsClients, AwsSettings, DynamoApiKeyStore, DynamoJobStore, provision
from vidpipe_aws.provision import ProvisionedStack
from vidpipe_aws.testing import MotoServer
from vidpipe_types import StackNames, Worker

from ..live_server import serving

NAMES = StackNames(prefix="apitest")


@dataclass
class LiveApi:
    base_url: str
    http: httpx2.Client
    clients: AwsClients
    stack: ProvisionedStack
    jobs: DynamoJobStore
    acme: dict[str, str]
    beta: dict[str, str]
    import_queue_url: str


@pytest.fixture
def live_api(moto_server: MotoServer, aws_clients: AwsClients) -> Iterator[LiveApi]:
    stack = provision(aws_clients, NAMES)
    import_queue_url = aws_clients.sqs.create_queue(QueueName="apitest-import")["QueueUrl"]
    aws = AwsSettings(
        AWS_REGION="us-east-1", AWS_ENDPOINT_URL=moto_server.endpoint_url, **stack.env()
    )
    settings = ApiSettings(
        API_KEYS_TABLE_NAME=NAMES.api_keys_table,
        IMPORT_QUEUE_URL=import_queue_url,
        DEPLOYED_MODES="passthrough,grayscale",
        DOWNLOAD_URL_EXPIRY_SECONDS=600,
    )
    keys = DynamoApiKeyStore(aws_clients.dynamodb, NAMES.api_keys_table)
    _, acme_key = keys.create("acme", "integration")
    _, beta_key = keys.create("beta", "integration")
    with (
        serving(create_app(build_context(settings, aws))) as base_url,
        httpx2.Client(base_url=base_url, timeout=10) as http,
    ):
        yield LiveApi(
            base_url=base_url,
            http=http,
            clients=aws_clients,
            stack=stack,
            jobs=DynamoJobStore(aws_clients.dynamodb, NAMES.jobs_table),
            acme={"Authorization": f"Bearer {acme_key}"},
            beta={"Authorization": f"Bearer {beta_key}"},
            import_queue_url=import_queue_url,
        )


def chunking_queue_url(api: LiveApi) -> str:
    return api.stack.queue_url(Worker.CHUNKING)
