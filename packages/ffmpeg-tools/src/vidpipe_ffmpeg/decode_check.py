"""Is every frame of an upload decodable? Found before any segment is written, and named.

A stream copy never decodes: a corrupt bitstream used to travel through chunking and the
video stage untouched and fail only at the join ("segment 1: truncated or corrupt"), blaming
vidpipe, late, after retries. `check_decoding` decodes the video stream once (ffprobe, frames
and packets in one pass) and compares the frames the decoder produced with the packets the
container holds: a stream that loses frames is corrupt, and the error says from when, and what
to do. Where and at what cost this runs is measured in ``bench/bench_decode_check.py``.
"""

from __future__ import annotations

from pathlib import Path

from vidpipe_ffmpeg._run import DEFAULT_LIMITS, ResourceLimits, file_url, run_tool
from vidpipe_ffmpeg.errors import FfmpegFailedError, InvalidMediaError
from vidpipe_ffmpeg.formats import READ_FORMAT_WHITELIST, demuxer_name
from vidpipe_ffmpeg.probe import ffprobe_argv

#: Frames a healthy stream may legitimately not output: leading B-frames of an open GOP at the
#: very start, or a frame outside an edit list. A corrupt stream loses far more.
_ALLOWED_LOSS = 2
_ALLOWED_FRACTION = 0.01


def check_decoding(
    path: Path, *, format_name: str | None = None, limits: ResourceLimits = DEFAULT_LIMITS
) -> None:
    """Raise ``InvalidMediaError`` when ``path``'s first video stream cannot be decoded whole:
    ``"the video stream cannot be decoded from 00:03.20 on (61 of 100 frames lost): re-export
    the file and upload it again"``."""
    forced = ["-f", demuxer_name(format_name)] if format_name else []
    argv = ffprobe_argv(
        limits, "-format_whitelist", READ_FORMAT_WHITELIST, *forced, "-select_streams", "v:0",
        "-show_entries", "packet=pts_time:frame=best_effort_timestamp_time", "-of", "csv",
        file_url(Path(path)),
    )  # fmt: skip
    try:
        output = run_tool(argv, limits).stdout.decode("utf-8", "replace")
    except FfmpegFailedError as exc:
        # ffprobe itself gave up (it rarely does on bad data): the stream cannot be read.
        raise InvalidMediaError(_message(None, None, None)) from exc
    problem = find_loss(output)
    if problem is not None:
        raise InvalidMediaError(_message(*problem))


def find_loss(csv: str) -> tuple[float, int, int] | None:
    """(time the loss starts, frames lost, frames in all) from ffprobe's packet/frame CSV, or
    None when the stream decodes whole (within the allowed loss)."""
    packets: list[float] = []
    decoded: set[str] = set()
    for line in csv.splitlines():
        kind, _, value = line.strip().partition(",")
        value = value.split(",")[0]
        if not value or value == "N/A":
            continue
        if kind == "packet":
            packets.append(float(value))
        elif kind == "frame":
            decoded.add(f"{float(value):.6f}")
    lost = sorted(t for t in packets if f"{t:.6f}" not in decoded)
    if len(lost) <= max(_ALLOWED_LOSS, int(len(packets) * _ALLOWED_FRACTION)):
        return None
    # Where it starts: the first lost frame that is not one of the allowed leading ones.
    leading = [t for t in lost[:_ALLOWED_LOSS] if t <= sorted(packets)[_ALLOWED_LOSS]]
    start = lost[len(leading)] if len(leading) < len(lost) else lost[0]
    return start, len(lost), len(packets)


def _message(at: float | None, lost: int | None, total: int | None) -> str:
    if at is None or lost is None or total is None:
        return (
            "the video stream cannot be decoded: the file is corrupt; re-export the file and "
            "upload it again"
        )
    return (
        f"the video stream cannot be decoded from {format_timestamp(at)} on ({lost} of {total} "
        "frames lost): the file is corrupt; re-export the file and upload it again"
    )


def format_timestamp(seconds: float) -> str:
    """``203.25`` -> ``03:23.25``; ``3725.5`` -> ``1:02:05.50``."""
    minutes, rest = divmod(max(0.0, seconds), 60)
    hours, minutes = divmod(int(minutes), 60)
    if hours:
        return f"{hours}:{minutes:02d}:{rest:05.2f}"
    return f"{minutes:02d}:{rest:05.2f}"
