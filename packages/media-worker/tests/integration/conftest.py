"""The `stack` fixture: vidpipe's resources provisioned on the moto server, real adapters."""

from __future__ import annotations

import pytest
from media_stack import Stack

from vidpipe_aws import (
    AwsClients,
    DynamoCompletionStore,
    DynamoJobStore,
    S3Storage,
    SqsQueue,
    provision,
)
from vidpipe_types import StackNames, Worker


@pytest.fixture
def stack(aws_clients: AwsClients) -> Stack:
    provisioned = provision(aws_clients, StackNames(prefix="vp-media"))
    return Stack(
        provisioned=provisioned,
        clients=aws_clients,
        storage=S3Storage(aws_clients.s3),
        jobs=DynamoJobStore(aws_clients.dynamodb, provisioned.jobs_table),
        completions=DynamoCompletionStore(
            aws_clients.dynamodb, provisioned.segment_completions_table, page_size=2
        ),
        reassembly=SqsQueue(aws_clients.sqs, provisioned.queue_url(Worker.REASSEMBLY)),
        reassembly_dlq=SqsQueue(aws_clients.sqs, provisioned.dlq_url(Worker.REASSEMBLY)),
    )
