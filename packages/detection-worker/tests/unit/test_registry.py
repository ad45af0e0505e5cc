from pathlib import Path

import pytest

from vidpipe_detection import (
    BackendConfigurationError,
    DetectionSettings,
    FaceBackendRegistry,
    MediaPipeFaceBackend,
    ModelsNotLoadedError,
    UnknownBackendError,
    YoloFaceBackend,
    build_detector,
    builtin_backends,
)


def test_builtin_backends_are_created_by_name_with_the_threshold() -> None:
    registry = builtin_backends(yolo_model_path=Path("face.onnx"), yolo_image_size=320)
    assert registry.names == ("mediapipe", "yolo")
    backend = registry.create("yolo", 0.25)
    assert isinstance(backend, YoloFaceBackend)
    assert (backend.confidence_threshold, backend.image_size) == (0.25, 320)
    assert isinstance(registry.create("mediapipe", 0.4), MediaPipeFaceBackend)


def test_an_unknown_backend_names_the_known_ones() -> None:
    with pytest.raises(UnknownBackendError, match="available backends are mediapipe, yolo"):
        builtin_backends().create("retinaface", 0.5)
    with pytest.raises(UnknownBackendError):
        build_detector(DetectionSettings(FACE_BACKEND="retinaface"))


def test_a_backend_is_registered_once() -> None:
    registry = FaceBackendRegistry()
    registry.register("mediapipe", MediaPipeFaceBackend)
    with pytest.raises(ValueError, match="already registered"):
        registry.register("mediapipe", MediaPipeFaceBackend)


def test_nothing_is_detected_before_loading() -> None:
    detector = build_detector(DetectionSettings())
    assert not detector.ready
    with pytest.raises(ModelsNotLoadedError):
        detector.run(Path("video.mp4"))


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (None, "needs YOLO_MODEL_PATH"),
        (Path("weights.bin"), "not a model file"),
        (Path("missing-face.pt"), "does not exist"),
    ],
)
def test_yolo_refuses_paths_it_cannot_load_without_downloading(
    path: Path | None, message: str
) -> None:
    with pytest.raises(BackendConfigurationError, match=message):
        YoloFaceBackend(path).load()
