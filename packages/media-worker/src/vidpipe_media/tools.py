"""The media work of reassembly, behind one small seam: probe, concat, thumbnail, metadata.

`MediaHandler` and `vidpipe_media.assemble` decide (which segments, what a lost frame means,
which outputs to write); a `MediaTools` does the work on local files. `FfmpegMediaTools`, the
default, runs `vidpipe_ffmpeg`; tests give the handler a fake and stay free of ffmpeg.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import vidpipe_ffmpeg

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from vidpipe_ffmpeg import ProbeResult, ResourceLimits


class MediaTools(Protocol):
    """What reassembly needs done to local files. `vidpipe_ffmpeg.InvalidMediaError` means the
    input is not a usable video, `vidpipe_ffmpeg.FfmpegFailedError` that a run failed."""

    def probe(self, path: Path) -> ProbeResult:
        """Streams, duration and frame count (from the MP4 index); no keyframe scan."""
        ...

    def concat(
        self, segments: Sequence[Path], dst: Path, starts: Sequence[float] | None = None
    ) -> None:
        """Join `segments` into `dst` by stream copy, without re-encoding; `starts`, each
        segment's start time when known (otherwise they are probed)."""
        ...

    def thumbnail(self, video: Path, dst: Path, *, width: int, probed: ProbeResult) -> None:
        """Write a representative frame of `video`, `width` px wide, as a JPEG."""
        ...

    def metadata(self, video: Path, probed: ProbeResult) -> Mapping[str, Any]:
        """The facts of metadata.json: duration, size, codecs, sha256, ..."""
        ...


class FfmpegMediaTools:
    """The MediaTools that run ffmpeg and ffprobe, each run under `limits`."""

    def __init__(self, limits: ResourceLimits) -> None:
        self._limits = limits

    def probe(self, path: Path) -> ProbeResult:
        return vidpipe_ffmpeg.probe(path, self._limits, with_keyframes=False)

    def concat(
        self, segments: Sequence[Path], dst: Path, starts: Sequence[float] | None = None
    ) -> None:
        vidpipe_ffmpeg.concat(list(segments), dst, self._limits, starts=starts)

    def thumbnail(self, video: Path, dst: Path, *, width: int, probed: ProbeResult) -> None:
        vidpipe_ffmpeg.thumbnail(video, dst, width=width, probe=probed, limits=self._limits)

    def metadata(self, video: Path, probed: ProbeResult) -> Mapping[str, Any]:
        return vidpipe_ffmpeg.media_metadata(video, probed, limits=self._limits)
