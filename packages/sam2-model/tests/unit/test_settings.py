"""Sam2Settings: defaults and the checks on what the environment gives."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from vidpipe_sam2 import DEFAULT_CONFIG, Sam2Settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SAM2_CONFIG", "SAM2_CHECKPOINT", "SAM2_IMAGE_SIZE", "MAX_FRAMES"):
        monkeypatch.delenv(name, raising=False)

    settings = Sam2Settings()

    assert settings.config == DEFAULT_CONFIG == "configs/sam2.1/sam2.1_hiera_t.yaml"
    assert settings.checkpoint is None
    assert settings.allow_random_init is False
    assert settings.image_size is None
    assert settings.device == "auto"
    assert settings.window_frames == 64
    assert settings.max_frames == 500
    assert settings.background_rgb == (0, 0, 0)


def test_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAM2_CHECKPOINT", "/models/sam2.1_hiera_tiny.pt")
    monkeypatch.setenv("SAM2_IMAGE_SIZE", "512")
    monkeypatch.setenv("SAM2_BACKGROUND", "#00FF00")
    monkeypatch.setenv("SAM2_WINDOW_FRAMES", "32")
    monkeypatch.setenv("MAX_FRAMES", "50")

    settings = Sam2Settings()

    assert settings.checkpoint == "/models/sam2.1_hiera_tiny.pt"
    assert settings.checkpoint_weights is not None
    assert not settings.checkpoint_weights.is_remote
    assert settings.image_size == 512
    assert settings.background_rgb == (0, 255, 0)
    assert (settings.window_frames, settings.max_frames) == (32, 50)


def test_blank_values_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAM2_CHECKPOINT", " ")
    monkeypatch.setenv("SAM2_IMAGE_SIZE", "")

    settings = Sam2Settings()

    assert (settings.checkpoint, settings.image_size) == (None, None)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SAM2_IMAGE_SIZE", "500", "multiple of 32"),
        ("SAM2_BACKGROUND", "green", "hex colour like 00ff00"),
        ("SAM2_WINDOW_FRAMES", "1", "greater than or equal to 2"),
        ("SAM2_DEVICE", "tpu", "'auto', 'cpu' or 'cuda'"),
    ],
)
def test_bad_values_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(ValidationError, match=message):
        Sam2Settings()
