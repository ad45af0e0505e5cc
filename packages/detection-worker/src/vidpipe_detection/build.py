"""From settings to a Detector: what the worker's entrypoint and `vidpipe detect` both call."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from vidpipe_aws import default_weights_dir, fetch_weights
from vidpipe_detection.detector import Detector
from vidpipe_detection.faces.catalogue import builtin_backends
from vidpipe_detection.poses import PoseEstimator

if TYPE_CHECKING:
    from collections.abc import Callable

    from vidpipe_aws import ObjectStorage
    from vidpipe_detection.faces.registry import FaceBackendRegistry
    from vidpipe_detection.settings import DetectionSettings


def build_detector(
    settings: DetectionSettings,
    registry: FaceBackendRegistry | None = None,
    *,
    storage: ObjectStorage | Callable[[], ObjectStorage] | None = None,
) -> Detector:
    """A Detector with FACE_BACKEND's backend (not loaded yet: call `load`).

    An unknown FACE_BACKEND raises UnknownBackendError here, so a mistyped setting stops the
    worker at start-up. A YOLO_MODEL_PATH in S3 is fetched through `storage` by `load`, into
    WORK_DIR (else the temporary directory), and verified against YOLO_MODEL_SHA256.
    """
    weights = settings.yolo_weights
    yolo_model = None
    if weights is not None:
        yolo_model = partial(
            fetch_weights, weights, storage, weights_dir=default_weights_dir(settings.work_dir)
        )
    backends = registry or builtin_backends(
        yolo_model_path=yolo_model, yolo_image_size=settings.yolo_image_size
    )
    face_backend = backends.create(settings.face_backend_name, settings.face_confidence_threshold)
    return Detector(
        face_backend,
        PoseEstimator(settings.pose_confidence_threshold),
        torch_threads=settings.torch_threads,
        limits=settings.ffmpeg_limits(),
    )
