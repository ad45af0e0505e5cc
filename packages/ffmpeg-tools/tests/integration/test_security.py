"""Uploads are untrusted: a playlist posing as an MP4 must not make ffmpeg read local files."""

from pathlib import Path

import pytest

from tests.integration.conftest import BIKES
from vidpipe_ffmpeg import (
    FfmpegError,
    FfmpegFailedError,
    FfmpegPipe,
    InvalidMediaError,
    decode_frames_command,
    encode_frames_command,
    list_keyframes,
    probe,
    split,
    thumbnail,
    transcode_filter,
)
from vidpipe_ffmpeg.probe import parse_probe_json

pytestmark = pytest.mark.integration

SECRET = "VIDPIPE-SECRET-7f3a9c"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{SECRET}\n" * 50)
    return secret


def playlists(root: Path, secret: Path) -> dict[str, Path]:
    made = {
        "hls": f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile://{secret}\n#EXT-X-ENDLIST\n",
        "hls-relative": f"#EXTM3U\n#EXTINF:10,\n{secret.name}\n#EXT-X-ENDLIST\n",
        "ffconcat": f"ffconcat version 1.0\nfile '{secret}'\nfile '{BIKES}'\n",
    }
    paths = {}
    for name, text in made.items():
        paths[name] = root / name / "evil.mp4"
        paths[name].parent.mkdir()
        paths[name].write_text(text)
        (paths[name].parent / secret.name).write_text(secret.read_text())
    return paths


def all_outputs(root: Path) -> str:
    return "".join(
        p.read_bytes().decode("latin-1")
        for p in root.rglob("*")
        if p.is_file() and "secret" not in p.name
    )


@pytest.mark.parametrize("kind", ["hls", "hls-relative", "ffconcat"])
def test_probe_refuses_playlists(tmp_path: Path, secret_file: Path, kind: str) -> None:
    evil = playlists(tmp_path, secret_file)[kind]
    with pytest.raises(InvalidMediaError) as info:
        probe(evil)
    assert "not a video file" in info.value.reason
    assert SECRET not in str(info.value)


@pytest.mark.parametrize("kind", ["hls", "hls-relative", "ffconcat"])
def test_every_ffmpeg_read_refuses_playlists(tmp_path: Path, secret_file: Path, kind: str) -> None:
    """Behind the Python checks, ffmpeg itself only opens allowed containers."""
    evil = playlists(tmp_path, secret_file)[kind]
    out = tmp_path / "out"
    out.mkdir()
    fake = parse_probe_json(
        {"format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "10"},
         "streams": [{"codec_type": "video", "codec_name": "h264", "width": 64, "height": 64}]},
        size=evil.stat().st_size,
    )  # fmt: skip
    attempts = [
        lambda: list_keyframes(evil),
        lambda: transcode_filter(evil, out / "t.mp4", "null"),
        lambda: split(evil, out / "segments", 2.0, fake.model_copy(update={"keyframes": (0.0,)})),
        lambda: thumbnail(evil, out / "thumb.jpg", probe=fake),
    ]
    for attempt in attempts:
        with pytest.raises(FfmpegError) as info:
            attempt()
        assert SECRET not in str(info.value)
        if isinstance(info.value, FfmpegFailedError):
            assert SECRET not in info.value.stderr
    assert SECRET not in all_outputs(out)


@pytest.mark.parametrize("kind", ["hls", "hls-relative", "ffconcat"])
def test_the_frame_pipes_refuse_playlists(tmp_path: Path, secret_file: Path, kind: str) -> None:
    """The decoding pipe (sam2-model) and the audio input of the encoding pipe read only
    allowed containers too."""
    evil = playlists(tmp_path, secret_file)[kind]
    with FfmpegPipe(decode_frames_command(evil), writes=False) as pipe:
        frames = pipe.stdout.read()
        assert pipe.wait() != 0
        stderr = pipe.failure("decoding").stderr
    assert frames == b""
    assert SECRET not in stderr
    dst = tmp_path / "out.mp4"
    argv = encode_frames_command(dst, width=64, height=64, fps=25, audio_from=evil)
    with FfmpegPipe(argv, writes=True) as pipe:
        pipe.stdin.write(bytes(64 * 64 * 3))
        pipe.close_stdin()
        assert pipe.wait(timeout=60) != 0
        stderr = pipe.failure("encoding").stderr
    assert SECRET not in stderr
    assert not dst.exists() or SECRET.encode() not in dst.read_bytes()


def test_a_real_video_still_passes_the_allow_list() -> None:
    assert probe(BIKES).video is not None
