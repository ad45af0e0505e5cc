"""The adapters of one worker process, wired to one set of clients built from settings.

`vidpipe_aws.serve` builds an `AwsContext` for each worker entrypoint and hands it to the
worker's handler factory. Nothing here runs at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from vidpipe_aws.clients import AwsClients
from vidpipe_aws.dynamo_completions import DynamoCompletionStore
from vidpipe_aws.dynamo_jobs import DynamoJobStore
from vidpipe_aws.errors import AwsAdapterError
from vidpipe_aws.reassembly import ReassemblyTrigger
from vidpipe_aws.s3 import S3Storage
from vidpipe_aws.sqs import SqsQueue
from vidpipe_types.topology import Worker

if TYPE_CHECKING:
    from vidpipe_aws.settings import AwsSettings


class MissingSettingError(AwsAdapterError):
    """A setting the worker cannot run without is unset."""


@dataclass
class AwsContext:
    """The adapters of one process, built lazily from one set of clients."""

    settings: AwsSettings
    clients: AwsClients

    @classmethod
    def from_settings(cls, settings: AwsSettings) -> AwsContext:
        return cls(settings=settings, clients=AwsClients.from_settings(settings))

    @cached_property
    def storage(self) -> S3Storage:
        return S3Storage(self.clients.s3)

    @cached_property
    def jobs(self) -> DynamoJobStore:
        return DynamoJobStore(
            self.clients.dynamodb, self.settings.jobs_table, retention=self.settings.retention
        )

    @cached_property
    def completions(self) -> DynamoCompletionStore:
        return DynamoCompletionStore(
            self.clients.dynamodb,
            self.settings.segment_completions_table,
            retention=self.settings.retention,
        )

    @cached_property
    def trigger(self) -> ReassemblyTrigger:
        return ReassemblyTrigger(self.jobs, self.completions, self.queue_of(Worker.REASSEMBLY))

    def queue_of(self, queue: Worker) -> SqsQueue:
        """The queue `queue` at the URL its setting gives; MissingSettingError when unset."""
        return self.queue(self.settings.queue_url(queue), self.settings.queue_url_setting(queue))

    def optional_queue_of(self, queue: Worker) -> SqsQueue | None:
        """The queue `queue`, or None when its URL setting is unset (an optional feature)."""
        return self.queue_of(queue) if self.settings.queue_url(queue) else None

    def queue(self, url: str | None, setting_name: str) -> SqsQueue:
        """The queue at `url`; `setting_name` is named in the error when it is unset."""
        if not url:
            raise MissingSettingError(f"{setting_name} is not set")
        return SqsQueue(self.clients.sqs, url)
