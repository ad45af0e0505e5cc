"""Cut a video into keyframe-aligned MP4 segments that each play on their own.

Strategy (see the README for the measurements):
- ``copy``: when the source has a keyframe within T/2 of every wanted cut (``plan``), the
  segment muxer cuts at exactly those keyframes with ``-c copy``: as fast as copying the bytes.
- ``reencode``: otherwise (few keyframes, e.g. one at 0 s) or when the codec cannot go into MP4,
  one libx264 pass forces keyframes at multiples of T and the same muxer cuts there.
Short videos (< 1.5 T) give one segment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from vidpipe_ffmpeg._ffmpeg import MP4_VIDEO_CODECS
from vidpipe_ffmpeg._run import DEFAULT_LIMITS, ResourceLimits, run_tool
from vidpipe_ffmpeg.commands import split_command
from vidpipe_ffmpeg.decode_check import check_decoding
from vidpipe_ffmpeg.errors import InvalidMediaError
from vidpipe_ffmpeg.models import ProbeResult, Segment, SplitResult, SplitStrategy
from vidpipe_ffmpeg.plan import is_short, plan_forced_cuts, plan_keyframe_cuts, segment_spans
from vidpipe_ffmpeg.probe import list_keyframes
from vidpipe_ffmpeg.probe import probe as probe_file
from vidpipe_ffmpeg.reencode import DEFAULT_REENCODE, ReencodeSettings

SEGMENT_PATTERN = "segment_%05d.mp4"


def choose_strategy(
    probe: ProbeResult,
    segment_seconds: float,
    strategy: Literal["auto", "copy", "reencode"] = "auto",
) -> tuple[SplitStrategy, list[float]]:
    """The strategy and the cut times for ``probe`` (pure; ``probe.keyframes`` must be set)."""
    if probe.video is None:
        raise InvalidMediaError("no video stream")
    copyable = probe.video.codec in MP4_VIDEO_CODECS
    if strategy == "reencode" or not copyable:
        return "reencode", plan_forced_cuts(probe.duration, segment_seconds)
    cuts = plan_keyframe_cuts(probe.keyframes, probe.duration, segment_seconds)
    if cuts is not None:
        return "copy", cuts
    if strategy == "copy":
        relaxed = plan_keyframe_cuts(probe.keyframes, probe.duration, segment_seconds, strict=False)
        return "copy", relaxed or []
    return "reencode", plan_forced_cuts(probe.duration, segment_seconds)


def split(
    path: Path,
    out_dir: Path,
    segment_seconds: float,
    probe: ProbeResult | None = None,
    *,
    strategy: Literal["auto", "copy", "reencode"] = "auto",
    limits: ResourceLimits = DEFAULT_LIMITS,
    reencode: ReencodeSettings = DEFAULT_REENCODE,
    verify_decoding: bool = True,
) -> SplitResult:
    """Split ``path`` into ``out_dir/segment_00000.mp4`` ... (any old segments there removed).

    ``verify_decoding``: before a stream copy (which never decodes), decode the video once and
    raise ``InvalidMediaError`` naming where a corrupt stream breaks (``check_decoding``); a
    re-encode decodes anyway and is checked by its frame count. ``reencode``: the quality a
    re-encoding split keeps (``plan_reencode``)."""
    path, out_dir = Path(path), Path(out_dir)
    if "%" in str(out_dir.resolve()):
        raise ValueError("out_dir must not contain '%' (the segment muxer reads it as a pattern)")
    if probe is None:
        probe = probe_file(path, limits)
    if not probe.keyframes and _plan_needs_keyframes(probe, segment_seconds, strategy):
        keyframes = list_keyframes(path, limits, format_name=probe.format_name)
        probe = probe.model_copy(update={"keyframes": tuple(keyframes)})
    chosen, cuts = choose_strategy(probe, segment_seconds, strategy)
    if verify_decoding and chosen == "copy":
        check_decoding(path, format_name=probe.format_name, limits=limits)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("segment_*.mp4"):
        old.unlink()
    argv = split_command(
        path, out_dir / SEGMENT_PATTERN, probe, chosen, cuts, limits, reencode=reencode
    )
    run_tool(argv, limits)
    paths = sorted(out_dir.glob("segment_*.mp4"))
    spans = segment_spans(cuts, probe.duration)
    if len(paths) != len(spans):
        # Deterministic for this file (its timestamps do not cut where its own keyframes
        # say): a retry writes the same, so it is the input's fault, reported at once.
        raise InvalidMediaError(
            f"the video does not split as planned: {len(spans)} segments expected at {cuts} s, "
            f"ffmpeg wrote {len(paths)} (broken timestamps?); re-encode the file and upload it "
            "again"
        )
    if chosen == "reencode":
        _check_nothing_lost(path, paths, probe, limits)
    segments = [
        Segment(path=p, index=i, start=round(start, 6), duration=round(length, 6))
        for i, (p, (start, length)) in enumerate(zip(paths, spans, strict=True))
    ]
    return SplitResult(segments=segments, strategy=chosen)


def _plan_needs_keyframes(
    probe: ProbeResult, segment_seconds: float, strategy: Literal["auto", "copy", "reencode"]
) -> bool:
    """Whether ``choose_strategy`` will look at keyframes: only a stream copy of a video long
    enough to cut does. Listing them reads every packet of the file in one more ffprobe run
    (~0.1 s for 300 s of video, mostly the process start), so a short video, a forced
    re-encode or a codec MP4 cannot carry skip it."""
    if probe.video is None or strategy == "reencode" or probe.video.codec not in MP4_VIDEO_CODECS:
        return False
    return not is_short(probe.duration, segment_seconds)


def _check_nothing_lost(
    source: Path, paths: list[Path], probe: ProbeResult, limits: ResourceLimits
) -> None:
    """A re-encode keeps only the frames the decoder could decode: a source whose bitstream is
    corrupt would lose whole seconds silently. Compare with the container's frame count (MP4
    and MOV state it; Matroska does not, and then there is nothing to compare with)."""
    expected = probe.video.frame_count if probe.video else None
    if not expected:
        return
    written = 0
    for path in paths:
        video = probe_file(path, limits, with_keyframes=False).video
        if video is not None and video.frame_count is not None:
            written += video.frame_count
    # A frame or two may fall outside an edit list; a damaged stream loses far more.
    lost = expected - written
    if lost > max(2, expected // 100):
        # Say where it breaks (one more decode, only on this failure path).
        check_decoding(source, format_name=probe.format_name, limits=limits)
        raise InvalidMediaError(
            f"corrupt video stream: only {written} of its {expected} frames could be decoded; "
            "re-export or re-encode the file and upload it again"
        )
