"""`mediapipe`: BlazeFace, whose weights ship in mediapipe 0.10.21 (no download)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import cv2

from vidpipe_detection.boxes import Box
from vidpipe_detection.faces.base import FaceBackend

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

#: BlazeFace's full-range model (faces up to ~5 m); 0 is the short-range one (selfies).
FULL_RANGE = 1


class MediaPipeFaceBackend(FaceBackend):
    name: ClassVar[str] = "mediapipe"

    def __init__(self, confidence_threshold: float = 0.5, *, model_selection: int = FULL_RANGE):
        super().__init__(confidence_threshold)
        self._model_selection = model_selection
        self._detector: Any = None

    @property
    def weights_source(self) -> str:
        return "bundled in the mediapipe wheel (BlazeFace full range)"

    def _load(self) -> None:
        from vidpipe_detection._mediapipe import solutions

        # The graph's own threshold is the lowest we accept; ours is applied on top, so that
        # a threshold change needs no reload.
        self._detector = solutions().face_detection.FaceDetection(
            model_selection=self._model_selection,
            min_detection_confidence=min(self.confidence_threshold, 0.5),
        )

    def _detect(self, image: NDArray[np.uint8]) -> list[Box]:
        height, width = image.shape[:2]
        result = self._detector.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
        boxes: list[Box] = []
        for detection in result.detections or []:
            relative = detection.location_data.relative_bounding_box
            x1, y1 = relative.xmin * width, relative.ymin * height
            x2, y2 = x1 + relative.width * width, y1 + relative.height * height
            score = float(detection.score[0]) if detection.score else 0.0
            boxes.append(Box.from_corners(x1, y1, x2, y2, score, size=(width, height)))
        return [box for box in boxes if box.area > 0]
