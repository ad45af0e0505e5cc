"""`python -m vidpipe_chunking.import_worker` (or `vidpipe-import-worker`): run the import worker.

It lives in the chunking-worker's package (and image) because it is the step just before
chunking and needs nothing else: a message's path stays one queue -> one handler per process,
IMPORT_QUEUE_URL -> ImportHandler -> `input/{job_id}/...` -> the chunking queue.
`vidpipe_aws.serve` reads the settings once (ImportSettings, AwsSettings, RunnerSettings; see
the README) and runs the handler built here.
"""

from __future__ import annotations

from vidpipe_aws import WorkerContext, WorkerParts, serve
from vidpipe_chunking.import_settings import ImportSettings
from vidpipe_chunking.importer import ImportHandler
from vidpipe_types import Worker

#: The queue this worker consumes, which also gives its name (`vidpipe_aws.worker_name`).
QUEUE = Worker.IMPORT


def build(worker: WorkerContext[ImportSettings]) -> WorkerParts:
    settings = worker.settings
    handler = ImportHandler(
        worker.aws.storage,
        worker.aws.jobs,
        settings.fetch_policy(),
        work_dir=settings.work_dir,
        progress_interval_seconds=settings.progress_interval_seconds,
    )
    return WorkerParts(handler)


def main() -> int:
    return serve(QUEUE, ImportSettings, build)


if __name__ == "__main__":
    raise SystemExit(main())
