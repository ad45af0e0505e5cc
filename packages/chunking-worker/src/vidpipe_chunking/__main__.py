"""`python -m vidpipe_chunking` (or `vidpipe-chunking-worker`): run the chunking-worker.

Settings are read here, once: ChunkingSettings, AwsSettings and RunnerSettings from the
environment (see the README). CHUNKING_QUEUE_URL is required; DETECTION_QUEUE_URL is optional
(without it, uploads asking for detection are chunked without a detection request).
"""

from __future__ import annotations

from vidpipe_aws import AwsContext, AwsSettings, RunnerSettings, run_worker
from vidpipe_aws.webhook import NotifyingFailureRecorder, WebhookNotifier
from vidpipe_chunking.handler import STAGE, ChunkingHandler
from vidpipe_chunking.settings import ChunkingSettings


def main() -> int:
    settings = ChunkingSettings()
    aws = AwsSettings()
    runner = RunnerSettings.for_worker(STAGE)
    ctx = AwsContext.from_settings(aws)
    queue = ctx.queue(aws.chunking_queue_url, "CHUNKING_QUEUE_URL")
    detection_queue = (
        ctx.queue(aws.detection_queue_url, "DETECTION_QUEUE_URL")
        if aws.detection_queue_url
        else None
    )
    notifier = WebhookNotifier(settings.callback_url)
    handler = ChunkingHandler(
        ctx.storage,
        ctx.jobs,
        ctx.trigger,
        settings,
        detection_queue=detection_queue,
        notifier=notifier,
    )
    try:
        return run_worker(
            queue, handler, runner, failures=NotifyingFailureRecorder(ctx.jobs, notifier)
        )
    finally:
        # Deliver the webhooks of the last jobs before the process exits.
        notifier.flush()


if __name__ == "__main__":
    raise SystemExit(main())
