"""Every ffmpeg command line vidpipe runs, built with ffmpeg-python and returned as an argv list.

ffmpeg-python (import ``ffmpeg``) describes what a command does as a graph: which input streams
go through which filters into which output, with the filter-graph labels, the ``-map``s and the
escaping of each filter's options. That is what the hand-written ``-vf``/``-filter_complex``
strings used to spell out. It never starts a process here: its ``run``/``run_async`` would start
ffmpeg without the sandbox in ``_run`` (rlimits, timeout, process group, stdin closed), so this
module only asks it for the arguments (``ffmpeg.get_args``), puts the executable and the global
options in front itself, and returns a plain ``list[str]`` for ``run_tool`` or ``FfmpegPipe``.

What every command keeps, whoever builds it (``tests/unit/test_commands.py`` checks the argv):
``-nostdin``; ``-protocol_whitelist file,pipe`` and a ``-format_whitelist`` on every input (a
file: the allowed containers, or the one demuxer it is read with; a pipe: ``rawvideo``); inputs
and outputs as absolute ``file:`` URLs or ``pipe:N``. Filters are constants in code or
``VideoFilter`` values: never text from an upload, since a filter such as ``movie=`` opens files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ffmpeg

from vidpipe_ffmpeg._ffmpeg import (
    MP4_AUDIO_CODECS,
    ffmpeg_base,
    hevc_tag_options,
    input_args,
)
from vidpipe_ffmpeg._run import DEFAULT_LIMITS, PROTOCOL_WHITELIST, ResourceLimits, file_url
from vidpipe_ffmpeg.formats import READ_FORMAT_WHITELIST, demuxer_name
from vidpipe_ffmpeg.reencode import DEFAULT_REENCODE, ReencodeSettings, plan_reencode

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from vidpipe_ffmpeg.models import ProbeResult, SplitStrategy

Scalar = str | int | float

_FILTER_NAME = re.compile(r"[a-z0-9_]+")
# ffmpeg-python 0.2.0 escapes positional filter arguments twice, so a value holding one of these
# would not reach the filter as written; no vidpipe filter needs them, so they are refused.
_ESCAPED = frozenset("\\'[],;:=")


@dataclass(frozen=True)
class VideoFilter:
    """One filter of a chain: ``name``, positional ``args``, named ``options``.

    ``VideoFilter.of("scale", 64, -2)`` is ``scale=64:-2``; ``VideoFilter.of("hue", s=0)`` is
    ``hue=s=0``. Values may hold no character that filter syntax escapes (``\\ ' [ ] , ; : =``).
    """

    name: str
    args: tuple[Scalar, ...] = ()
    options: tuple[tuple[str, Scalar], ...] = ()

    @classmethod
    def of(cls, name: str, *args: Scalar, **options: Scalar) -> VideoFilter:
        return cls(name, tuple(args), tuple(options.items()))

    def __post_init__(self) -> None:
        if not _FILTER_NAME.fullmatch(self.name):
            raise ValueError(f"not a filter name: {self.name!r}")
        for value in [*self.args, *(v for _, v in self.options), *(k for k, _ in self.options)]:
            if _ESCAPED.intersection(str(value)) or not str(value):
                raise ValueError(f"filter {self.name}: value {value!r} would need escaping")

    def __str__(self) -> str:
        params = [str(a) for a in self.args] + [f"{k}={v}" for k, v in self.options]
        return f"{self.name}={':'.join(params)}" if params else self.name


#: x264 with 4:2:0 refuses odd sizes (a 1081 px high phone video): drop the odd row/column.
EVEN_SIZE = VideoFilter.of("crop", "trunc(iw/2)*2", "trunc(ih/2)*2")

_X264: dict[str, Scalar] = {"c:v": "libx264", "preset": "veryfast", "crf": 20, "pix_fmt": "yuv420p"}
_FASTSTART: dict[str, Scalar] = {"movflags": "+faststart"}
# Chapters would point at times of the source, not of the output.
_NO_CHAPTERS: dict[str, Scalar] = {"map_chapters": -1}

#: The MP4 movie timescale of every file that keeps the source's timestamps. A track that starts
#: after 0 (every segment but the first) gets an empty edit, whose length is counted in the
#: *movie* timescale: at MP4's default of 1000 a start of 3.818667 s is written as 3.818 s and
#: the segment's audio comes back 32 samples early. 2^12 * 3^2 * 5^4 * 7^2 is a multiple of every
#: usual track timescale (90000, 48000, 44100, 30000, 12800, 15360, 12288, 16000 ...), so the
#: edit is exact; it fits MP4's 32-bit field, and the muxer writes 64-bit durations beyond it.
EXACT_MOVIE_TIMESCALE = 1_128_960_000
_KEEP_TIMESTAMPS: dict[str, Scalar] = {
    # Keep negative B-frame/priming timestamps for the MP4 muxer's edit list, not shifted.
    "avoid_negative_ts": "disabled",
    "movie_timescale": EXACT_MOVIE_TIMESCALE,
}


def parse_filter_chain(text: str) -> tuple[VideoFilter, ...]:
    """``"hue=s=0,scale=64:-2"`` as ``VideoFilter``s: comma-separated filters, each ``name`` or
    ``name=`` followed by ``:``-separated positional values or ``key=value`` options.

    Only this plain form (what vidpipe's own settings hold): anything that needs escaping,
    quoting or labels raises ``ValueError``; build such a filter as a ``VideoFilter``.
    """
    if set("\\'[];").intersection(text):
        raise ValueError(f"filter chain {text!r}: escapes, quotes and labels are not accepted")
    filters: list[VideoFilter] = []
    for part in text.split(","):
        name, _, params = part.strip().partition("=")
        args: list[Scalar] = []
        options: list[tuple[str, Scalar]] = []
        for param in params.split(":") if params else []:
            key, equals, value = param.partition("=")
            if equals:
                options.append((key, value))
            else:
                args.append(param)
        filters.append(VideoFilter(name, tuple(args), tuple(options)))
    return tuple(filters)


def as_filters(video_filter: str | VideoFilter | Sequence[VideoFilter]) -> tuple[VideoFilter, ...]:
    """Filters from what ``transcode_filter`` accepts: a chain as text, one filter, or several."""
    if isinstance(video_filter, str):
        return parse_filter_chain(video_filter)
    if isinstance(video_filter, VideoFilter):
        return (video_filter,)
    return tuple(video_filter)


# ffmpeg-python is untyped: its nodes stay `Any` inside this module, and only `list[str]`
# leaves it.


def _file_input(
    path: Path,
    format_name: str | None = None,
    *,
    format_whitelist: str = READ_FORMAT_WHITELIST,
    **options: Scalar | None,
) -> Any:
    """A file input limited to files (``-protocol_whitelist``) and to the allowed containers.
    An option given as None is a flag (``noautorotate=None`` is ``-noautorotate``)."""
    forced = {"format": demuxer_name(format_name)} if format_name else {}
    return ffmpeg.input(
        file_url(Path(path)),
        protocol_whitelist=PROTOCOL_WHITELIST,
        format_whitelist=format_whitelist,
        **forced,
        **options,
    )


def _raw_frames_input(width: int, height: int, fps: float, pix_fmt: str) -> Any:
    """Raw frames on stdin; the whitelists too, though ``-f rawvideo`` already fixes both."""
    return ffmpeg.input(
        "pipe:0",
        format="rawvideo",
        protocol_whitelist=PROTOCOL_WHITELIST,
        format_whitelist="rawvideo",
        pix_fmt=pix_fmt,
        s=f"{width}x{height}",
        framerate=f"{fps:.6g}",
    )


def _chain(stream: Any, filters: Sequence[VideoFilter]) -> Any:
    for step in filters:
        stream = stream.filter(step.name, *step.args, **dict(step.options))
    return stream


def _argv(output: Any, limits: ResourceLimits) -> list[str]:
    # Not `ffmpeg.compile`: it puts global options after the outputs; ours lead, as ever.
    return [*ffmpeg_base(limits), *(str(arg) for arg in ffmpeg.get_args(output))]


def _with_global(argv: list[str], *flags: str) -> list[str]:
    """``argv`` with global ``flags`` (options without a value, such as ``-copyts``) put just
    before the output URL: ffmpeg reads a global option wherever it stands, and every option
    before it keeps its ``-key value`` pairing."""
    return [*argv[:-1], *flags, argv[-1]]


def _audio_options(audio_codec: str | None) -> dict[str, Scalar]:
    if audio_codec is None or audio_codec in MP4_AUDIO_CODECS:
        return {"c:a": "copy"}
    return {"c:a": "aac", "b:a": "160k"}


def transcode_command(
    src: Path,
    dst: Path,
    filters: Sequence[VideoFilter],
    limits: ResourceLimits = DEFAULT_LIMITS,
) -> list[str]:
    """``src``'s first video stream through ``filters`` (then ``EVEN_SIZE``) with libx264, on
    the picture as stored (its display rotation kept, not applied), every frame kept at its own
    timestamp, its first audio stream copied; an MP4 with
    ``+faststart`` at ``dst``.

    Timestamps are the input's, to the tick (``-copyts``, the encoder in the input's time base,
    ``fps_mode passthrough``): a segment that starts at 12.48 s of its source still does, so the
    join can put it back exactly there (see ``concat``)."""
    # noautorotate: filter the picture as stored and keep the display matrix, so the output has
    # the source's geometry (rotating here would turn a 90-degree clip into a different size).
    source = _file_input(src, noautorotate=None)
    video = _chain(source["v:0"], [*filters, EVEN_SIZE])
    output = ffmpeg.output(
        video, source["a:0?"], file_url(Path(dst)),
        format="mp4", fps_mode="passthrough", enc_time_base=-1, **_X264, **{"c:a": "copy"},
        **_NO_CHAPTERS, **_KEEP_TIMESTAMPS, **_FASTSTART,
    )  # fmt: skip
    return _with_global(_argv(output, limits), "-copyts")


def split_command(
    path: Path,
    pattern: Path,
    probe: ProbeResult,
    strategy: SplitStrategy,
    cuts: Sequence[float],
    limits: ResourceLimits = DEFAULT_LIMITS,
    *,
    reencode: ReencodeSettings = DEFAULT_REENCODE,
) -> list[str]:
    """Cut ``path`` at ``cuts`` into MP4s named by ``pattern`` (``segment_%05d.mp4``; with no
    cuts, the one file ``pattern % 0``): a stream copy, or one pass of the encoder
    ``plan_reencode`` chooses (same codec family and bit depth) with keyframes forced at the
    cuts (``strategy``).

    Every segment keeps the source's timestamps (no ``reset_timestamps``): segment 3 of a 2 s
    split starts near 6 s, its audio and video exactly where they were in the source. Each still
    plays alone (its MP4 edit list starts it there); ``concat`` relies on those times."""
    if probe.video is None:
        raise ValueError("split_command needs a probe with a video stream")
    source = _file_input(path, probe.format_name)
    # ffmpeg starts its output at the input's start time (which an edit list or an MPEG-TS
    # clock can put after 0); cuts are keyframe times as ffprobe reads them, so shift them the
    # same way, or the muxer would cut at the keyframe after the planned one.
    times = ",".join(f"{max(0.0, cut - probe.start_time):.6f}" for cut in cuts)
    options: dict[str, Scalar] = {**_audio_options(probe.audio.codec if probe.audio else None)}
    if strategy == "copy":
        # A stream copy has no filter: ffmpeg-python only spells the maps and options here.
        video = source["v:0"]
        options.update({"c:v": "copy", **hevc_tag_options(probe.video.codec)})
    else:
        plan = plan_reencode(probe.video, reencode)
        video = _chain(source["v:0"], [EVEN_SIZE] if plan.needs_even_size else [])
        # The source's time base, so that every frame keeps its presentation time to the tick.
        options.update({**plan.options, "fps_mode": "passthrough", "enc_time_base": -1})
        if cuts:
            options["force_key_frames"] = times
    if not cuts:
        target = file_url(pattern.parent / (pattern.name % 0))
        options.update({"format": "mp4", **_FASTSTART, **_KEEP_TIMESTAMPS})
    else:
        target = file_url(pattern)
        options.update(
            {
                "format": "segment",
                "segment_format": "mp4",
                "segment_times": times,
                # Cut times come from ffprobe's 6-decimal pts_time; a keyframe up to 1 ms early
                # is taken, so rounding never pushes a cut to the following keyframe.
                "segment_time_delta": "0.001",
                # No reset_timestamps: rebasing each segment to 0 is what lost time at every cut
                # (VFR, audio packets from before the cut written at negative times).
                "avoid_negative_ts": "disabled",
                "segment_format_options": (
                    f"movflags=+faststart:movie_timescale={EXACT_MOVIE_TIMESCALE}"
                ),
            }
        )
    output = ffmpeg.output(video, source["a:0?"], target, **options, **_NO_CHAPTERS)
    return _argv(output, limits)


def concat_command(
    listing: Path,
    dst: Path,
    limits: ResourceLimits = DEFAULT_LIMITS,
    *,
    keep_timestamps: bool = False,
) -> list[str]:
    """Join the files an ffconcat ``listing`` names into ``dst`` without re-encoding.

    ``keep_timestamps``: the listing places each file at its own start (``duration`` lines, see
    ``vidpipe_ffmpeg.transcode.concat``), so the output must take the timestamps as they come
    (``-copyts``: no shift by the first packet, which may be audio priming before 0).

    Written out by hand, not with ffmpeg-python: a stream copy through the concat demuxer has
    no filter and no stream graph, only a few flags, which ffmpeg-python would merely reorder.
    The listing is vidpipe's own (hence ``-safe 0``); the files in it may only be the allowed
    containers.
    """
    concat_input = input_args(listing, "concat", format_whitelist=f"concat,{READ_FORMAT_WHITELIST}")
    negative = "disabled" if keep_timestamps else "auto"
    argv = [
        *ffmpeg_base(limits), "-fflags", "+genpts", "-safe", "0", *concat_input,
        "-map", "0:v:0", "-map", "0:a:0?", "-map_chapters", "-1", "-c", "copy",
        "-avoid_negative_ts", negative, "-movflags", "+faststart", "-f", "mp4",
        file_url(Path(dst)),
    ]  # fmt: skip
    return _with_global(argv, "-copyts") if keep_timestamps else argv


def thumbnail_command(
    path: Path,
    dst: Path,
    *,
    at: float,
    width: int,
    format_name: str | None = None,
    limits: ResourceLimits = DEFAULT_LIMITS,
) -> list[str]:
    """One JPEG ``width`` px wide at ``dst``: the ``thumbnail`` filter's pick from 25 frames
    from ``at`` seconds on, scaled from the display aspect ratio (non-square pixels right)."""
    source = _file_input(path, format_name, ss=f"{at:.3f}")
    picked = _chain(
        source["v:0"],
        [
            VideoFilter.of("thumbnail", 25),
            VideoFilter.of("scale", width, f"trunc({width}/dar/2)*2"),
            VideoFilter.of("setsar", 1),
            VideoFilter.of("format", "yuvj420p"),
        ],
    )
    output = ffmpeg.output(
        picked, file_url(Path(dst)),
        format="image2", update=1, **{"frames:v": 1, "c:v": "mjpeg", "q:v": 3},
    )  # fmt: skip
    return _argv(output, limits)


def mean_luma_command(image: Path, limits: ResourceLimits = DEFAULT_LIMITS) -> list[str]:
    """``image`` (a JPEG) scaled to 64 px wide, as 8-bit luma on stdout."""
    source = _file_input(image, "jpeg_pipe", format_whitelist="jpeg_pipe")
    small = _chain(source["v:0"], [VideoFilter.of("scale", 64, -2)])
    output = ffmpeg.output(small, "pipe:1", format="rawvideo", pix_fmt="gray")
    return _argv(output, limits)


def decode_frames_command(
    src: Path, *, pix_fmt: str = "rgb24", limits: ResourceLimits = DEFAULT_LIMITS
) -> list[str]:
    """``src``'s first video stream as raw ``pix_fmt`` frames on stdout, every frame, an odd
    last row/column dropped (``EVEN_SIZE``), rotation applied."""
    video = _chain(_file_input(src)["v:0"], [EVEN_SIZE])
    output = ffmpeg.output(
        video, "pipe:1", format="rawvideo", pix_fmt=pix_fmt, fps_mode="passthrough"
    )
    return _argv(output, limits)


def encode_frames_command(
    dst: Path,
    *,
    width: int,
    height: int,
    fps: float,
    pix_fmt: str = "rgb24",
    crf: int = 20,
    audio_from: Path | None = None,
    audio_codec: str | None = None,
    limits: ResourceLimits = DEFAULT_LIMITS,
) -> list[str]:
    """An H.264 MP4 (yuv420p, ``+faststart``) at ``dst`` from raw ``pix_fmt`` frames of
    ``width`` x ``height`` on stdin, with the first audio stream of ``audio_from`` when given
    (copied when MP4 can carry ``audio_codec``, else AAC). ``width`` and ``height`` must be
    even (yuv420p)."""
    if width % 2 or height % 2 or width <= 0 or height <= 0:
        raise ValueError(f"frame size {width}x{height}: yuv420p needs positive even sizes")
    streams: list[Any] = [_raw_frames_input(width, height, fps, pix_fmt)["v:0"]]
    options: Mapping[str, Scalar] = {**_X264, "crf": crf, **_NO_CHAPTERS, **_FASTSTART}
    if audio_from is not None:
        streams.append(_file_input(audio_from)["a:0?"])
        if audio_codec is not None:
            options = {**options, **_audio_options(audio_codec)}
    output = ffmpeg.output(*streams, file_url(Path(dst)), format="mp4", **options)
    return _argv(output, limits)
