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
    """duration, width, height, codec, bitrate, frame_rate, audio_codec, size_bytes, sha256."""
    if probe is None:
        probe = probe_file(Path(path), limits, with_keyframes=False)
    video = probe.video
    return {
        "duration": round(probe.duration, 3),
        "width": video.width if video else None,
        "height": video.height if video else None,
        "codec": video.codec if video else None,
        "bitrate": probe.bit_rate,
        "frame_rate": round(video.fps, 3) if video and video.fps else None,
        "audio_codec": probe.audio.codec if probe.audio else None,
        "size_bytes": probe.size,
        "sha256": sha256_file(Path(path)),
    }
