"""Fixtures of the unit tests: a fresh world of fakes, and bytes to upload."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..support import World, make_world


@pytest.fixture
def upload_file(tmp_path: Path) -> Path:
    """Bytes to upload; the fake splitter decides what they probe as."""
    path = tmp_path / "upload.mp4"
    path.write_bytes(b"\0\0\0\x18ftypisom" + bytes(2000))
    return path


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)
