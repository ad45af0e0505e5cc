"""Issue 14's cases, each named: VFR, AAC drift, a corrupt upload, rotation, 10-bit sources.

Real ffmpeg over the workers' seams, checked with the test kit's frame-exact checker.
"""

from __future__ import annotations

import random
import subprocess
from typing import TYPE_CHECKING

import pytest

from vidpipe_chunking.splitter import FfmpegSplitter
from vidpipe_ffmpeg import (
    DEFAULT_LIMITS,
    InvalidMediaError,
    media_metadata,
    probe,
    split,
    thumbnail,
)
from vidpipe_testkit import image_size
from vidpipe_testkit.frames import assert_frame_exact, frame_facts

from .test_corpus_frames import run_pipeline

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.integration]


def test_vfr_with_aac_keeps_every_frame_time_across_cuts(
    media_corpus: dict[str, Path], tmp_path: Path
) -> None:
    # Was: 3.88 s came back 3.72 s, every frame after the 2 s cut 0.16 s early.
    source = media_corpus["vfr_aac"]
    final, segments = run_pipeline(source, tmp_path, 1.0, "passthrough")
    assert segments >= 3
    assert_frame_exact(source, final)


def test_h264_aac_source_does_not_drift(tmp_path: Path) -> None:
    # Was: 12.000 s came back 12.061 s (video 12.039, audio 12.055).
    source = tmp_path / "twelve.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=128x96:r=25:d=12",
         "-f", "lavfi", "-i", "sine=f=440:r=44100:d=12", "-c:v", "libx264", "-preset",
         "ultrafast", "-g", "25", "-bf", "2", "-c:a", "aac", str(source)],
        check=True,
    )  # fmt: skip
    final, segments = run_pipeline(source, tmp_path / "work", 2.0, "grayscale")
    assert segments == 6
    assert_frame_exact(source, final, encoding="h264-8bit")
    src, out = frame_facts(source), frame_facts(final)
    assert out.video_pts[-1] == pytest.approx(src.video_pts[-1], abs=src.tick)
    assert out.audio[0].samples == src.audio[0].samples


def test_corrupt_upload_fails_at_chunking_with_where_and_what_to_do(
    media_corpus: dict[str, Path], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.mp4"
    data = bytearray(media_corpus["cfr"].read_bytes())
    start, end = data.find(b"mdat"), data.find(b"moov")
    assert 0 < start < end  # moov last: the index stays intact, the bitstream does not
    garbage = random.Random(1)
    for at in range(start + (end - start) * 45 // 100, start + (end - start) * 55 // 100):
        data[at] = garbage.randrange(256)
    broken.write_bytes(bytes(data))
    splitter = FfmpegSplitter(DEFAULT_LIMITS)
    probed = splitter.probe(broken)  # the container is fine: only decoding shows it
    with pytest.raises(InvalidMediaError) as caught:
        splitter.split(broken, tmp_path / "segments", 2.0, probed, strategy="auto")
    reason = caught.value.reason
    assert reason.startswith("the video stream cannot be decoded from 00:01.")
    assert "re-export the file and upload it again" in reason
    assert not list((tmp_path / "segments").glob("*.mp4"))  # failed before writing segments


def test_rotated_video_metadata_gives_display_geometry_and_an_upright_thumbnail(
    media_corpus: dict[str, Path], tmp_path: Path
) -> None:
    final, _ = run_pipeline(media_corpus["rotate_90"], tmp_path, 1.0, "grayscale")
    facts = media_metadata(final)
    assert (facts["stored_width"], facts["stored_height"], facts["rotation"]) == (160, 120, 90)
    assert (facts["width"], facts["height"]) == (120, 160)
    assert (facts["display_width"], facts["display_height"]) == (120, 160)
    jpeg = tmp_path / "thumb.jpg"
    thumbnail(final, jpeg, width=120)
    assert image_size(jpeg) == (120, 160)  # portrait, as the video is shown


@pytest.mark.parametrize(
    ("case", "codec", "pix_fmt"),
    [("hevc_10bit", "hevc", "yuv420p10le"), ("h264_10bit", "h264", "yuv420p10le")],
)
def test_a_reencoding_split_keeps_codec_family_and_ten_bits(
    media_corpus: dict[str, Path], tmp_path: Path, case: str, codec: str, pix_fmt: str
) -> None:
    source = media_corpus[case]
    result = split(source, tmp_path, 1.0)
    assert result.strategy == "reencode"  # one keyframe: cannot be cut by stream copy
    for segment in result.segments:
        video = probe(segment.path, with_keyframes=False).video
        assert video is not None
        assert (video.codec, video.pix_fmt, video.bits_per_sample) == (codec, pix_fmt, 10)
