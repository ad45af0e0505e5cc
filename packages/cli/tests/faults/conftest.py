"""Fault tests: the local stack with workers as processes, broken on purpose (marker `faults`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidpipe_cli import sample_video


@pytest.fixture(scope="session")
def small_video() -> Path:
    """4 s, 176x144, one keyframe: two segments with SEGMENT_SECONDS=2 (re-encoding split)."""
    return sample_video("carphone_pristine.mp4")


@pytest.fixture(scope="session")
def keyframed_video() -> Path:
    """10 s, 640x272, keyframes every 1.2-2.4 s: several stream-copied segments."""
    return sample_video("bikes.mp4")
