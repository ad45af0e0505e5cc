"""The facts about an upload that the job keeps: checksum and display geometry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidpipe_ffmpeg import sha256_file
from vidpipe_types import SourceMedia

if TYPE_CHECKING:
    from pathlib import Path

    from vidpipe_ffmpeg import ProbeResult


def describe_source(source: Path, probed: ProbeResult) -> SourceMedia:
    """The upload's SHA-256 (streamed) and geometry, for the job record and metadata.json."""
    video = probed.video
    if video is None:
        raise ValueError("describe_source needs a probe with a video stream")
    display_width, display_height = video.display_size
    return SourceMedia(
        sha256=sha256_file(source),
        size_bytes=probed.size,
        duration=round(probed.duration, 6),
        codec=video.codec,
        pix_fmt=video.pix_fmt,
        bit_depth=video.bits_per_sample,
        stored_width=video.width,
        stored_height=video.height,
        display_width=display_width,
        display_height=display_height,
        rotation=video.rotation,
    )
