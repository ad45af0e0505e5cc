"""`python -m vidpipe_detection` (or `vidpipe-detection-worker`): run the detection-worker.

`vidpipe_aws.serve` reads the settings once (DetectionSettings, AwsSettings, RunnerSettings;
see the README) and runs the handler built here. DETECTION_QUEUE_URL is required. The models
load (with /health/ready answering 503) before the first message is taken; a model that fails
to load stops the process. `GET /health/models` on the health port lists the models.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from vidpipe_aws import WorkerContext, WorkerParts, serve
from vidpipe_detection.build import build_detector
from vidpipe_detection.handler import DetectionHandler
from vidpipe_detection.settings import DetectionSettings
from vidpipe_types import Worker

if TYPE_CHECKING:
    from vidpipe_detection.detector import Detector

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
        # Part requests of segment-parallel detection go back to this worker's own queue.
        queue=worker.queue,
        notifier=worker.notifier,
    )
    return WorkerParts(
        handler,
        ready=lambda: detector.ready,
        warm_up=detector.load,
        routes={"/health/models": lambda: models_body(detector)},
    )


def models_body(detector: Detector) -> dict[str, Any]:
    """`GET /health/models`: each model's name, backend, weights source, load time, loaded."""
    return {"models": [asdict(model) for model in detector.model_status()]}


def main() -> int:
    return serve(QUEUE, DetectionSettings, build)


if __name__ == "__main__":
    raise SystemExit(main())
