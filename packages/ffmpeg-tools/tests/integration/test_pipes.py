"""Raw frames through `FfmpegPipe`, with the argv of `decode_frames_command` and
`encode_frames_command`, on real video (the pipes behind sam2-model and the detection preview)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.integration.conftest import BIKES, BUNNY, ffmpeg, ffprobe_json
from vidpipe_ffmpeg import (
    FfmpegFailedError,
    FfmpegPipe,
    FfmpegTimeoutError,
    decode_frames_command,
    encode_frames_command,
    probe,
)

pytestmark = pytest.mark.integration


def read_frames(src: Path, width: int, height: int, limit: int | None = None) -> list[np.ndarray]:
    frames = []
    with FfmpegPipe(decode_frames_command(src), writes=False) as pipe:
        size = width * height * 3
        while limit is None or len(frames) < limit:
            data = pipe.stdout.read(size)
            if len(data) < size:
                assert not data, "a partial frame"
                assert pipe.wait() == 0
                break
            frames.append(np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3))
    return frames


def streams(path: Path) -> list[dict[str, object]]:
    found: list[dict[str, object]] = json.loads(
        ffprobe_json(path, "-count_frames", "-show_streams")
    )["streams"]
    return found


def test_every_frame_is_decoded_in_order() -> None:
    frames = read_frames(BIKES, 640, 272)
    expected = probe(BIKES, with_keyframes=False).video
    assert expected is not None
    assert len(frames) == expected.frame_count == 250
    # A real picture, and a moving one: consecutive frames differ, the first and last a lot.
    assert 30 < float(frames[0].mean()) < 220
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() > 5


def test_odd_sizes_are_decoded_even(tmp_path: Path) -> None:
    odd = tmp_path / "odd.mp4"
    # 4:4:4 lets x264 keep an odd size, as some phone exports do.
    ffmpeg("-i", str(BIKES), "-t", "1", "-vf", "crop=639:271", "-pix_fmt", "yuv444p", str(odd))
    frames = read_frames(odd, 638, 270)
    assert len(frames) == 25 and frames[0].shape == (270, 638, 3)


def test_encoded_frames_make_an_h264_mp4_with_the_sources_audio(tmp_path: Path) -> None:
    dst = tmp_path / "out.mp4"
    gradient = np.tile(np.linspace(0, 255, 64, dtype=np.uint8)[None, :, None], (32, 1, 3))
    argv = encode_frames_command(
        dst, width=64, height=32, fps=25, audio_from=BUNNY, audio_codec="aac"
    )
    with FfmpegPipe(argv, writes=True) as pipe:
        for shift in range(30):
            pipe.stdin.write(np.roll(gradient, shift, axis=1).tobytes())
        pipe.close_stdin()
        assert pipe.wait(timeout=60) == 0
    video, audio = streams(dst)
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 64, 32)
    assert (video["pix_fmt"], video["nb_read_frames"]) == ("yuv420p", "30")
    assert (audio["codec_name"], audio["channels"]) == ("aac", 6)  # copied, not re-encoded
    assert dst.read_bytes()[4:8] == b"ftyp" and dst.read_bytes().find(b"moov") < 100  # faststart
    # What went in comes out: the decoded first frame is the gradient, to within x264's loss.
    [first] = read_frames(dst, 64, 32, limit=1)
    assert np.abs(first.astype(int) - gradient.astype(int)).mean() < 6


def test_a_failed_decode_names_the_step_and_keeps_stderr(tmp_path: Path) -> None:
    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video\n")
    with FfmpegPipe(decode_frames_command(notes), writes=False) as pipe:
        assert pipe.stdout.read() == b""
        assert pipe.wait() != 0
        error = pipe.failure("decoding")
    assert isinstance(error, FfmpegFailedError)
    assert str(error).startswith("ffmpeg decoding failed (exit ")
    assert notes.name in error.stderr or "Invalid data" in error.stderr


def test_wait_bounds_a_stalled_pipe_and_kills_it() -> None:
    # Nobody reads stdout: ffmpeg blocks on the full pipe and never exits by itself.
    with FfmpegPipe(decode_frames_command(BUNNY), writes=False) as pipe:
        with pytest.raises(FfmpegTimeoutError, match="did not finish within 1 s"):
            pipe.wait(timeout=1)
        assert pipe.proc.poll() is not None  # killed, not left behind
