"""Entrypoint: `python -m vidpipe_media` or `vidpipe-media-worker`.

`vidpipe_aws.serve` reads the settings once (MediaSettings, AwsSettings, RunnerSettings) and
runs the handler built here on REASSEMBLY_QUEUE_URL until SIGTERM/SIGINT; building it also
starts the sweeper thread (unless SWEEP_INTERVAL_SECONDS=0).
"""

from __future__ import annotations

from vidpipe_aws import WorkerContext, WorkerParts, serve
from vidpipe_media.analysis import Analyzer, build_client
from vidpipe_media.handler import MediaHandler
from vidpipe_media.settings import MediaSettings
from vidpipe_media.sweeper import Sweeper
from vidpipe_types import Worker

#: The queue this worker consumes, which also gives its name (`vidpipe_aws.worker_name`).
QUEUE = Worker.REASSEMBLY


def build(worker: WorkerContext[MediaSettings]) -> WorkerParts:
    settings, aws = worker.settings, worker.aws
    genai_client = build_client(settings)
    analyzer = Analyzer(genai_client, settings) if genai_client is not None else None
    handler = MediaHandler(
        aws.storage,
        aws.jobs,
        aws.completions,
        settings,
        output_bucket=worker.aws_settings.output_bucket,
        notifier=worker.notifier,
        outbox=worker.outbox,
        analyzer=analyzer,
    )
    if settings.sweeper_enabled:
        # A daemon thread: it stops with the process, and a sweep cut short loses nothing.
        Sweeper(aws.jobs, aws.trigger, settings, outbox=worker.outbox).start()
    return WorkerParts(handler)


def main() -> int:
    return serve(QUEUE, MediaSettings, build)


if __name__ == "__main__":
    raise SystemExit(main())
