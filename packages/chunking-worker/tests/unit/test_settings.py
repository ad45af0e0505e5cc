"""ChunkingSettings: environment names, defaults and the checks made at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from vidpipe_chunking import ChunkingSettings, human_size
from vidpipe_ffmpeg import ReencodeSettings
from vidpipe_types import Mode

ENV_NAMES = (
    "MODEL",
    "SEGMENT_SECONDS",
    "SPLIT_STRATEGY",
    "MAX_DURATION_SECONDS",
    "MAX_SIZE_BYTES",
    "MAX_WIDTH",
    "MAX_HEIGHT",
    "FFMPEG_TIMEOUT_SECONDS",
    "FFMPEG_MEMORY_BYTES",
    "WORK_DIR",
    "CALLBACK_URL",
    "DEPLOYED_MODES",
    "SPLIT_REENCODE_PRESET",
    "SPLIT_REENCODE_CRF_H264",
    "SPLIT_REENCODE_CRF_HEVC",
    "SPLIT_VERIFY_DECODING",
    "CHUNKING_LEASE_SECONDS",
    "SEGMENT_UPLOAD_CONCURRENCY",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    settings = ChunkingSettings()

    assert settings.default_mode is Mode.PASSTHROUGH
    assert settings.segment_seconds == 10
    assert settings.split_strategy == "auto"
    assert settings.max_duration_seconds == 7200
    assert settings.max_size_bytes == 10 * 1024**3
    assert (settings.max_width, settings.max_height) == (7680, 4320)
    assert settings.work_dir is None
    assert settings.callback_url is None
    assert settings.ffmpeg_limits().timeout_seconds == 3600


def test_every_setting_is_read_from_its_environment_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = {
        "MODEL": "Grayscale",
        "SEGMENT_SECONDS": "4.5",
        "SPLIT_STRATEGY": "REENCODE",
        "MAX_DURATION_SECONDS": "60",
        "MAX_SIZE_BYTES": "1000000",
        "MAX_WIDTH": "1920",
        "MAX_HEIGHT": "1080",
        "FFMPEG_TIMEOUT_SECONDS": "30",
        "FFMPEG_MEMORY_BYTES": "1073741824",
        "WORK_DIR": str(tmp_path),
        "CALLBACK_URL": "http://127.0.0.1:9/hook",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    settings = ChunkingSettings()

    assert settings.default_mode is Mode.GRAYSCALE
    assert settings.segment_seconds == 4.5
    assert settings.split_strategy == "reencode"
    assert settings.max_duration_seconds == 60
    assert settings.max_size_bytes == 1_000_000
    assert (settings.max_width, settings.max_height) == (1920, 1080)
    assert settings.work_dir == tmp_path
    assert settings.callback_url == "http://127.0.0.1:9/hook"
    limits = settings.ffmpeg_limits()
    assert (limits.timeout_seconds, limits.memory_bytes) == (30, 1024**3)


def test_an_unknown_model_is_refused_with_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODEL", "sam3")

    with pytest.raises(ValidationError, match="choose one of passthrough, grayscale"):
        ChunkingSettings()


def test_an_unknown_split_strategy_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPLIT_STRATEGY", "fast")

    with pytest.raises(ValidationError):
        ChunkingSettings()


def test_segments_too_short_for_five_digit_keys_are_refused_at_start_up() -> None:
    with pytest.raises(ValidationError, match="SEGMENT_SECONDS=0.1 is too short"):
        ChunkingSettings(SEGMENT_SECONDS=0.1, MAX_DURATION_SECONDS=7200)


def test_blank_optional_settings_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLBACK_URL", "")
    monkeypatch.setenv("WORK_DIR", " ")

    settings = ChunkingSettings()

    assert settings.callback_url is None
    assert settings.work_dir is None


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 bytes"), (1023, "1023 bytes"), (1536, "1.5 KiB"), (13_207_024_435, "12.3 GiB")],
)
def test_human_size(size: int, text: str) -> None:
    assert human_size(size) == text


def test_deployed_modes_default_to_every_mode_and_are_checked() -> None:
    assert ChunkingSettings().deployed_mode_set == frozenset(Mode)
    settings = ChunkingSettings(DEPLOYED_MODES="Grayscale,passthrough")  # type: ignore[call-arg]
    assert settings.deployed_modes == "passthrough,grayscale"
    assert settings.deployed_mode_set == {Mode.PASSTHROUGH, Mode.GRAYSCALE}
    with pytest.raises(ValidationError, match="unknown mode 'blur' in DEPLOYED_MODES"):
        ChunkingSettings(DEPLOYED_MODES="blur")  # type: ignore[call-arg]


def test_reencode_quality_and_the_decode_check_are_operator_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert ChunkingSettings().reencode_settings() == ReencodeSettings()
    assert ChunkingSettings().split_verify_decoding is True
    monkeypatch.setenv("SPLIT_REENCODE_PRESET", "UltraFast")
    monkeypatch.setenv("SPLIT_REENCODE_CRF_H264", "28")
    monkeypatch.setenv("SPLIT_REENCODE_CRF_HEVC", "30")
    monkeypatch.setenv("SPLIT_VERIFY_DECODING", "false")

    settings = ChunkingSettings()

    assert settings.reencode_settings() == ReencodeSettings("ultrafast", 28, 30)
    assert settings.split_verify_decoding is False


def test_a_crf_outside_the_encoders_range_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPLIT_REENCODE_CRF_H264", "60")

    with pytest.raises(ValidationError, match="SPLIT_REENCODE_CRF_H264"):
        ChunkingSettings()
