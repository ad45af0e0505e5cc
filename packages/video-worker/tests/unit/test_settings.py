"""VideoSettings read from the environment, as the entrypoint reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidpipe_video import VideoSettings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "ENABLED_MODELS",
        "WORK_DIR",
        "FFMPEG_TIMEOUT_SECONDS",
        "FFMPEG_MEMORY_BYTES",
        "CALLBACK_URL",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_enable_every_model_and_use_the_system_temp_dir() -> None:
    settings = VideoSettings()

    assert settings.enabled_model_names is None
    assert settings.work_dir is None
    assert settings.callback_url is None
    assert settings.ffmpeg_limits().timeout_seconds == 600


def test_enabled_models_is_a_comma_list_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENABLED_MODELS", " Grayscale, passthrough,,grayscale ")

    assert VideoSettings().enabled_model_names == ("grayscale", "passthrough")


def test_blank_values_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENABLED_MODELS", "WORK_DIR", "CALLBACK_URL"):
        monkeypatch.setenv(name, " ")

    settings = VideoSettings()

    assert settings.enabled_model_names is None
    assert settings.work_dir is None
    assert settings.callback_url is None


def test_ffmpeg_limits_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FFMPEG_TIMEOUT_SECONDS", "30")
    monkeypatch.setenv("FFMPEG_MEMORY_BYTES", str(2 * 1024**3))
    monkeypatch.setenv("WORK_DIR", str(tmp_path))

    settings = VideoSettings()

    limits = settings.ffmpeg_limits()
    assert (limits.timeout_seconds, limits.memory_bytes) == (30, 2 * 1024**3)
    assert settings.work_dir == tmp_path


@pytest.mark.parametrize(
    "name,value", [("FFMPEG_TIMEOUT_SECONDS", "0"), ("FFMPEG_MEMORY_BYTES", "-1")]
)
def test_limits_must_be_positive(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(ValueError, match=name):
        VideoSettings()
