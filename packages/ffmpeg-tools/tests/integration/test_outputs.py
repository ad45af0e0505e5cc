"""Thumbnail, metadata, transcode and the limits on real runs."""

import hashlib
import json
from pathlib import Path

import pytest

from tests.integration.conftest import BIKES, BUNNY, ffmpeg, ffprobe_json, gray_pixels
from vidpipe_ffmpeg import (
    FfmpegFailedError,
    FfmpegTimeoutError,
    ResourceLimits,
    media_metadata,
    probe,
    thumbnail,
    transcode_filter,
)

pytestmark = pytest.mark.integration


def size_of(image: Path) -> tuple[int, int]:
    stream = json.loads(ffprobe_json(image, "-show_entries", "stream=width,height"))["streams"][0]
    return stream["width"], stream["height"]


@pytest.mark.parametrize(("source", "height"), [(BIKES, 136), (BUNNY, 180)])
def test_thumbnail_is_320_wide_keeps_aspect_and_is_not_black(
    tmp_path: Path, source: Path, height: int
) -> None:
    dst = tmp_path / "thumbnail.jpg"
    luma = thumbnail(source, dst)
    assert dst.read_bytes()[:2] == b"\xff\xd8"  # JPEG
    assert size_of(dst) == (320, height)
    measured = gray_pixels(dst).mean()
    assert measured > 40
    assert luma == pytest.approx(measured, abs=3)


def test_thumbnail_skips_a_black_opening(tmp_path: Path) -> None:
    # 3 s of black, then bikes: 10% in (0.6 s) is black, the next try (30%) is not.
    faded = tmp_path / "fade-in.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=black:s=640x272:r=25:d=3", "-i", str(BIKES),
           "-filter_complex", "[0:v][1:v]concat=n=2:v=1[v]", "-map", "[v]", "-t", "6",
           "-c:v", "libx264", "-preset", "ultrafast", str(faded))  # fmt: skip
    ffmpeg(
        "-ss", "0.6", "-i", str(faded), "-frames:v", "1", "-update", "1", str(tmp_path / "b.png")
    )
    assert gray_pixels(tmp_path / "b.png").mean() < 5  # the naive pick really is black
    dst = tmp_path / "thumbnail.jpg"
    thumbnail(faded, dst)
    assert gray_pixels(dst).mean() > 40


def test_media_metadata(tmp_path: Path) -> None:
    meta = media_metadata(BUNNY)
    assert meta == {
        "duration": 5.312,
        "width": 1280,
        "height": 720,
        "stored_width": 1280,
        "stored_height": 720,
        "display_width": 1280,
        "display_height": 720,
        "rotation": 0,
        "codec": "h264",
        "pix_fmt": "yuv420p",
        "bit_depth": 8,
        "bitrate": probe(BUNNY).bit_rate,
        "frame_rate": 25.0,
        "audio_codec": "aac",
        "size_bytes": BUNNY.stat().st_size,
        "sha256": hashlib.sha256(BUNNY.read_bytes()).hexdigest(),
    }
    json.dumps(meta)


def test_transcode_filter_reencodes_with_faststart(tmp_path: Path) -> None:
    dst = tmp_path / "gray.mp4"
    transcode_filter(BUNNY, dst, "hue=s=0")
    result = probe(dst)
    assert result.video is not None and result.video.codec == "h264"
    assert result.video.frame_count == 132
    assert result.audio is not None and result.audio.codec == "aac"
    data = dst.read_bytes()
    assert 0 < data.find(b"moov") < data.find(b"mdat")  # +faststart: index first


def test_timeout_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FfmpegTimeoutError):
        transcode_filter(BUNNY, tmp_path / "x.mp4", "null", ResourceLimits(timeout_seconds=0.05))


def test_output_size_limit_stops_ffmpeg(tmp_path: Path) -> None:
    with pytest.raises(FfmpegFailedError, match="output size limit of 100000 bytes"):
        transcode_filter(
            BUNNY, tmp_path / "x.mp4", "null", ResourceLimits(max_output_bytes=100_000)
        )
