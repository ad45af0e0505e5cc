"""The argv each builder compiles (ffmpeg-python's graph, then our global options) keeps every
protection the runner relies on: read from the list itself, not from the code that made it."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vidpipe_ffmpeg import (
    EVEN_SIZE,
    AudioStream,
    ProbeResult,
    ResourceLimits,
    VideoFilter,
    VideoStream,
    concat_command,
    decode_frames_command,
    encode_frames_command,
    mean_luma_command,
    parse_filter_chain,
    split_command,
    thumbnail_command,
    transcode_command,
)
from vidpipe_ffmpeg.commands import EXACT_MOVIE_TIMESCALE
from vidpipe_ffmpeg.formats import READ_FORMAT_WHITELIST

LIMITS = ResourceLimits(ffmpeg="ffmpeg-under-test")
GLOBAL = ["ffmpeg-under-test", "-hide_banner", "-nostdin", "-y", "-v", "error"]
EVEN = "crop=trunc(iw/2)*2:trunc(ih/2)*2"


def _probe(video_codec: str = "h264", audio_codec: str | None = "aac") -> ProbeResult:
    return ProbeResult(
        duration=10.0,
        size=1000,
        bit_rate=None,
        format_name="mov,mp4,m4a,3gp,3g2,mj2",
        video=VideoStream(codec=video_codec, width=640, height=272, fps=25.0, pix_fmt="yuv420p"),
        audio=AudioStream(codec=audio_codec, sample_rate=48000, channels=2)
        if audio_codec
        else None,
    )


INPUT_FLAGS = frozenset({"-noautorotate"})


def inputs(argv: list[str]) -> list[tuple[dict[str, str], str]]:
    """Each input as (its options, its URL): the `-key value` pairs since the previous input."""
    found: list[tuple[dict[str, str], str]] = []
    options: dict[str, str] = {}
    i = len(GLOBAL)
    while i < len(argv):
        if argv[i] in INPUT_FLAGS:  # an input option without a value
            options[argv[i]] = ""
            i += 1
            continue
        if argv[i] == "-i":
            found.append((options, argv[i + 1]))
            options = {}
        elif argv[i] in ("-filter_complex", "-map") or not argv[i].startswith("-"):
            break  # the inputs are over
        else:
            options[argv[i]] = argv[i + 1]
        i += 2
    return found


def option(argv: list[str], name: str) -> str:
    """The value of output option `name`, which must be given once."""
    last_input = len(argv) - 1 - argv[::-1].index("-i")
    outputs = argv[last_input + 2 :]
    assert outputs.count(name) == 1, (name, argv)
    return outputs[outputs.index(name) + 1]


def assert_protected(argv: list[str], want_formats: list[str]) -> None:
    """Global options first (stdin never read), every input limited to file/pipe and to its
    formats, every input and output a `file:` URL or a pipe."""
    assert all(isinstance(arg, str) for arg in argv)
    assert argv[: len(GLOBAL)] == GLOBAL
    found = inputs(argv)
    assert [opts.get("-format_whitelist") for opts, _ in found] == want_formats
    for opts, url in found:
        assert opts["-protocol_whitelist"] == "file,pipe"
        assert url == "pipe:0" or url.startswith("file:/")
    assert argv[-1].startswith("file:/") or argv[-1] == "pipe:1"
    assert "-vf" not in argv  # filters only ever go through ffmpeg-python's graph


def test_transcode_compiles_the_filters_into_one_graph(tmp_path: Path) -> None:
    argv = transcode_command(
        tmp_path / "in.mp4", tmp_path / "out.mp4", [VideoFilter.of("hue", s=0)], LIMITS
    )
    assert_protected(argv, [READ_FORMAT_WHITELIST])
    assert inputs(argv)[0][1] == f"file:{(tmp_path / 'in.mp4').resolve()}"
    assert option(argv, "-filter_complex") == f"[0:v:0]hue=s=0[s0];[s0]{EVEN}[s1]"
    assert argv[argv.index("-filter_complex") + 2 :].count("-map") == 2
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "-map"] == ["[s1]", "0:a:0?"]
    assert option(argv, "-c:v") == "libx264" and option(argv, "-pix_fmt") == "yuv420p"
    assert option(argv, "-c:a") == "copy" and option(argv, "-movflags") == "+faststart"
    assert option(argv, "-fps_mode") == "passthrough" and option(argv, "-f") == "mp4"
    assert argv[-1] == f"file:{(tmp_path / 'out.mp4').resolve()}"


def test_split_copy_has_no_filter_and_cuts_with_the_segment_muxer(tmp_path: Path) -> None:
    pattern = tmp_path / "segment_%05d.mp4"
    argv = split_command(tmp_path / "in.mp4", pattern, _probe("hevc"), "copy", [2.0, 4.5], LIMITS)
    assert_protected(argv, [READ_FORMAT_WHITELIST])
    assert inputs(argv)[0][0]["-f"] == "mov"  # later reads force the probed demuxer
    assert "-filter_complex" not in argv
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "-map"] == ["0:v:0", "0:a:0?"]
    assert option(argv, "-c:v") == "copy" and option(argv, "-tag:v") == "hvc1"
    assert option(argv, "-segment_times") == "2.000000,4.500000"
    assert option(argv, "-avoid_negative_ts") == "disabled"
    assert "-reset_timestamps" not in argv  # segments keep the source's timestamps
    assert option(argv, "-segment_format_options") == (
        f"movflags=+faststart:movie_timescale={EXACT_MOVIE_TIMESCALE}"
    )
    assert option(argv, "-f") == "segment" and option(argv, "-map_chapters") == "-1"
    assert argv[-1] == f"file:{pattern.resolve()}"


def test_split_reencode_forces_keyframes_and_crops_to_even(tmp_path: Path) -> None:
    argv = split_command(
        tmp_path / "in.mkv", tmp_path / "segment_%05d.mp4", _probe("vp8", "vorbis"), "reencode",
        [2.0], LIMITS,
    )  # fmt: skip
    assert_protected(argv, [READ_FORMAT_WHITELIST])
    assert option(argv, "-filter_complex") == f"[0:v:0]{EVEN}[s0]"
    assert option(argv, "-force_key_frames") == "2.000000"
    assert option(argv, "-c:a") == "aac"  # Vorbis cannot go into MP4
    assert option(argv, "-c:v") == "libx264" and option(argv, "-enc_time_base") == "-1"


def test_split_reencode_keeps_hevc_and_ten_bits(tmp_path: Path) -> None:
    probe = _probe("hevc").model_copy(
        update={"video": VideoStream(codec="hevc", width=641, height=361, fps=25.0,
                                     pix_fmt="yuv420p10le", bits_per_sample=10)}
    )  # fmt: skip
    argv = split_command(tmp_path / "in.mp4", tmp_path / "s_%05d.mp4", probe, "reencode", [2.0])
    assert option(argv, "-c:v") == "libx265" and option(argv, "-pix_fmt") == "yuv420p10le"
    assert option(argv, "-tag:v") == "hvc1"
    assert option(argv, "-filter_complex") == f"[0:v:0]{EVEN}[s0]"  # 4:2:0 needs even sizes


def test_split_reencode_keeps_444_odd_sizes_uncropped(tmp_path: Path) -> None:
    probe = _probe().model_copy(
        update={"video": VideoStream(codec="h264", width=161, height=121, fps=25.0,
                                     pix_fmt="yuv444p")}
    )  # fmt: skip
    argv = split_command(tmp_path / "in.mp4", tmp_path / "s_%05d.mp4", probe, "reencode", [2.0])
    assert option(argv, "-pix_fmt") == "yuv444p" and "-filter_complex" not in argv


def test_split_without_cuts_writes_the_one_segment(tmp_path: Path) -> None:
    argv = split_command(
        tmp_path / "in.mp4", tmp_path / "segment_%05d.mp4", _probe(), "copy", [], LIMITS
    )
    assert argv[-1] == f"file:{(tmp_path / 'segment_00000.mp4').resolve()}"
    assert "-segment_times" not in argv and option(argv, "-movflags") == "+faststart"


def test_concat_stays_a_stream_copy_of_allowed_containers(tmp_path: Path) -> None:
    argv = concat_command(tmp_path / "list.ffconcat", tmp_path / "final.mp4", LIMITS)
    assert_protected(argv, [f"concat,{READ_FORMAT_WHITELIST}"])
    concat_options = inputs(argv)[0][0]
    assert concat_options["-f"] == "concat" and concat_options["-safe"] == "0"
    assert concat_options["-fflags"] == "+genpts"
    assert option(argv, "-c") == "copy" and "-filter_complex" not in argv


def test_thumbnail_seeks_on_the_input_and_scales_from_the_display_aspect(tmp_path: Path) -> None:
    argv = thumbnail_command(
        tmp_path / "in.mp4", tmp_path / "t.jpg", at=1.25, width=320, format_name="mov",
        limits=LIMITS,
    )  # fmt: skip
    assert_protected(argv, [READ_FORMAT_WHITELIST])
    assert inputs(argv)[0][0]["-ss"] == "1.250"
    assert option(argv, "-filter_complex") == (
        "[0:v:0]thumbnail=25[s0];[s0]scale=320:trunc(320/dar/2)*2[s1];"
        "[s1]setsar=1[s2];[s2]format=yuvj420p[s3]"
    )
    assert option(argv, "-frames:v") == "1" and option(argv, "-f") == "image2"


def test_mean_luma_reads_only_a_jpeg(tmp_path: Path) -> None:
    argv = mean_luma_command(tmp_path / "t.jpg", LIMITS)
    assert_protected(argv, ["jpeg_pipe"])
    assert inputs(argv)[0][0]["-f"] == "jpeg_pipe"
    assert option(argv, "-filter_complex") == "[0:v:0]scale=64:-2[s0]"
    assert argv[-5:] == ["-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"]


def test_decoded_frames_go_to_stdout(tmp_path: Path) -> None:
    argv = decode_frames_command(tmp_path / "in.mp4", limits=LIMITS)
    assert_protected(argv, [READ_FORMAT_WHITELIST])
    assert option(argv, "-filter_complex") == f"[0:v:0]{EVEN}[s0]"
    assert option(argv, "-pix_fmt") == "rgb24" and argv[-1] == "pipe:1"


def test_encoded_frames_come_from_stdin_with_the_sources_audio(tmp_path: Path) -> None:
    argv = encode_frames_command(
        tmp_path / "out.mp4", width=640, height=272, fps=29.97, pix_fmt="bgr24", crf=26,
        audio_from=tmp_path / "in.mkv", audio_codec="vorbis", limits=LIMITS,
    )  # fmt: skip
    assert_protected(argv, ["rawvideo", READ_FORMAT_WHITELIST])
    (raw, stdin), (_, audio) = inputs(argv)
    assert stdin == "pipe:0" and audio == f"file:{(tmp_path / 'in.mkv').resolve()}"
    assert raw["-f"] == "rawvideo" and raw["-pix_fmt"] == "bgr24"
    assert raw["-s"] == "640x272" and raw["-framerate"] == "29.97"
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "-map"] == ["0:v:0", "1:a:0?"]
    assert option(argv, "-crf") == "26" and option(argv, "-c:a") == "aac"
    with pytest.raises(ValueError, match="even"):
        encode_frames_command(tmp_path / "o.mp4", width=641, height=272, fps=25)


def test_encoded_frames_without_audio_have_one_input(tmp_path: Path) -> None:
    argv = encode_frames_command(tmp_path / "out.mp4", width=64, height=32, fps=2, limits=LIMITS)
    assert_protected(argv, ["rawvideo"])
    assert "-c:a" not in argv


_NAME = st.text(string.ascii_letters + string.digits + " -_'\"$;|&%[]:,=", min_size=1, max_size=20)


@given(name=_NAME)
def test_any_file_name_stays_one_argument_and_a_file_url(name: str) -> None:
    src = Path("/srv/in") / f"-{name}.mp4"
    argv = transcode_command(src, Path("/srv/out") / f"{name}.mp4", [EVEN_SIZE], LIMITS)
    assert inputs(argv)[0][1] == f"file:{src.resolve()}"
    assert argv[-1] == f"file:{(Path('/srv/out') / f'{name}.mp4').resolve()}"


def test_filter_chains_parse_into_filters() -> None:
    assert parse_filter_chain("hue=s=0") == (VideoFilter.of("hue", s="0"),)
    assert parse_filter_chain("null, scale=64:-2") == (
        VideoFilter.of("null"),
        VideoFilter.of("scale", "64", "-2"),
    )
    assert str(VideoFilter.of("scale", 64, -2)) == "scale=64:-2"
    assert str(EVEN_SIZE) == EVEN


@pytest.mark.parametrize(
    "text", ["movie='/etc/passwd'", "[in]null[out]", "null;null", "drawtext=text=a\\:b", "", "a,,b"]
)
def test_filter_chains_that_need_escaping_or_labels_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"not accepted|not a filter name"):
        parse_filter_chain(text)


@pytest.mark.parametrize("value", ["a:b", "x=y", "it's", "a,b", "[s0]", ""])
def test_filter_values_that_would_need_escaping_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="would need escaping"):
        VideoFilter.of("scale", value)
    with pytest.raises(ValueError, match="would need escaping"):
        VideoFilter.of("scale", w=value)
