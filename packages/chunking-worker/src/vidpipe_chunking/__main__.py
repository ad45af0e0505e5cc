"""`python -m vidpipe_chunking` (or `vidpipe-chunking-worker`): run the chunking-worker.

`vidpipe_aws.serve` reads the settings once (ChunkingSettings, AwsSettings, RunnerSettings;
see the README) and runs the handler built here. CHUNKING_QUEUE_URL is required;
DETECTION_QUEUE_URL is optional (without it, uploads asking for detection are chunked without
a detection request).
"""

from __future__ import annotations

from vidpipe_aws import WorkerContext, WorkerParts, serve
from vidpipe_chunking.handler import ChunkingHandler
from vidpipe_chunking.settings import ChunkingSettings
from vidpipe_types import Worker

#: The queue this worker consumes, which also gives its name (`vidpipe_aws.worker_name`).
QUEUE = Worker.CHUNKING


def build(worker: WorkerContext[ChunkingSettings]) -> WorkerParts:
    aws = worker.aws
    handler = ChunkingHandler(
        aws.storage,
        aws.jobs,
        aws.trigger,
        worker.settings,
        detection_queue=aws.optional_queue_of(Worker.DETECTION),
        notifier=worker.notifier,
    )
    return WorkerParts(handler)


def main() -> int:
    return serve(QUEUE, ChunkingSettings, build)


if __name__ == "__main__":
    raise SystemExit(main())
