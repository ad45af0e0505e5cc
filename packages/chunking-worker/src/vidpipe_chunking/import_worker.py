"""`python -m vidpipe_chunking.import_worker` (or `vidpipe-import-worker`): run the import worker.

It lives in the chunking-worker's package (and image) because it is the step just before
chunking and needs nothing else: a message's path stays one queue -> one handler per process,
IMPORT_QUEUE_URL -> ImportHandler -> `input/{job_id}/...` -> the chunking queue. Settings are
read here, once: ImportSettings, AwsSettings and RunnerSettings (see the README).
"""

from __future__ import annotations

from vidpipe_aws import AwsContext, AwsSettings, RunnerSettings, run_worker
from vidpipe_aws.webhook import NotifyingFailureRecorder, WebhookNotifier
from vidpipe_chunking.import_settings import ImportSettings
from vidpipe_chunking.importer import ImportHandler

WORKER_NAME = "import"


def main() -> int:
    settings = ImportSettings()
    aws = AwsSettings()
    runner = RunnerSettings.for_worker(WORKER_NAME)
    ctx = AwsContext.from_settings(aws)
    queue = ctx.queue(aws.import_queue_url, "IMPORT_QUEUE_URL")
    notifier = WebhookNotifier(settings.callback_url)
    handler = ImportHandler(
        ctx.storage,
        ctx.jobs,
        settings.fetch_policy(),
        work_dir=settings.work_dir,
        progress_interval_seconds=settings.progress_interval_seconds,
    )
    try:
        return run_worker(
            queue, handler, runner, failures=NotifyingFailureRecorder(ctx.jobs, notifier)
        )
    finally:
        notifier.flush()


if __name__ == "__main__":
    raise SystemExit(main())
