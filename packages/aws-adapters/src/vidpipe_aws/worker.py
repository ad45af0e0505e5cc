"""`serve`: the one way a worker process starts, whichever worker it is.

Every worker's `__main__` is a call to `serve` with the queue it consumes, its settings class
and a handler factory:

    def build(worker: WorkerContext[ChunkingSettings]) -> WorkerParts:
        return WorkerParts(ChunkingHandler(worker.aws.storage, ..., notifier=worker.notifier))

    def main() -> int:
        return serve(Worker.CHUNKING, ChunkingSettings, build)

`serve` reads every setting once (the worker's own, AwsSettings, RunnerSettings under the
worker's one name), builds the clients and adapters, the webhook notifier and the failure
recorder, runs the worker until SIGTERM/SIGINT, and delivers the last webhooks on the way out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from vidpipe_aws.bootstrap import AwsContext
from vidpipe_aws.outbox import OutboxDeliverer
from vidpipe_aws.runner import RunnerSettings, run_worker
from vidpipe_aws.settings import AwsSettings, WorkerSettings
from vidpipe_aws.webhook import NotifyingFailureRecorder, WebhookNotifier
from vidpipe_aws.worker_names import worker_name
from vidpipe_types.topology import Worker

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from vidpipe_aws.runner import Handler
    from vidpipe_aws.runner.health import JsonRoute
    from vidpipe_aws.sqs import SqsQueue

SettingsT = TypeVar("SettingsT", bound=WorkerSettings)


@dataclass(frozen=True)
class WorkerContext(Generic[SettingsT]):
    """What a handler factory builds from: the settings, read once, and the shared adapters."""

    name: str
    settings: SettingsT
    aws: AwsContext
    runner: RunnerSettings
    queue: SqsQueue
    notifier: WebhookNotifier
    #: Delivers the job records' outboxes (webhooks, the detection request, promotions);
    #: `notifier.notify(job_id, ...)` hands a job to it.
    outbox: OutboxDeliverer

    @property
    def aws_settings(self) -> AwsSettings:
        return self.aws.settings


@dataclass(frozen=True)
class WorkerParts:
    """What a handler factory returns: the handler, and for a worker that loads models, its
    readiness and the load itself (run with /health/ready answering 503, before any receive).
    """

    handler: Handler
    ready: Callable[[], bool] = lambda: True
    warm_up: Callable[[], None] | None = None
    #: The worker's own JSON routes on the health endpoint (path -> body), e.g. /health/models.
    routes: Mapping[str, JsonRoute] = field(default_factory=dict)


def serve(
    queue: Worker,
    settings_type: type[SettingsT],
    build: Callable[[WorkerContext[SettingsT]], WorkerParts],
) -> int:
    """Run the worker that consumes `queue` until SIGTERM/SIGINT; returns the exit code.

    The queue's URL setting (CHUNKING_QUEUE_URL, ...) is required: without it the process
    stops with MissingSettingError before anything is built. Call it from the main thread.
    """
    name = worker_name(queue)
    settings = settings_type()
    aws = AwsContext.from_settings(AwsSettings())
    notifier = WebhookNotifier(
        settings.callback_url,
        secret=settings.signing_secret,
        timeout_seconds=settings.webhook_timeout_seconds,
    )
    outbox = OutboxDeliverer(
        aws.jobs,
        notifier,
        detection_queue=aws.optional_queue_of(Worker.DETECTION),
        storage=aws.storage,
        output_bucket=aws.settings.output_bucket,
        max_attempts=settings.webhook_max_attempts,
        backoff_base_seconds=settings.webhook_backoff_base_seconds,
        backoff_max_seconds=settings.webhook_backoff_max_seconds,
    )
    notifier.attach_outbox(outbox)
    context = WorkerContext(
        name=name,
        settings=settings,
        aws=aws,
        runner=RunnerSettings.for_worker(name),
        queue=aws.queue_of(queue),
        notifier=notifier,
        outbox=outbox,
    )
    if settings.work_dir is not None:
        settings.work_dir.mkdir(parents=True, exist_ok=True)
    try:
        parts = build(context)
        return run_worker(
            context.queue,
            parts.handler,
            context.runner,
            failures=NotifyingFailureRecorder(aws.jobs, context.notifier),
            ready=parts.ready,
            warm_up=parts.warm_up,
            routes=parts.routes,
        )
    finally:
        # Deliver the webhooks of the last jobs before the process exits.
        context.notifier.flush()
