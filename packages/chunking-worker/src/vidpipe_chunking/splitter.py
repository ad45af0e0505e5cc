"""The media work of chunking, behind one small seam: probe, validate, split.

`ChunkingHandler` decides (which job, which limits, what a failure means); a `Splitter` does
the work on local files. `FfmpegSplitter`, the default, runs `vidpipe_ffmpeg`; tests give the
handler a fake and stay free of ffmpeg.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol

import vidpipe_ffmpeg

if TYPE_CHECKING:
    from pathlib import Path

    from vidpipe_chunking.settings import ChunkingSettings
    from vidpipe_ffmpeg import ProbeResult, ReencodeSettings, ResourceLimits, SplitResult

StrategyChoice = Literal["auto", "copy", "reencode"]


class Splitter(Protocol):
    """What the handler needs done to an upload. Each method raises
    `vidpipe_ffmpeg.InvalidMediaError` for media that can never be chunked (the handler
    fails the job with its reason); any other error is passing (the runner retries)."""

    def probe(self, source: Path) -> ProbeResult:
        """The upload's streams and duration (`split` lists the keyframes when its cut plan
        needs them, so an upload refused by `validate` is never read to its end)."""
        ...

    def validate(
        self,
        probed: ProbeResult,
        *,
        max_duration_seconds: float,
        max_size_bytes: int,
        max_width: int,
        max_height: int,
    ) -> None:
        """Refuse what is not a chunkable video, or is over a limit."""
        ...

    def split(
        self,
        source: Path,
        out_dir: Path,
        segment_seconds: float,
        probed: ProbeResult,
        *,
        strategy: StrategyChoice,
    ) -> SplitResult:
        """Cut `source` into keyframe-aligned segments in `out_dir`, in index order."""
        ...


class FfmpegSplitter:
    """The Splitter that runs ffmpeg and ffprobe, each run under `limits`; a re-encoding split
    at `reencode`'s quality; a stream copy after a decode check unless `verify_decoding` is
    off (then a corrupt upload fails later, at the join)."""

    def __init__(
        self,
        limits: ResourceLimits,
        *,
        reencode: ReencodeSettings | None = None,
        verify_decoding: bool = True,
    ) -> None:
        self._limits = limits
        self._reencode = reencode or vidpipe_ffmpeg.ReencodeSettings()
        self._verify_decoding = verify_decoding

    @classmethod
    def from_settings(cls, settings: ChunkingSettings) -> FfmpegSplitter:
        return cls(
            settings.ffmpeg_limits(),
            reencode=settings.reencode_settings(),
            verify_decoding=settings.split_verify_decoding,
        )

    def probe(self, source: Path) -> ProbeResult:
        return vidpipe_ffmpeg.probe(source, self._limits, with_keyframes=False)

    def validate(
        self,
        probed: ProbeResult,
        *,
        max_duration_seconds: float,
        max_size_bytes: int,
        max_width: int,
        max_height: int,
    ) -> None:
        vidpipe_ffmpeg.validate(
            probed,
            max_duration_seconds=max_duration_seconds,
            max_size_bytes=max_size_bytes,
            max_width=max_width,
            max_height=max_height,
        )

    def split(
        self,
        source: Path,
        out_dir: Path,
        segment_seconds: float,
        probed: ProbeResult,
        *,
        strategy: StrategyChoice,
    ) -> SplitResult:
        return vidpipe_ffmpeg.split(
            source,
            out_dir,
            segment_seconds,
            probed,
            strategy=strategy,
            limits=self._limits,
            reencode=self._reencode,
            verify_decoding=self._verify_decoding,
        )
