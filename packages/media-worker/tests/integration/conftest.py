"""The `stack` fixture (vidpipe's resources provisioned on the moto server, real adapters),
and real segments of bikes.mp4."""

from __future__ import annotations

from pathlib import Path

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
from vidpipe_ffmpeg import SplitResult, split
from vidpipe_types import StackNames, Worker


@pytest.fixture(scope="session")
def bikes_split(bikes_path: Path, tmp_path_factory: pytest.TempPathFactory) -> SplitResult:
    """bikes.mp4 in 4 stream-copied segments (cuts at its keyframes 3.04, 5.48, 7.48 s)."""
    result = split(bikes_path, tmp_path_factory.mktemp("bikes-segments"), 3.0)
    assert result.strategy == "copy" and len(result.segments) > 1
    return result


@pytest.fixture(scope="session")
def bikes_segments(bikes_split: SplitResult) -> list[Path]:
    return [segment.path for segment in bikes_split.segments]


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
