"""The stack a command talks to: moto, LocalStack or AWS, reached the same way.

Resource names come from `vidpipe_types.topology.StackNames` (the definition that provisioning
and infra use); queue URLs are looked up by name, so nothing but the prefix, the region and
the endpoint has to be configured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from vidpipe_aws import (
    AwsClients,
    AwsSettings,
    DynamoCompletionStore,
    DynamoJobStore,
    S3Storage,
)
from vidpipe_cli.errors import StackNotFoundError
from vidpipe_types import StackNames, Worker

if TYPE_CHECKING:
    from vidpipe_cli.settings import CliSettings


@dataclass
class Target:
    names: StackNames
    clients: AwsClients
    endpoint_url: str | None = None
    _queue_urls: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_settings(cls, settings: CliSettings) -> Target:
        aws = AwsSettings(AWS_REGION=settings.region, AWS_ENDPOINT_URL=settings.endpoint_url)
        return cls(
            names=StackNames(prefix=settings.stack_prefix),
            clients=AwsClients.from_settings(aws),
            endpoint_url=settings.endpoint_url,
        )

    @property
    def where(self) -> str:
        """The endpoint in words, for messages."""
        return self.endpoint_url or f"AWS ({self.clients.s3.meta.region_name})"

    @cached_property
    def storage(self) -> S3Storage:
        return S3Storage(self.clients.s3)

    @cached_property
    def jobs(self) -> DynamoJobStore:
        return DynamoJobStore(self.clients.dynamodb, self.names.jobs_table)

    @cached_property
    def completions(self) -> DynamoCompletionStore:
        return DynamoCompletionStore(self.clients.dynamodb, self.names.segment_completions_table)

    def queue_url(self, worker: Worker) -> str:
        return self._url(self.names.queue(Worker(worker)))

    def dlq_url(self, worker: Worker) -> str:
        return self._url(self.names.dlq(Worker(worker)))

    def _url(self, name: str) -> str:
        if name not in self._queue_urls:
            try:
                url = self.clients.sqs.get_queue_url(QueueName=name)["QueueUrl"]
            except ClientError as exc:
                raise StackNotFoundError(
                    f"queue {name!r} does not exist at {self.where}: run `vidpipe provision` "
                    "(or start a local stack with `vidpipe up`), or set VIDPIPE_STACK_PREFIX"
                ) from exc
            except BotoCoreError as exc:
                raise StackNotFoundError(f"cannot reach {self.where}: {exc}") from exc
            self._queue_urls[name] = url
        return self._queue_urls[name]
