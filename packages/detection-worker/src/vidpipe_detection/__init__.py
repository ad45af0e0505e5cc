"""vidpipe_detection: the detection-worker.

It consumes DetectionRequests from the detection queue, samples frames of a job's video by
streaming decode, finds faces (a backend registry: MediaPipe BlazeFace by default, YOLO with
YOLO_MODEL_PATH) and poses (MediaPipe Pose, 33 keypoints), tracks both with DeepSORT in separate
id spaces, and writes `jobs/{job_id}/detections.json` (a `vidpipe_types.DetectionResult`) and
`jobs/{job_id}/detections-preview.mp4`.

`vidpipe_torch_compat.ensure_torchvision` (re-exported here) must run before anything imports
torchvision; the modules here call it themselves.
"""

from vidpipe_detection.boxes import Box, iou
from vidpipe_detection.build import build_detector
from vidpipe_detection.detector import Detector, ModelStatus, RunOptions, StageTimes
from vidpipe_detection.errors import (
    BackendConfigurationError,
    DetectionWorkerError,
    ModelsNotLoadedError,
    UnknownBackendError,
    UnreadableVideoError,
)
from vidpipe_detection.faces import (
    FaceBackend,
    FaceBackendRegistry,
    MediaPipeFaceBackend,
    YoloFaceBackend,
    builtin_backends,
)
from vidpipe_detection.frames import Frame, VideoInfo, inspect_video, iter_frames, plan_parts
from vidpipe_detection.handler import STAGE, DetectionHandler
from vidpipe_detection.local import default_output, detect_file, summary_line
from vidpipe_detection.poses import Pose, PoseEstimator
from vidpipe_detection.preview import PreviewWriter, draw
from vidpipe_detection.settings import DetectionSettings
from vidpipe_detection.tracking import (
    TRACKERS,
    AppearanceEmbedder,
    ByteTrackTracker,
    DeepSortTracker,
    ReidTracker,
    Tracker,
    make_tracker,
)
from vidpipe_detection.tracklets import PartResult, Tracklet, TrackletRecorder, stitch
from vidpipe_torch_compat import ensure_torchvision

__all__ = [
    "STAGE",
    "TRACKERS",
    "AppearanceEmbedder",
    "ByteTrackTracker",
    "ModelStatus",
    "PartResult",
    "ReidTracker",
    "Tracklet",
    "TrackletRecorder",
    "make_tracker",
    "plan_parts",
    "stitch",
    "BackendConfigurationError",
    "Box",
    "DeepSortTracker",
    "DetectionHandler",
    "DetectionSettings",
    "DetectionWorkerError",
    "Detector",
    "FaceBackend",
    "FaceBackendRegistry",
    "Frame",
    "MediaPipeFaceBackend",
    "ModelsNotLoadedError",
    "Pose",
    "PoseEstimator",
    "PreviewWriter",
    "RunOptions",
    "StageTimes",
    "Tracker",
    "UnknownBackendError",
    "UnreadableVideoError",
    "VideoInfo",
    "YoloFaceBackend",
    "build_detector",
    "default_output",
    "detect_file",
    "summary_line",
    "builtin_backends",
    "draw",
    "ensure_torchvision",
    "inspect_video",
    "iou",
    "iter_frames",
]
