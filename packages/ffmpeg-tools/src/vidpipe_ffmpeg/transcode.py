"""Re-encode with a filter, and join segments back together without re-encoding."""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from vidpipe_ffmpeg._run import DEFAULT_LIMITS, ResourceLimits, run_tool
from vidpipe_ffmpeg.commands import as_filters, concat_command, transcode_command
from vidpipe_ffmpeg.probe import probe as probe_file

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


def concat_list(paths: Sequence[Path], starts: Sequence[float] | None = None) -> str:
    """An ffconcat list of absolute paths, each quoted the way the concat demuxer unquotes.

    With ``starts`` (each file's own start time), every file but the last gets a ``duration``
    of ``starts[i + 1] - starts[i]``: the concat demuxer places file i at the sum of the
    durations before it and shifts its timestamps by that minus its start time, so with these
    durations every shift is the same constant (``-starts[0]``, 0 for a source starting at 0)
    and each packet keeps the time it has in its file. Times are to the microsecond, the
    precision of both ``duration`` and a file's start time.
    """
    lines = ["ffconcat version 1.0"]
    for index, path in enumerate(paths):
        quoted = str(Path(path).resolve()).replace("'", "'\\''")
        lines.append(f"file 'file:{quoted}'")
        if starts is not None and index + 1 < len(paths):
            micros = round(starts[index + 1] * 1e6) - round(starts[index] * 1e6)
            lines.append(f"duration {micros // 1_000_000}.{micros % 1_000_000:06d}")
    return "\n".join(lines) + "\n"


def keeps_source_time(starts: Sequence[float]) -> bool:
    """Whether segments carry their source's timestamps: each one starts after the one before.
    Segments rebuilt from raw frames (sam2) all start at 0; they are joined one after another."""
    return all(b > a for a, b in zip(starts, starts[1:], strict=False))


def _start_times(paths: Sequence[Path], limits: ResourceLimits) -> list[float]:
    """Each file's start time, probed 8 at a time (each probe is mostly a process starting)."""
    with ThreadPoolExecutor(max_workers=min(8, len(paths))) as pool:
        return list(
            pool.map(lambda p: probe_file(Path(p), limits, with_keyframes=False).start_time, paths)
        )


def concat(
    paths: Sequence[Path],
    dst: Path,
    limits: ResourceLimits = DEFAULT_LIMITS,
    *,
    starts: Sequence[float] | None = None,
) -> None:
    """Join MP4 segments in order into ``dst`` without re-encoding, every packet at the time it
    has in its segment.

    ``split`` keeps the source's timestamps in every segment (and ``transcode_filter`` keeps a
    segment's), so the join only has to *not* move them: each file's start is probed and the
    list places it there (``concat_list``), and ``-copyts`` keeps the result unshifted. The
    trap this avoids: the concat demuxer by default starts each file where the previous one's
    *duration* ends, and a container duration is not where the next file's first frame is
    (VFR, audio packets that straddle a cut, priming): the old rebasing lost 0.16 s per cut on
    a VFR clip and squeezed the audio at each seam. Segments that do not keep source time
    (all starting at 0) are joined one after another, as before.

    ``starts``: each file's start time when the caller knows it (the video-worker probed each
    segment it wrote); otherwise each file is probed, several at a time.

    This is the only use of the concat demuxer: the list is written here from our own absolute
    paths (hence ``-safe 0``), and the files it names may only be the allowed containers.
    """
    if not paths:
        raise ValueError("concat needs at least one segment")
    if starts is None:
        starts = _start_times(paths, limits)
    elif len(starts) != len(paths):
        raise ValueError(f"{len(starts)} start times for {len(paths)} segments")
    keep = keeps_source_time(starts)
    with tempfile.TemporaryDirectory(prefix="vidpipe-concat-") as tmp:
        listing = Path(tmp) / "segments.ffconcat"
        listing.write_text(concat_list(paths, starts if keep else None), encoding="utf-8")
        argv = concat_command(listing, Path(dst), limits, keep_timestamps=keep)
        run_tool(argv, limits)
