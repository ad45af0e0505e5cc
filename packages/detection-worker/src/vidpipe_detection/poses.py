"""Body poses: MediaPipe Pose (33 named landmarks), whose model ships in mediapipe 0.10.21.

MediaPipe's legacy pose solution finds one body per frame (the most prominent). Each frame is
run as a still image: sampled frames seconds apart share no motion its landmark tracking could
use, and one estimator then serves every job. `confidence` is the mean visibility of the 33
landmarks; POSE_CONFIDENCE_THRESHOLD is the person detector's minimum score.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cv2

from vidpipe_detection.boxes import Box
from vidpipe_detection.errors import ModelsNotLoadedError
from vidpipe_types import POSE_KEYPOINT_NAMES

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

#: MediaPipe's "full" pose model: the one bundled with the wheel.
MODEL_COMPLEXITY = 1
#: Keypoints this visible or more outline the body's box.
BOX_VISIBILITY = 0.5


@dataclass(frozen=True)
class Pose:
    """One body: normalised keypoints (x, y, visibility), pixel keypoints, box, confidence."""

    keypoints: dict[str, tuple[float, float, float]]
    keypoints_px: dict[str, tuple[float, float]]
    box: Box

    @property
    def confidence(self) -> float:
        return self.box.confidence


class PoseEstimator:
    """MediaPipe Pose behind a lock (its graph keeps per-call state), loaded once."""

    def __init__(self, confidence_threshold: float = 0.5) -> None:
        self.confidence_threshold = confidence_threshold
        self._lock = threading.Lock()
        self._model: Any = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        from vidpipe_detection._mediapipe import solutions

        with self._lock:
            if self._model is None:
                self._model = solutions().pose.Pose(
                    static_image_mode=True,
                    model_complexity=MODEL_COMPLEXITY,
                    min_detection_confidence=self.confidence_threshold,
                )

    def detect(self, image: NDArray[np.uint8]) -> list[Pose]:
        """The body in a BGR image (none or one)."""
        if self._model is None:
            raise ModelsNotLoadedError("the pose model is not loaded")
        with self._lock:
            result = self._model.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
        landmarks = getattr(result.pose_landmarks, "landmark", None)
        if not landmarks:
            return []
        height, width = image.shape[:2]
        return [_pose(landmarks, width, height)]


def _pose(landmarks: Any, width: int, height: int) -> Pose:
    keypoints: dict[str, tuple[float, float, float]] = {}
    pixels: dict[str, tuple[float, float]] = {}
    for name, landmark in zip(POSE_KEYPOINT_NAMES, landmarks, strict=True):
        x, y, visibility = float(landmark.x), float(landmark.y), float(landmark.visibility)
        keypoints[name] = (round(x, 5), round(y, 5), round(min(max(visibility, 0.0), 1.0), 4))
        pixels[name] = (round(x * width, 1), round(y * height, 1))
    confidence = sum(v for _, _, v in keypoints.values()) / len(keypoints)
    seen = [pixels[name] for name, (_, _, v) in keypoints.items() if v >= BOX_VISIBILITY]
    outline = seen or list(pixels.values())
    xs, ys = [p[0] for p in outline], [p[1] for p in outline]
    box = Box.from_corners(
        min(xs), min(ys), max(xs), max(ys), round(confidence, 4), size=(width, height)
    )
    return Pose(keypoints=keypoints, keypoints_px=pixels, box=box)
