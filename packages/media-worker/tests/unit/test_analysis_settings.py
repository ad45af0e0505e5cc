"""The analysis settings as the entrypoint reads them: from the environment."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from vidpipe_media import MediaSettings
from vidpipe_types import AnalysisDepth

ANALYSIS_ENV = (
    "GEMINI_API_KEY",
    "GEMINI_BASE_URL",
    "GEMINI_FLASH_MODEL",
    "GEMINI_PRO_MODEL",
    "ANALYSIS_DEPTH",
    "ANALYSIS_FRAMES",
    "ANALYSIS_MAX_ATTEMPTS",
    "ANALYSIS_TIMEOUT_SECONDS",
    "ANALYSIS_BACKOFF_SECONDS",
    "ANALYSIS_BACKOFF_MAX_SECONDS",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ANALYSIS_ENV:
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    settings = MediaSettings()
    assert settings.gemini_api_key is None and settings.gemini_base_url is None
    assert (settings.gemini_flash_model, settings.gemini_pro_model) == (
        "gemini-2.5-flash",
        "gemini-2.5-pro",
    )
    assert settings.analysis_depth is AnalysisDepth.STANDARD
    assert (settings.analysis_frames, settings.analysis_max_attempts) == (8, 4)
    assert settings.analysis_timeout_seconds == 300.0
    assert (settings.analysis_backoff_seconds, settings.analysis_backoff_max_seconds) == (2, 30)


def test_read_from_the_environment_and_the_key_kept_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "sk-secret")
    monkeypatch.setenv("GEMINI_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("ANALYSIS_DEPTH", "deep")
    monkeypatch.setenv("ANALYSIS_FRAMES", "12")
    settings = MediaSettings()
    assert settings.gemini_api_key is not None
    assert settings.gemini_api_key.get_secret_value() == "sk-secret"
    assert "sk-secret" not in repr(settings)
    assert settings.gemini_base_url == "http://127.0.0.1:9"
    assert (settings.analysis_depth, settings.analysis_frames) == (AnalysisDepth.DEEP, 12)


def test_blank_values_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "")
    monkeypatch.setenv("GEMINI_BASE_URL", "")
    settings = MediaSettings()
    assert settings.gemini_api_key is None and settings.gemini_base_url is None


@pytest.mark.parametrize(
    ("name", "value"),
    [("ANALYSIS_DEPTH", "thorough"), ("ANALYSIS_FRAMES", "0"), ("ANALYSIS_MAX_ATTEMPTS", "0")],
)
def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name):
        MediaSettings()
