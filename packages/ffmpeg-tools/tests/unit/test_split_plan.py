"""A split whose output does not match its own plan fails as bad input at once: a retry of the
same file writes the same segments, so retrying five times only delays the verdict."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

from vidpipe_ffmpeg import AudioStream, InvalidMediaError, ProbeResult, VideoStream

# The package exports the function `split` under the module's name: fetch the module itself.
split_module = importlib.import_module("vidpipe_ffmpeg.split")


def test_fewer_segments_than_planned_is_invalid_media(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = ProbeResult(
        duration=10.0,
        size=1000,
        bit_rate=None,
        format_name="mov,mp4,m4a,3gp,3g2,mj2",
        video=VideoStream(codec="h264", width=640, height=272, fps=25.0, pix_fmt="yuv420p"),
        audio=AudioStream(codec="aac", sample_rate=48000, channels=2),
        keyframes=(0.0, 2.0, 4.0, 6.0, 8.0),
    )
    out = tmp_path / "out"

    def one_segment_only(argv: list[str], limits: Any) -> None:
        (out / "segment_00000.mp4").write_bytes(b"not all of it")

    monkeypatch.setattr(split_module, "run_tool", one_segment_only)

    with pytest.raises(InvalidMediaError, match="does not split as planned"):
        # No real input here: the decode check (which a stream copy runs first) stays out.
        split_module.split(tmp_path / "in.mp4", out, 2.0, probe, verify_decoding=False)
