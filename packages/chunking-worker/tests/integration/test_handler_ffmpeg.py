"""ChunkingHandler with its default Splitter (real ffmpeg) over the in-memory fakes: what the
unit tests' fake splitter stands in for."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidpipe_aws import BadInput
from vidpipe_ffmpeg import probe
from vidpipe_types import JobStatus, build_segment_key

from ..support import INPUT_BUCKET, make_world

pytestmark = pytest.mark.integration

KEY = "input/tiny clip.mp4"


@pytest.mark.parametrize("strategy", ["auto", "reencode"])
def test_a_real_video_is_split_into_aligned_playable_segments(
    tmp_path: Path, tiny_video: Path, strategy: str
) -> None:
    world = make_world(tmp_path, real_ffmpeg=True, SPLIT_STRATEGY=strategy)

    world.handler(world.upload(KEY, tiny_video, {"job-id": "job-1"}))

    job = world.jobs.get("job-1")
    assert job is not None and job.status is JobStatus.PROCESSING
    assert job.total_segments == 3
    keys = world.segment_keys("job-1")
    assert keys == [build_segment_key("job-1", i, 3, "passthrough") for i in range(3)]
    segment = tmp_path / "segment.mp4"
    world.storage.download_file(INPUT_BUCKET, keys[1], segment)
    probed = probe(segment)
    # Segments keep the source's timestamps: segment 1 starts where it was cut, 1 s in, and
    # lasts about a segment (its audio may start a packet or so before the cut).
    assert probed.audio is not None
    assert probed.keyframes[0] == pytest.approx(1.0, abs=0.05)
    assert 0.5 <= probed.duration - probed.keyframes[0] <= 1.5
    assert list(world.work_dir.iterdir()) == []  # the temporary files are gone


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file (0 bytes)"),
        (b"hello, this is not a video\n" * 40, "not a video file ffmpeg can read"),
    ],
    ids=["zero-bytes", "text"],
)
def test_ffmpegs_reason_for_a_file_that_is_not_a_video_reaches_the_job(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    world = make_world(tmp_path, real_ffmpeg=True)
    path = tmp_path / "upload.mp4"
    path.write_bytes(content)

    with pytest.raises(BadInput) as caught:
        world.handler(world.upload(KEY, path, {"job-id": "job-text"}))

    assert (caught.value.job_id, caught.value.stage) == ("job-text", "chunking")
    assert caught.value.reason.startswith(reason)
    assert world.segment_keys("job-text") == []
    assert list(world.work_dir.iterdir()) == []


def test_the_probed_duration_is_checked_against_the_setting(
    tmp_path: Path, tiny_video: Path
) -> None:
    world = make_world(tmp_path, real_ffmpeg=True, MAX_DURATION_SECONDS=2)

    with pytest.raises(BadInput) as caught:
        world.handler(world.upload(KEY, tiny_video, {"job-id": "job-long"}))

    assert caught.value.reason == "duration 3.0 s exceeds MAX_DURATION_SECONDS=2"
