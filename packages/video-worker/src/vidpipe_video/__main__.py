"""`python -m vidpipe_video` (or `vidpipe-video-worker`): run the video-worker.

`vidpipe_aws.serve` reads the settings once (VideoSettings, AwsSettings, RunnerSettings; see
the README) and runs the handler built here. VIDEO_QUEUE_URL and REASSEMBLY_QUEUE_URL are
required. The models ENABLED_MODELS picks are loaded (with /health/ready answering 503) before
the first message is taken; a model that fails to load stops the process (a worker that cannot
process is better restarted than idle).
"""

from __future__ import annotations

from vidpipe_aws import WorkerContext, WorkerParts, serve
from vidpipe_types import Worker
from vidpipe_video.handler import VideoHandler
from vidpipe_video.models import builtin_registry
from vidpipe_video.settings import VideoSettings

#: The queue this worker consumes, which also gives its name (`vidpipe_aws.worker_name`).
QUEUE = Worker.VIDEO


def build(worker: WorkerContext[VideoSettings]) -> WorkerParts:
    settings, aws = worker.settings, worker.aws
    registry = builtin_registry(settings.ffmpeg_limits()).select(settings.enabled_model_names)
    handler = VideoHandler(
        storage=aws.storage,
        jobs=aws.jobs,
        completions=aws.completions,
        trigger=aws.trigger,
        registry=registry,
        settings=settings,
        output_bucket=worker.aws_settings.output_bucket,
    )
    return WorkerParts(handler, ready=lambda: registry.ready, warm_up=registry.load_all)


def main() -> int:
    return serve(QUEUE, VideoSettings, build)


if __name__ == "__main__":
    raise SystemExit(main())
