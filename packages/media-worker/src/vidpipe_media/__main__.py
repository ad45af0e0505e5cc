"""Entrypoint: `python -m vidpipe_media` or `vidpipe-media-worker`.

Reads the settings once, wires the adapters, starts the sweeper thread (unless
SWEEP_INTERVAL_SECONDS=0) and runs the handler on REASSEMBLY_QUEUE_URL until SIGTERM/SIGINT.
"""

from __future__ import annotations

from vidpipe_aws import AwsContext, AwsSettings, RunnerSettings, run_worker
from vidpipe_aws.webhook import NotifyingFailureRecorder, WebhookNotifier
from vidpipe_media.analysis import Analyzer, build_client
from vidpipe_media.assemble import WORKER
from vidpipe_media.handler import MediaHandler
from vidpipe_media.settings import MediaSettings
from vidpipe_media.sweeper import Sweeper


def main() -> int:
    settings = MediaSettings()
    aws_settings = AwsSettings()
    runner_settings = RunnerSettings.for_worker(WORKER)
    context = AwsContext.from_settings(aws_settings)
    queue = context.queue(aws_settings.reassembly_queue_url, "REASSEMBLY_QUEUE_URL")
    notifier = WebhookNotifier(settings.callback_url)
    genai_client = build_client(settings)
    analyzer = Analyzer(genai_client, settings) if genai_client is not None else None
    handler = MediaHandler(
        context.storage,
        context.jobs,
        context.completions,
        settings,
        output_bucket=aws_settings.output_bucket,
        notifier=notifier,
        analyzer=analyzer,
    )
    if settings.sweeper_enabled:
        # A daemon thread: it stops with the process, and a sweep cut short loses nothing.
        Sweeper(context.jobs, context.trigger, settings).start()
    try:
        return run_worker(
            queue,
            handler,
            runner_settings,
            failures=NotifyingFailureRecorder(context.jobs, notifier),
        )
    finally:
        notifier.flush()


if __name__ == "__main__":
    raise SystemExit(main())
