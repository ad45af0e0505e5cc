"""`python -m vidpipe_detection` (or `vidpipe-detection-worker`): run the detection-worker.

`vidpipe_aws.serve` reads the settings once (DetectionSettings, AwsSettings, RunnerSettings;
see the README) and runs the handler built here. DETECTION_QUEUE_URL is required. The models
load (with /health/ready answering 503) before the first message is taken; a model that fails
to load stops the process.
"""

from __future__ import annotations

from vidpipe_aws import WorkerContext, WorkerParts, serve
from vidpipe_detection.build import build_detector
from vidpipe_detection.handler import DetectionHandler
from vidpipe_detection.settings import DetectionSettings
from vidpipe_types import Worker

#: The queue this worker consumes, which also gives its name (`vidpipe_aws.worker_name`).
QUEUE = Worker.DETECTION


def build(worker: WorkerContext[DetectionSettings]) -> WorkerParts:
    settings, aws = worker.settings, worker.aws
    # The storage fetches YOLO_MODEL_PATH when it is in S3, during the warm-up (`load`).
    detector = build_detector(settings, storage=aws.storage)
    handler = DetectionHandler(
        storage=aws.storage,
        jobs=aws.jobs,
        detector=detector,
        settings=settings,
        output_bucket=worker.aws_settings.output_bucket,
        input_bucket=worker.aws_settings.input_bucket,
    )
    return WorkerParts(handler, ready=lambda: detector.ready, warm_up=detector.load)


def main() -> int:
    return serve(QUEUE, DetectionSettings, build)


if __name__ == "__main__":
    raise SystemExit(main())
