from pathlib import Path

import pytest

from tests.integration.conftest import BIKES, BUNNY, CARPHONE, ffmpeg
from vidpipe_ffmpeg import InvalidMediaError, list_keyframes, probe, validate

pytestmark = pytest.mark.integration


def test_probe_bikes() -> None:
    result = probe(BIKES)
    assert result.format_name == "mov,mp4,m4a,3gp,3g2,mj2"
    assert result.duration == pytest.approx(10.0)
    assert result.size == BIKES.stat().st_size
    assert result.video is not None
    assert (result.video.codec, result.video.width, result.video.height) == ("h264", 640, 272)
    assert result.video.fps == pytest.approx(25.0)
    assert result.video.frame_count == 250
    assert result.audio is None
    assert result.keyframes == (0.0, 1.2, 3.04, 5.48, 7.48, 9.68)


def test_probe_bigbuckbunny_has_audio_and_one_keyframe() -> None:
    result = probe(BUNNY)
    assert result.audio is not None and result.audio.codec == "aac"
    assert result.keyframes == (0.0,)
    assert list_keyframes(BUNNY) == [0.0]


def test_probe_without_keyframes() -> None:
    result = probe(CARPHONE, with_keyframes=False)
    assert result.keyframes == ()
    assert result.video is not None and result.video.fps == pytest.approx(29.97, abs=0.01)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("zero", "empty file (0 bytes)"),
        ("text", "not a video file ffmpeg can read (Invalid data found when processing input)"),
        ("truncated", "truncated file: moov atom not found"),
        ("audio", "no video stream (audio only)"),
        ("still-png", "a still image, not a video"),
        ("still-jpg", "a still image, not a video"),
    ],
)
def test_bad_inputs_fail_with_a_reason(bad_inputs: dict[str, Path], name: str, reason: str) -> None:
    with pytest.raises(InvalidMediaError) as info:
        probe(bad_inputs[name])
    assert info.value.reason == reason


def test_rotation_and_other_containers(tmp_path: Path) -> None:
    rotated = tmp_path / "phone.mov"
    ffmpeg("-i", str(CARPHONE), "-c", "copy", "-metadata:s:v", "rotate=90", str(rotated))
    mkv = tmp_path / "clip.mkv"
    ffmpeg("-i", str(CARPHONE), "-c", "copy", str(mkv))
    rotated_probe = probe(rotated)
    assert rotated_probe.video is not None and rotated_probe.video.rotation == 90
    assert probe(mkv).format_name == "matroska,webm"


def test_validate_against_limits_of_a_real_probe() -> None:
    with pytest.raises(InvalidMediaError, match="duration 10.0 s exceeds MAX_DURATION_SECONDS=5"):
        validate(probe(BIKES), max_duration_seconds=5)
    validate(probe(BIKES), max_duration_seconds=7200, max_width=1920, max_height=1080)
