"""Making real test media with ffmpeg, and looking inside a video."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path


def run_ffmpeg(*args: str) -> bytes:
    completed = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args],
        check=True,
        capture_output=True,
    )
    return completed.stdout


def ffprobe_json(path: Path) -> dict[str, object]:
    completed = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        check=True,
        capture_output=True,
    )
    result: dict[str, object] = json.loads(completed.stdout)
    return result


def chroma_spread(path: Path, width: int, height: int) -> int:
    """Largest distance of any U or V sample of the first frame from 128 (neutral grey).

    0-2 for a grey picture (encoder rounding); tens for anything coloured.
    """
    raw = run_ffmpeg(
        "-i", str(path), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"
    )  # fmt: skip
    luma = width * height
    chroma = raw[luma : luma + 2 * (luma // 4)]
    assert len(chroma) == 2 * (luma // 4), "frame size differs from the one asked for"
    return max(abs(sample - 128) for sample in chroma)
