"""The facts about a finished video that go into ``metadata.json``."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from vidpipe_ffmpeg._run import DEFAULT_LIMITS, ResourceLimits
from vidpipe_ffmpeg.probe import probe as probe_file

if TYPE_CHECKING:
    from vidpipe_ffmpeg.models import ProbeResult

_CHUNK = 1024 * 1024

MetadataValue = str | int | float | None


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB chunks (never the whole file in memory)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def media_metadata(
    path: Path, probe: ProbeResult | None = None, *, limits: ResourceLimits = DEFAULT_LIMITS
) -> dict[str, MetadataValue]:
    """duration, width, height (as displayed), stored_width, stored_height, display_width,
    display_height, rotation, codec, pix_fmt, bit_depth, bitrate, frame_rate, audio_codec,
    size_bytes, sha256.

    ``width``/``height`` are what a player shows: a 640x360 picture with a 90 degree display
    matrix is 360x640 (``stored_*`` keep the coded size, ``rotation`` the matrix's turn)."""
    if probe is None:
        probe = probe_file(Path(path), limits, with_keyframes=False)
    video = probe.video
    display = video.display_size if video else (None, None)
    return {
        "duration": round(probe.duration, 3),
        "width": display[0],
        "height": display[1],
        "stored_width": video.width if video else None,
        "stored_height": video.height if video else None,
        "display_width": display[0],
        "display_height": display[1],
        "rotation": video.rotation if video else None,
        "codec": video.codec if video else None,
        "pix_fmt": video.pix_fmt if video else None,
        "bit_depth": video.bits_per_sample if video else None,
        "bitrate": probe.bit_rate,
        "frame_rate": round(video.fps, 3) if video and video.fps else None,
        "audio_codec": probe.audio.codec if probe.audio else None,
        "size_bytes": probe.size,
        "sha256": sha256_file(Path(path)),
    }
