"""MediaHandler with its default tools (real ffmpeg) over the in-memory stores, on real
segments of bikes.mp4: what the unit tests' fake tools stand in for."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from media_world import OUTPUT_BUCKET, World, message

from vidpipe_aws.runner.outcomes import BadInput
from vidpipe_testkit import image_size, measure
from vidpipe_types import JobStatus, build_job_output_key

pytestmark = pytest.mark.integration

JOB = "job-1"


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path / "work", real_ffmpeg=True)


def test_real_segments_join_into_every_frame_with_a_thumbnail_and_metadata(
    world: World, bikes_segments: list[Path], tmp_path: Path
) -> None:
    world.ready_job(JOB, bikes_segments)

    world.handler("worker-a")(message(JOB, len(bikes_segments)))

    assert world.job(JOB).status is JobStatus.COMPLETED
    final, thumb = tmp_path / "final.mp4", tmp_path / "thumbnail.jpg"
    world.storage.download_file(OUTPUT_BUCKET, build_job_output_key(JOB, "final.mp4"), final)
    world.storage.download_file(OUTPUT_BUCKET, build_job_output_key(JOB, "thumbnail.jpg"), thumb)
    facts = measure(final)
    assert facts.frames == 250
    metadata = json.loads(
        world.storage.get_bytes(OUTPUT_BUCKET, build_job_output_key(JOB, "metadata.json"))
    )
    assert metadata["size_bytes"] == final.stat().st_size == facts.size
    assert metadata["duration"] == pytest.approx(10.0, abs=0.04)
    assert (metadata["width"], metadata["height"], metadata["codec"]) == (640, 272, "h264")
    assert thumb.read_bytes()[:2] == b"\xff\xd8"
    assert image_size(thumb)[0] == 320
    assert list(world.work_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        # Its index (moov, at the front) intact, its frames cut short: ffmpeg's concat ends
        # the output there and exits 0, so only the frame count shows it.
        (lambda data: data[:4000], "output segment 2: truncated or corrupt"),
        (lambda data: b"\0" * 4000, "output segment 2: not a playable video"),
    ],
    ids=["truncated", "garbage"],
)
def test_a_really_corrupt_segment_is_bad_input_naming_it(
    world: World,
    bikes_segments: list[Path],
    tmp_path: Path,
    damage: Callable[[bytes], bytes],
    reason: str,
) -> None:
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(damage(bikes_segments[2].read_bytes()))
    segments = [*bikes_segments[:2], corrupt, *bikes_segments[3:]]
    world.ready_job(JOB, segments)

    with pytest.raises(BadInput) as raised:
        world.handler("worker-a")(message(JOB, len(segments)))

    assert raised.value.reason.startswith(reason)
    assert world.notifier.sent == []
