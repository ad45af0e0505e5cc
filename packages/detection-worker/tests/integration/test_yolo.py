"""The YOLO backend's code path with a random-init model built from its yaml (no trained face
weights can be downloaded here): shapes, class filter, thresholds, ONNX export and ORT."""

from __future__ import annotations

import contextlib
import hashlib
import warnings
from pathlib import Path

import pytest
from conftest import astronaut

from vidpipe_aws import WeightsChecksumError
from vidpipe_aws.fakes import InMemoryObjectStorage
from vidpipe_detection import DetectionSettings, Frame, YoloFaceBackend, build_detector
from vidpipe_detection._ultralytics import ultralytics_module
from vidpipe_types import DetectionResult

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def face_yaml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """yolov8n's architecture with one class named `face`, as a face model has."""
    import yaml

    source = Path(ultralytics_module().__file__).parent / "cfg/models/v8/yolov8.yaml"
    config = yaml.safe_load(source.read_text())
    config["nc"] = 1
    path = tmp_path_factory.mktemp("yolo") / "yolov8n-face.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def face_onnx(face_yaml: Path) -> Path:
    model = ultralytics_module().YOLO(str(face_yaml), task="detect")
    model.model.names = {0: "face"}
    # ultralytics writes the export into the working folder: keep it in the test's own.
    with warnings.catch_warnings(), contextlib.chdir(face_yaml.parent):
        # Export happens here, at test time, never in the worker. Tracing warns by design
        # (TracerWarning on shape checks, the TorchScript-based exporter being "legacy").
        warnings.simplefilter("ignore")
        exported = Path(model.export(format="onnx", imgsz=320, simplify=False, verbose=False))
        exported = exported.resolve()
    assert exported.is_file()
    return exported


def test_random_weights_give_boxes_inside_the_frame_above_the_threshold(face_yaml: Path) -> None:
    # Random weights score everything near 0: a zero threshold lets boxes through.
    backend = YoloFaceBackend(face_yaml, confidence_threshold=0.0, image_size=320)
    backend.load()
    image = astronaut()
    boxes = backend.detect(image)
    assert boxes
    assert all(b.x >= 0 and b.x + b.width <= 512 and 0 <= b.y + b.height <= 512 for b in boxes)
    assert [b.confidence for b in boxes] == sorted((b.confidence for b in boxes), reverse=True)
    strict = YoloFaceBackend(face_yaml, confidence_threshold=0.9, image_size=320)
    strict.load()
    assert strict.detect(image) == []


def test_onnx_export_runs_in_onnx_runtime_through_the_detector(face_onnx: Path) -> None:
    settings = DetectionSettings(
        YOLO_MODEL_PATH=face_onnx, FACE_CONFIDENCE_THRESHOLD=0.0, YOLO_IMAGE_SIZE=320
    )
    detector = build_detector(settings)
    assert isinstance(detector.face_backend, YoloFaceBackend)
    detector.load()
    # The exported model keeps the class name: only `face` is kept.
    assert detector.face_backend.class_filter == [0]
    result = detector.run_frames([Frame(index=0, timestamp_ms=0, image=astronaut())])
    assert DetectionResult.model_validate_json(result.model_dump_json()) == result
    assert result.summary.faces_detected > 0


def test_a_yolo_model_in_s3_is_fetched_and_verified_when_the_models_load(
    face_yaml: Path, tmp_path: Path
) -> None:
    storage = InMemoryObjectStorage(["acme-models"])
    storage.upload_file(face_yaml, "acme-models", "yolo/face.yaml")
    digest = hashlib.sha256(face_yaml.read_bytes()).hexdigest()

    def detector_for(sha256: str) -> YoloFaceBackend:
        settings = DetectionSettings(
            YOLO_MODEL_PATH="s3://acme-models/yolo/face.yaml",
            YOLO_MODEL_SHA256=sha256,
            YOLO_IMAGE_SIZE=320,
            WORK_DIR=tmp_path,
        )
        backend = build_detector(settings, storage=storage).face_backend
        assert isinstance(backend, YoloFaceBackend)
        return backend

    wrong = detector_for("0" * 64)
    with pytest.raises(WeightsChecksumError, match="YOLO_MODEL_SHA256"):
        wrong.load()
    assert not wrong.loaded  # /health/ready stays 503: the worker stops instead
    right = detector_for(digest)
    assert not right.loaded
    right.load()
    assert right.loaded
    (fetched,) = (tmp_path / "vidpipe-weights").iterdir()
    assert fetched.read_bytes() == face_yaml.read_bytes()
