"""`python -m vidpipe_detection` (or `vidpipe-detection-worker`): run the detection-worker.

Settings are read here, once: DetectionSettings, AwsSettings and RunnerSettings from the
environment (see the README). DETECTION_QUEUE_URL is required. The models load (with
/health/ready answering 503) before the first message is taken; a model that fails to load stops
the process.
"""

from __future__ import annotations

from vidpipe_aws import AwsContext, AwsSettings, RunnerSettings, run_worker
from vidpipe_aws.webhook import NotifyingFailureRecorder, WebhookNotifier
from vidpipe_detection.build import build_detector
from vidpipe_detection.handler import DetectionHandler
from vidpipe_detection.settings import DetectionSettings

WORKER_NAME = "detection-worker"


def main() -> int:
    settings = DetectionSettings()
    aws = AwsSettings()
    runner = RunnerSettings()
    if "worker_name" not in runner.model_fields_set:
        runner = runner.model_copy(update={"worker_name": WORKER_NAME})
    ctx = AwsContext.from_settings(aws)
    queue = ctx.queue(aws.detection_queue_url, "DETECTION_QUEUE_URL")
    detector = build_detector(settings)
    notifier = WebhookNotifier(settings.callback_url)
    handler = DetectionHandler(
        storage=ctx.storage,
        jobs=ctx.jobs,
        detector=detector,
        settings=settings,
        output_bucket=aws.output_bucket,
        input_bucket=aws.input_bucket,
    )
    try:
        return run_worker(
            queue,
            handler,
            runner,
            failures=NotifyingFailureRecorder(ctx.jobs, notifier),
            ready=lambda: detector.ready,
            warm_up=detector.load,
        )
    finally:
        notifier.flush()


if __name__ == "__main__":
    raise SystemExit(main())
