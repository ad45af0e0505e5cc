import pytest
from pydantic import ValidationError

from vidpipe_detection import DetectionSettings
from vidpipe_detection.tracking import updates_for


def test_defaults() -> None:
    settings = DetectionSettings()
    assert settings.face_backend_name == "mediapipe"
    assert settings.frame_interval_seconds == 2.0
    assert (settings.tracker, settings.tracking_max_age_seconds) == ("bytetrack", 6.0)
    assert (settings.face_confidence_threshold, settings.pose_confidence_threshold) == (0.5, 0.5)


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACE_CONFIDENCE_THRESHOLD", "0.7")
    monkeypatch.setenv("POSE_CONFIDENCE_THRESHOLD", "0.3")
    monkeypatch.setenv("TRACKING_MAX_AGE_SECONDS", "5")
    monkeypatch.setenv("FRAME_INTERVAL_SECONDS", "0")
    monkeypatch.setenv("FACE_BACKEND", " MediaPipe ")
    settings = DetectionSettings()
    assert settings.face_confidence_threshold == 0.7
    assert settings.pose_confidence_threshold == 0.3
    assert settings.tracking_max_age_seconds == 5
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
        ("TRACKING_MAX_AGE_SECONDS", "0"),
        ("TRACKER", "sort"),
        ("TRACKING_REID", "maybe"),
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


def test_the_jobs_own_interval_wins_over_the_operators(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRAME_INTERVAL_SECONDS", "0")
    assert DetectionSettings().interval_for(0.5, from_job=True) == 0.5


def test_tracker_and_reidentification_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER", "DeepSORT")
    settings = DetectionSettings()
    assert settings.tracker == "deepsort"
    # auto: appearance from half a second between samples up, motion alone below.
    assert settings.reid_for(2.0) and settings.reid_for(0.5)
    assert not settings.reid_for(0.1) and not settings.reid_for(0)
    monkeypatch.setenv("TRACKING_REID", "off")
    assert not DetectionSettings().reid_for(2.0)


def test_tracker_ages_are_seconds_at_any_interval() -> None:
    assert updates_for(6.0, 2.0) == 3
    assert updates_for(6.0, 0.04) == 150
    assert updates_for(1.0, 2.0) == 1
