from pathlib import Path

import pytest
from pydantic import ValidationError

from vidpipe_detection import DetectionSettings


def test_defaults() -> None:
    settings = DetectionSettings()
    assert settings.face_backend_name == "mediapipe"
    assert settings.frame_interval_seconds == 2.0
    assert settings.tracking_max_age == 3
    assert (settings.face_confidence_threshold, settings.pose_confidence_threshold) == (0.5, 0.5)


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACE_CONFIDENCE_THRESHOLD", "0.7")
    monkeypatch.setenv("POSE_CONFIDENCE_THRESHOLD", "0.3")
    monkeypatch.setenv("TRACKING_MAX_AGE", "5")
    monkeypatch.setenv("FRAME_INTERVAL_SECONDS", "0")
    monkeypatch.setenv("FACE_BACKEND", " MediaPipe ")
    settings = DetectionSettings()
    assert settings.face_confidence_threshold == 0.7
    assert settings.pose_confidence_threshold == 0.3
    assert settings.tracking_max_age == 5
    assert settings.frame_interval_seconds == 0
    assert settings.face_backend_name == "mediapipe"


def test_yolo_weights_make_yolo_the_default_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YOLO_MODEL_PATH", "/models/face.onnx")
    assert DetectionSettings().face_backend_name == "yolo"
    monkeypatch.setenv("FACE_BACKEND", "mediapipe")
    assert DetectionSettings().face_backend_name == "mediapipe"


def test_a_yolo_model_in_s3_needs_its_sha256(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YOLO_MODEL_PATH", "s3://acme-models/yolo/face.onnx")
    with pytest.raises(ValueError, match="set YOLO_MODEL_SHA256"):
        DetectionSettings()
    monkeypatch.setenv("YOLO_MODEL_SHA256", "AB" * 32)
    settings = DetectionSettings()
    assert settings.face_backend_name == "yolo"
    assert settings.yolo_weights is not None and settings.yolo_weights.is_remote
    assert settings.yolo_model_sha256 == "ab" * 32


def test_blank_variables_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YOLO_MODEL_PATH", " ")
    monkeypatch.setenv("FACE_BACKEND", "")
    settings = DetectionSettings()
    assert settings.yolo_model_path is None
    assert settings.face_backend_name == "mediapipe"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FACE_CONFIDENCE_THRESHOLD", "1.5"),
        ("POSE_CONFIDENCE_THRESHOLD", "-0.1"),
        ("TRACKING_MAX_AGE", "0"),
        ("FRAME_INTERVAL_SECONDS", "-1"),
    ],
)
def test_out_of_range_values_are_rejected(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        DetectionSettings()


def test_an_operator_interval_overrides_the_request(monkeypatch: pytest.MonkeyPatch) -> None:
    assert DetectionSettings().interval_for(0.5) == 0.5
    monkeypatch.setenv("FRAME_INTERVAL_SECONDS", "0")
    assert DetectionSettings().interval_for(0.5) == 0


def test_tracking_max_age_in_seconds() -> None:
    settings = DetectionSettings(TRACKING_MAX_AGE=3, YOLO_MODEL_PATH=Path("x.pt"))
    assert settings.tracking_max_age_seconds(2.0, fps=25) == 6.0
    # Every frame sampled: the frame duration is the step.
    assert settings.tracking_max_age_seconds(0, fps=25) == pytest.approx(0.12)
