"""Face backends and the registry the detector picks one from (FACE_BACKEND)."""

from vidpipe_detection.faces.base import FaceBackend
from vidpipe_detection.faces.catalogue import builtin_backends
from vidpipe_detection.faces.mediapipe_face import MediaPipeFaceBackend
from vidpipe_detection.faces.registry import FaceBackendRegistry
from vidpipe_detection.faces.yolo_face import YoloFaceBackend

__all__ = [
    "FaceBackend",
    "FaceBackendRegistry",
    "MediaPipeFaceBackend",
    "YoloFaceBackend",
    "builtin_backends",
]
