from typing import Any

import pytest

from vidpipe_ffmpeg import InvalidMediaError, ProbeResult, VideoStream, choose_strategy
from vidpipe_ffmpeg.formats import describe_non_media, is_video_container, looks_like_iso_bmff
from vidpipe_ffmpeg.probe import parse_keyframe_csv, parse_probe_json
from vidpipe_ffmpeg.transcode import concat_list

MP4 = "mov,mp4,m4a,3gp,3g2,mj2"
H264: dict[str, Any] = {
    "codec_type": "video", "codec_name": "h264", "width": 1080, "height": 1920,
    "avg_frame_rate": "30000/1001", "pix_fmt": "yuv420p", "nb_frames": "300",
}  # fmt: skip
AAC: dict[str, Any] = {
    "codec_type": "audio",
    "codec_name": "aac",
    "sample_rate": "48000",
    "channels": 2,
}


def doc(format_name: str, *streams: dict[str, Any], duration: str = "10.0") -> dict[str, Any]:
    return {"format": {"format_name": format_name, "duration": duration}, "streams": list(streams)}


def test_parses_a_phone_video_with_rotation() -> None:
    rotated = {**H264, "side_data_list": [{"side_data_type": "Display Matrix", "rotation": -90}]}
    result = parse_probe_json(doc(MP4, rotated, AAC), size=123)
    assert result.video is not None and result.audio is not None
    assert (result.video.width, result.video.height, result.video.rotation) == (1080, 1920, 270)
    assert result.video.fps == pytest.approx(29.97, abs=0.01)
    assert result.video.frame_count == 300
    assert (result.audio.codec, result.audio.sample_rate, result.audio.channels) == (
        "aac",
        48000,
        2,
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (doc("png_pipe", {**H264, "codec_name": "png"}), "a still image, not a video"),
        (doc(MP4, {**H264, "codec_name": "mjpeg", "nb_frames": "1"}), "a still image, not a video"),
        (doc(MP4, AAC), "no video stream (audio only)"),
        (doc("mp3", AAC, {**H264, "codec_name": "mjpeg", "disposition": {"attached_pic": 1}}),
         "no video stream (audio only)"),
        (doc(MP4, H264, duration="0.000000"), "duration is 0 s"),
        (doc("hls", H264), "not a video file ffmpeg can read (format 'hls')"),
        (doc("mp3", H264), "not a video file ffmpeg can read (format 'mp3')"),
        (doc(MP4), "no video stream"),
    ],
)  # fmt: skip
def test_rejects_what_is_not_a_video(data: dict[str, Any], reason: str) -> None:
    with pytest.raises(InvalidMediaError) as info:
        parse_probe_json(data, size=100)
    assert info.value.reason == reason


def test_keyframes_from_packet_flags() -> None:
    text = "0.000000,K_\n0.040000,__\n1.200000,K_\n\nN/A,K_\n1.200000,K_\n"
    assert parse_keyframe_csv(text) == [0.0, 1.2]


def test_container_allow_list() -> None:
    assert is_video_container(MP4)
    assert is_video_container("matroska,webm")
    for refused in ("hls", "concat", "image2", "lavfi", "tty", "mov,hls", ""):
        assert not is_video_container(refused)


def test_names_playlists_without_reading_them() -> None:
    assert (
        describe_non_media(b"#EXTM3U\n#EXTINF:10,\nfile:///x")
        == "an HLS playlist, not a video file"
    )
    assert describe_non_media(b"\xef\xbb\xbf ffconcat version 1.0") == (
        "an ffconcat list, not a video file"
    )
    assert describe_non_media(b"\x00\x00\x00\x20ftypisom") is None
    assert looks_like_iso_bmff(b"\x00\x00\x00\x20ftypisom")
    assert not looks_like_iso_bmff(b"hello world\n")


def test_concat_list_quotes_paths() -> None:
    listing = concat_list([__import__("pathlib").Path("/data/it's/a.mp4")])
    assert listing == "ffconcat version 1.0\nfile 'file:/data/it'\\''s/a.mp4'\n"


def _probe(codec: str, keyframes: tuple[float, ...], duration: float = 10.0) -> ProbeResult:
    video = VideoStream(codec=codec, width=640, height=272, fps=25.0, pix_fmt="yuv420p")
    return ProbeResult(
        duration=duration, size=1, format_name=MP4, bit_rate=None, video=video, audio=None,
        keyframes=keyframes,
    )  # fmt: skip


def test_strategy_copies_when_keyframes_allow() -> None:
    bikes = (0.0, 1.2, 3.04, 5.48, 7.48, 9.68)
    assert choose_strategy(_probe("h264", bikes), 2.0) == ("copy", [1.2, 3.04, 5.48, 7.48])


def test_strategy_reencodes_a_single_keyframe_source() -> None:
    assert choose_strategy(_probe("h264", (0.0,), 5.312), 2.0) == ("reencode", [2.0, 4.0])
    assert choose_strategy(_probe("h264", (0.0,), 5.312), 2.0, "copy") == ("copy", [])


def test_strategy_reencodes_codecs_mp4_cannot_carry() -> None:
    assert choose_strategy(_probe("vp8", (0.0, 2.0, 4.0, 6.0, 8.0)), 2.0)[0] == "reencode"
