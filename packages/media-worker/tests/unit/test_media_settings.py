"""MediaSettings: environment names, defaults and checks."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from pydantic import ValidationError

from vidpipe_media import MediaSettings

NAMES = (
    "REASSEMBLY_LEASE_SECONDS",
    "SWEEP_INTERVAL_SECONDS",
    "SWEEP_STALE_SECONDS",
    "WORK_DIR",
    "CALLBACK_URL",
    "FFMPEG_TIMEOUT_SECONDS",
    "FFMPEG_MEMORY_BYTES",
    "WORKER_ID",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    settings = MediaSettings()
    assert settings.lease_seconds == 900
    assert settings.sweep_interval_seconds == 60 and settings.sweeper_enabled
    assert settings.sweep_stale_seconds == 300
    assert settings.work_dir is None and settings.callback_url is None
    assert settings.ffmpeg_limits().timeout_seconds == 600
    host, pid, suffix = settings.worker_id.rsplit("-", 2)
    assert host == socket.gethostname() and pid == str(os.getpid()) and len(suffix) == 8
    assert MediaSettings().worker_id != settings.worker_id  # two handlers never share a lease


def test_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    values = {
        "REASSEMBLY_LEASE_SECONDS": "120",
        "SWEEP_INTERVAL_SECONDS": "0",
        "SWEEP_STALE_SECONDS": "30",
        "WORK_DIR": str(tmp_path),
        "CALLBACK_URL": "https://hooks.example.com/vidpipe",
        "FFMPEG_TIMEOUT_SECONDS": "90",
        "WORKER_ID": "media-1",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)

    settings = MediaSettings()

    assert settings.lease_seconds == 120 and settings.sweep_stale_seconds == 30
    assert not settings.sweeper_enabled
    assert settings.work_dir == tmp_path
    assert settings.callback_url == "https://hooks.example.com/vidpipe"
    assert settings.ffmpeg_limits().timeout_seconds == 90
    assert settings.worker_id == "media-1"


def test_empty_values_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLBACK_URL", "")
    monkeypatch.setenv("WORKER_ID", " ")
    settings = MediaSettings()
    assert settings.callback_url is None
    assert settings.worker_id.startswith(f"{socket.gethostname()}-{os.getpid()}-")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CALLBACK_URL", "file:///etc/passwd"),
        ("REASSEMBLY_LEASE_SECONDS", "0"),
        ("SWEEP_INTERVAL_SECONDS", "-1"),
        ("FFMPEG_TIMEOUT_SECONDS", "0"),
    ],
)
def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name):
        MediaSettings()


def test_every_ffmpeg_run_gets_the_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    assert MediaSettings().ffmpeg_limits().memory_bytes == 4 * 1024**3
    monkeypatch.setenv("FFMPEG_MEMORY_BYTES", str(512 * 1024**2))
    monkeypatch.setenv("FFMPEG_TIMEOUT_SECONDS", "30")
    limits = MediaSettings().ffmpeg_limits()
    assert (limits.memory_bytes, limits.timeout_seconds) == (512 * 1024**2, 30)
