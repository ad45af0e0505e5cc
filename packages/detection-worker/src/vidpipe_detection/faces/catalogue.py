"""Every face backend this build knows: the one place to register a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidpipe_detection.faces.mediapipe_face import MediaPipeFaceBackend
from vidpipe_detection.faces.registry import FaceBackendRegistry
from vidpipe_detection.faces.yolo_face import YoloFaceBackend

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


def builtin_backends(
    *, yolo_model_path: Path | Callable[[], Path] | None = None, yolo_image_size: int = 640
) -> FaceBackendRegistry:
    registry = FaceBackendRegistry()
    registry.register(MediaPipeFaceBackend.name, MediaPipeFaceBackend)
    registry.register(
        YoloFaceBackend.name,
        lambda threshold: YoloFaceBackend(yolo_model_path, threshold, image_size=yolo_image_size),
    )
    return registry
