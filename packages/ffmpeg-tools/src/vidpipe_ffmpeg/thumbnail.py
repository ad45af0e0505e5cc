"""A JPEG thumbnail that shows something: not the black first frame of a fade-in."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from vidpipe_ffmpeg._ffmpeg import ffmpeg_base, input_args
from vidpipe_ffmpeg._run import DEFAULT_LIMITS, ResourceLimits, file_url, run_tool
from vidpipe_ffmpeg.probe import probe as probe_file

if TYPE_CHECKING:
    from vidpipe_ffmpeg.models import ProbeResult

# Try 10% in first (past intros and fades), then further in.
_POSITIONS = (0.10, 0.30, 0.50, 0.70)
# Mean luma (0-255) below this counts as a black frame.
DARK_LUMA = 24.0


def thumbnail(
    path: Path,
    dst: Path,
    width: int = 320,
    probe: ProbeResult | None = None,
    *,
    limits: ResourceLimits = DEFAULT_LIMITS,
) -> float:
    """Write a ``width`` px wide JPEG (display aspect kept) to ``dst``; return its mean luma.

    Within a window of frames the ``thumbnail`` filter picks the most representative one; a
    window whose pick is dark is skipped for one further in. An all-dark video still gets the
    brightest pick.
    """
    path, dst = Path(path), Path(dst)
    if width < 2:
        raise ValueError("width must be at least 2 px")
    if probe is None:
        probe = probe_file(path, limits, with_keyframes=False)
    dst.parent.mkdir(parents=True, exist_ok=True)
    best: tuple[float, Path] | None = None
    with tempfile.TemporaryDirectory(prefix=".thumb-", dir=dst.parent) as tmp:
        for n, fraction in enumerate(_POSITIONS):
            candidate = Path(tmp) / f"{n}.jpg"
            _render(path, probe, candidate, fraction * probe.duration, width, limits)
            luma = mean_luma(candidate, limits)
            if best is None or luma > best[0]:
                best = (luma, candidate)
            if luma >= DARK_LUMA:
                break
        assert best is not None
        shutil.move(best[1], dst)
        return best[0]


def _render(
    path: Path, probe: ProbeResult, dst: Path, at: float, width: int, limits: ResourceLimits
) -> None:
    # Scale from the display aspect ratio (dar) so non-square pixels come out right.
    scale = f"thumbnail=25,scale={width}:trunc({width}/dar/2)*2,setsar=1,format=yuvj420p"
    argv = [
        *ffmpeg_base(limits), "-ss", f"{at:.3f}", *input_args(path, probe.format_name),
        "-map", "0:v:0", "-vf", scale, "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3",
        "-f", "image2", "-update", "1", file_url(dst),
    ]  # fmt: skip
    run_tool(argv, limits)


def mean_luma(image: Path, limits: ResourceLimits = DEFAULT_LIMITS) -> float:
    """Mean luma (0-255) of a JPEG written by ``thumbnail``."""
    argv = [
        *ffmpeg_base(limits), *input_args(image, "jpeg_pipe", format_whitelist="jpeg_pipe"),
        "-vf", "scale=64:-2", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1",
    ]  # fmt: skip
    pixels = run_tool(argv, limits).stdout
    return sum(pixels) / len(pixels) if pixels else 0.0
