"""The sample videos, measured with ffprobe: the facts other packages' tests build on."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidpipe_testkit import image_size, measure, sample_video

pytestmark = pytest.mark.integration


def test_bikes_is_ten_seconds_of_video_without_audio(bikes_path: Path) -> None:
    facts = measure(bikes_path)

    assert facts.frames == 250
    assert facts.duration == pytest.approx(10.0, abs=0.05)
    assert (facts.video.codec, facts.video.width, facts.video.height) == ("h264", 640, 272)
    assert facts.video.fps == pytest.approx(25.0)
    assert facts.frame_seconds == pytest.approx(0.04)
    assert not facts.has_audio and facts.audio is None
    assert facts.size == bikes_path.stat().st_size
    assert facts.bit_rate is not None and facts.bit_rate > 0
    assert image_size(bikes_path) == (640, 272)


def test_bunny_has_aac_audio(bunny_path: Path) -> None:
    facts = measure(bunny_path)

    assert facts.has_audio and facts.audio is not None
    assert facts.audio.codec == "aac"
    assert (facts.video.width, facts.video.height) == (1280, 720)
    assert facts.duration == pytest.approx(5.3, abs=0.1)


def test_an_unknown_sample_is_a_clear_error() -> None:
    assert sample_video("carphone_pristine.mp4").is_file()
    with pytest.raises(FileNotFoundError, match="no 'nope.mp4'"):
        sample_video("nope.mp4")
