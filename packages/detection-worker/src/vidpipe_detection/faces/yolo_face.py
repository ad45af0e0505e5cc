"""`yolo`: an ultralytics YOLO detector trained on faces, from YOLO_MODEL_PATH.

The path may be PyTorch weights (`.pt`), an ONNX export (`.onnx`, run by ONNX Runtime on the
CPU, which is faster there; see bench/bench_detection.py) or a model `.yaml` (random weights:
only for tests of this code path). When the model's classes include one named `face`, only
that class is kept; a model with other classes (a one-class model named otherwise) keeps all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from vidpipe_detection._ultralytics import ultralytics_module
from vidpipe_detection.boxes import Box
from vidpipe_detection.errors import BackendConfigurationError
from vidpipe_detection.faces.base import FaceBackend

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import numpy as np
    from numpy.typing import NDArray

_MODEL_SUFFIXES = (".pt", ".onnx", ".yaml", ".yml")
#: Boxes overlapping more than this are one face (the NMS inside ultralytics' predictor).
NMS_IOU = 0.5


class YoloFaceBackend(FaceBackend):
    name: ClassVar[str] = "yolo"

    def __init__(
        self,
        model_path: Path | Callable[[], Path] | None,
        confidence_threshold: float = 0.5,
        *,
        image_size: int = 640,
    ) -> None:
        super().__init__(confidence_threshold)
        self.model_path = model_path
        self.image_size = image_size
        self._model: Any = None
        self._classes: list[int] | None = None

    @property
    def weights_source(self) -> str:
        return str(self.model_path) if self.model_path is not None else "unset"

    def _load(self) -> None:
        # A callable gives the path when the model loads: weights in S3 are fetched then.
        path = self.model_path() if callable(self.model_path) else self.model_path
        if path is None:
            raise BackendConfigurationError("the yolo face backend needs YOLO_MODEL_PATH")
        if path.suffix.lower() not in _MODEL_SUFFIXES:
            raise BackendConfigurationError(
                f"YOLO_MODEL_PATH {path} is not a model file ({', '.join(_MODEL_SUFFIXES)})"
            )
        # A missing .pt name would make ultralytics download one: only local files are taken.
        if path.suffix.lower() != ".yaml" and not path.is_file():
            raise BackendConfigurationError(f"YOLO_MODEL_PATH {path} does not exist")
        model = ultralytics_module().YOLO(str(path), task="detect")
        names: dict[int, str] = dict(getattr(model, "names", None) or {})
        faces = [index for index, label in names.items() if str(label).lower() == "face"]
        self._classes = faces or None
        self._model = model

    @property
    def class_filter(self) -> list[int] | None:
        """The class ids kept (None: all of them)."""
        return self._classes

    def _detect(self, image: NDArray[np.uint8]) -> list[Box]:
        height, width = image.shape[:2]
        results = self._model.predict(
            image,
            conf=self.confidence_threshold,
            iou=NMS_IOU,
            imgsz=self.image_size,
            classes=self._classes,
            verbose=False,
        )
        boxes: list[Box] = []
        for result in results:
            corners = result.boxes.xyxy.cpu().numpy()
            scores = result.boxes.conf.cpu().numpy()
            for (x1, y1, x2, y2), score in zip(corners, scores, strict=True):
                box = Box.from_corners(
                    float(x1), float(y1), float(x2), float(y2), float(score), size=(width, height)
                )
                if box.area > 0:
                    boxes.append(box)
        return boxes
