"""Re-encode with a filter, and join segments back together without re-encoding."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from vidpipe_ffmpeg._ffmpeg import (
    EVEN_SIZE_FILTER,
    FASTSTART,
    MAP_FIRST_AV,
    X264,
    ffmpeg_base,
    input_args,
)
from vidpipe_ffmpeg._run import DEFAULT_LIMITS, ResourceLimits, file_url, run_tool
from vidpipe_ffmpeg.formats import READ_FORMAT_WHITELIST

if TYPE_CHECKING:
    from collections.abc import Sequence


def transcode_filter(
    src: Path, dst: Path, video_filter: str, limits: ResourceLimits = DEFAULT_LIMITS
) -> None:
    """Re-encode ``src``'s video with libx264 through ``video_filter``; audio copied; MP4 with
    ``+faststart``. ``video_filter`` comes from vidpipe's configuration, never from an upload
    (a filter graph can open files)."""
    argv = [
        *ffmpeg_base(limits), *input_args(Path(src)), *MAP_FIRST_AV,
        "-vf", f"{video_filter},{EVEN_SIZE_FILTER}", *X264, "-fps_mode", "passthrough",
        "-c:a", "copy", *FASTSTART, "-f", "mp4", file_url(Path(dst)),
    ]  # fmt: skip
    run_tool(argv, limits)


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
        argv = [
            *ffmpeg_base(limits), "-fflags", "+genpts", "-safe", "0",
            *input_args(listing, "concat", format_whitelist=f"concat,{READ_FORMAT_WHITELIST}"),
            *MAP_FIRST_AV, "-c", "copy", "-avoid_negative_ts", "auto", *FASTSTART,
            "-f", "mp4", file_url(Path(dst)),
        ]  # fmt: skip
        run_tool(argv, limits)
