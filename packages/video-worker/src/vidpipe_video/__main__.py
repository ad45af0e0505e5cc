"""`python -m vidpipe_video` (or `vidpipe-video-worker`): run the video-worker.

Settings are read here, once: VideoSettings, AwsSettings and RunnerSettings from the
environment (see the README). VIDEO_QUEUE_URL and REASSEMBLY_QUEUE_URL are required.
The models ENABLED_MODELS picks are loaded (with /health/ready answering 503) before the first
message is taken; a model that fails to load stops the process (a worker that cannot process
is better restarted than idle).
"""

from __future__ import annotations

from vidpipe_aws import AwsContext, AwsSettings, RunnerSettings, run_worker
from vidpipe_aws.webhook import NotifyingFailureRecorder, WebhookNotifier
from vidpipe_video.handler import VideoHandler
from vidpipe_video.models import builtin_registry
from vidpipe_video.settings import VideoSettings

WORKER_NAME = "video-worker"


def main() -> int:
    settings = VideoSettings()
    aws = AwsSettings()
    runner = RunnerSettings.for_worker(WORKER_NAME)
    ctx = AwsContext.from_settings(aws)
    queue = ctx.queue(aws.video_queue_url, "VIDEO_QUEUE_URL")
    registry = builtin_registry(settings.ffmpeg_limits()).select(settings.enabled_model_names)
    if settings.work_dir is not None:
        settings.work_dir.mkdir(parents=True, exist_ok=True)
    notifier = WebhookNotifier(settings.callback_url)
    handler = VideoHandler(
        storage=ctx.storage,
        jobs=ctx.jobs,
        completions=ctx.completions,
        trigger=ctx.trigger,
        registry=registry,
        settings=settings,
        output_bucket=aws.output_bucket,
    )
    try:
        return run_worker(
            queue,
            handler,
            runner,
            failures=NotifyingFailureRecorder(ctx.jobs, notifier),
            ready=lambda: registry.ready,
            # Models load with the health endpoint already answering 503 on /health/ready.
            warm_up=registry.load_all,
        )
    finally:
        # Deliver the "failed" webhooks of the last jobs before the process exits.
        notifier.flush()


if __name__ == "__main__":
    raise SystemExit(main())
