"""A JPEG thumbnail that shows something: not the black first frame of a fade-in."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from vidpipe_ffmpeg._run import DEFAULT_LIMITS, ResourceLimits, run_tool
from vidpipe_ffmpeg.commands import mean_luma_command, thumbnail_command
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
    argv = thumbnail_command(
        path, dst, at=at, width=width, format_name=probe.format_name, limits=limits
    )
    run_tool(argv, limits)


def mean_luma(image: Path, limits: ResourceLimits = DEFAULT_LIMITS) -> float:
    """Mean luma (0-255) of a JPEG written by ``thumbnail``."""
    pixels = run_tool(mean_luma_command(Path(image), limits), limits).stdout
    return sum(pixels) / len(pixels) if pixels else 0.0
