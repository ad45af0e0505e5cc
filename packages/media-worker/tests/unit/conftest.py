"""Fixtures of the unit tests: fake segments that the fake media tools read."""

from __future__ import annotations

from pathlib import Path

import pytest
from media_world import fake_segments


@pytest.fixture
def segments(tmp_path: Path) -> list[Path]:
    """Four fake processed segments of 250 frames in all (10 s at 25 fps)."""
    return fake_segments(tmp_path / "fake-segments")
