"""boto3 clients, built once at the entrypoint from settings and injected everywhere else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

    from vidpipe_aws.settings import AwsSettings

# Adaptive retries absorb short throttling bursts inside botocore; what still fails reaches
# us as a RetryableAwsError and the runner backs the message off.
_BOTO_CONFIG = Config(
    retries={"max_attempts": 5, "mode": "adaptive"},
    connect_timeout=5,
    read_timeout=30,
    max_pool_connections=32,
)


@dataclass(frozen=True)
class AwsClients:
    s3: S3Client
    sqs: SQSClient
    dynamodb: DynamoDBClient

    @classmethod
    def from_settings(
        cls, settings: AwsSettings, *, session: boto3.session.Session | None = None
    ) -> AwsClients:
        """Clients for `settings`; `session` carries explicit credentials (the local stack's)."""
        session = session or boto3.session.Session(region_name=settings.region)
        kwargs: dict[str, Any] = {"config": _BOTO_CONFIG, "region_name": settings.region}

        def endpoint(service: str) -> dict[str, Any]:
            # The service's own endpoint (AWS_ENDPOINT_URL_<SERVICE>) wins over the global one.
            url = settings.endpoint_for(service)
            return {"endpoint_url": url} if url else {}

        return cls(
            s3=session.client("s3", **kwargs, **endpoint("s3")),
            sqs=session.client("sqs", **kwargs, **endpoint("sqs")),
            dynamodb=session.client("dynamodb", **kwargs, **endpoint("dynamodb")),
        )
