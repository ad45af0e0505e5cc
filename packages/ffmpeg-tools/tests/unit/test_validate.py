import pytest

from vidpipe_ffmpeg import InvalidMediaError, ProbeResult, VideoStream, validate
from vidpipe_ffmpeg.validate import human_duration, human_size, validation_problems


def make_probe(duration: float = 10.0, size: int = 1000, width: int = 640, height: int = 272):
    video = VideoStream(codec="h264", width=width, height=height, fps=25.0, pix_fmt="yuv420p")
    return ProbeResult(
        duration=duration, size=size, format_name="mov,mp4", bit_rate=None, video=video, audio=None
    )


def test_duration_over_the_limit_names_the_setting() -> None:
    with pytest.raises(InvalidMediaError) as info:
        validate(make_probe(duration=10_800), max_duration_seconds=7200)
    assert info.value.reason == "duration 3h 0m exceeds MAX_DURATION_SECONDS=7200"


def test_every_problem_is_reported() -> None:
    problems = validation_problems(
        make_probe(size=6 * 1024**3, width=7680, height=4320),
        max_size_bytes=5 * 1024**3,
        max_width=3840,
        max_height=2160,
    )
    assert problems == [
        "size 6.0 GiB exceeds MAX_SIZE_BYTES=5368709120",
        "width 7680 px exceeds MAX_WIDTH=3840",
        "height 4320 px exceeds MAX_HEIGHT=2160",
    ]


def test_within_limits_passes() -> None:
    validate(make_probe(), 7200, 10_000, 1920, 1080)
    assert validation_problems(make_probe()) == []


@pytest.mark.parametrize(
    ("seconds", "text"), [(10_800, "3h 0m"), (7261, "2h 1m"), (95, "1m 35s"), (4.25, "4.2 s")]
)
def test_human_duration(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


def test_human_size() -> None:
    assert human_size(512) == "512 bytes"
    assert human_size(3 * 1024**2) == "3.0 MiB"
