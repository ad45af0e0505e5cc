"""Re-encode with a filter, and join segments back together without re-encoding."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from vidpipe_ffmpeg._run import DEFAULT_LIMITS, ResourceLimits, run_tool
from vidpipe_ffmpeg.commands import as_filters, concat_command, transcode_command

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vidpipe_ffmpeg.commands import VideoFilter


def transcode_filter(
    src: Path,
    dst: Path,
    video_filter: str | VideoFilter | Sequence[VideoFilter],
    limits: ResourceLimits = DEFAULT_LIMITS,
) -> None:
    """Re-encode ``src``'s video with libx264 through ``video_filter``; audio copied; MP4 with
    ``+faststart``. ``video_filter`` is ``VideoFilter``s or a plain chain as text
    (``"hue=s=0"``, see ``parse_filter_chain``); it comes from vidpipe's configuration, never
    from an upload (a filter graph can open files)."""
    run_tool(transcode_command(Path(src), Path(dst), as_filters(video_filter), limits), limits)


def concat_list(paths: Sequence[Path]) -> str:
    """An ffconcat list of absolute paths, each quoted the way the concat demuxer unquotes."""
    lines = ["ffconcat version 1.0"]
    for path in paths:
        quoted = str(Path(path).resolve()).replace("'", "'\\''")
        lines.append(f"file 'file:{quoted}'")
    return "\n".join(lines) + "\n"


def concat(paths: Sequence[Path], dst: Path, limits: ResourceLimits = DEFAULT_LIMITS) -> None:
    """Join MP4 segments in order into ``dst`` without re-encoding, with clean timestamps.

    This is the only use of the concat demuxer: the list is written here from our own absolute
    paths (hence ``-safe 0``), and the files it names may only be the allowed containers.
    ``+genpts`` fills missing timestamps; ``-avoid_negative_ts auto`` lets the MP4 muxer keep the
    B-frame delay in an edit list (``make_zero`` would shift the video to start at +2 frames).
    """
    if not paths:
        raise ValueError("concat needs at least one segment")
    with tempfile.TemporaryDirectory(prefix="vidpipe-concat-") as tmp:
        listing = Path(tmp) / "segments.ffconcat"
        listing.write_text(concat_list(paths), encoding="utf-8")
        argv = concat_command(listing, Path(dst), limits)
        run_tool(argv, limits)
