"""The job's primary image: chosen from the segments' frame scores at reassembly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from media_world import OUTPUT_BUCKET, World, message

from vidpipe_aws.fakes import InMemoryObjectStorage
from vidpipe_media import PRIMARY_IMAGE_OUTPUT, PrimaryImage, find_primary_image
from vidpipe_types import (
    JobOptions,
    JobStatus,
    Mode,
    build_frame_key,
    build_frame_scores_key,
    build_job_output_key,
)

JOB = "job-7"


def crop(frame: int, segment: int, score: float, job_id: str = JOB) -> dict[str, Any]:
    """One entry of a scores file, shaped as the `sam2` model writes it."""
    return {
        "frame": frame,
        "key": build_frame_key(job_id, frame),
        "segment_index": segment,
        "segment_frame": frame * 5,
        "time_seconds": frame * 0.2,
        "mask_area": score,
        "centrality": 1.0,
        "score": score,
    }


def put_scores(storage: InMemoryObjectStorage, segment: int, frames: list[dict[str, Any]]) -> None:
    document = {"job_id": JOB, "segment_index": segment, "total_segments": 2, "frames": frames}
    storage.put_bytes(
        OUTPUT_BUCKET,
        build_frame_scores_key(JOB, segment),
        json.dumps(document).encode(),
        content_type="application/json",
    )


def put_crops(storage: InMemoryObjectStorage, frames: range) -> None:
    for frame in frames:
        storage.put_bytes(
            OUTPUT_BUCKET, build_frame_key(JOB, frame), b"\x89PNG", content_type="image/png"
        )


def test_the_best_crop_over_all_segments_wins() -> None:
    storage = InMemoryObjectStorage()
    put_crops(storage, range(4))
    put_scores(storage, 0, [crop(0, 0, 0.10), crop(1, 0, 0.20)])
    put_scores(storage, 1, [crop(2, 1, 0.35), crop(3, 1, 0.05)])

    chosen = find_primary_image(storage, OUTPUT_BUCKET, JOB, 2)

    assert chosen == PrimaryImage(build_frame_key(JOB, 2), 2, 0.35, 1)


def test_ties_go_to_the_lowest_frame_and_a_zero_score_still_counts() -> None:
    storage = InMemoryObjectStorage()
    put_scores(storage, 1, [crop(3, 1, 0.0), crop(2, 1, 0.0)])
    put_scores(storage, 0, [crop(1, 0, 0.0)])

    chosen = find_primary_image(storage, OUTPUT_BUCKET, JOB, 2)

    assert chosen is not None and chosen.key == build_frame_key(JOB, 1)


def test_no_score_files_no_primary_image() -> None:
    storage = InMemoryObjectStorage()
    put_crops(storage, range(2))  # crops alone do not name an image: their scores do

    assert find_primary_image(storage, OUTPUT_BUCKET, JOB, 2) is None


def test_score_files_of_segments_outside_the_job_are_ignored() -> None:
    storage = InMemoryObjectStorage()
    put_scores(storage, 0, [crop(0, 0, 0.1)])
    put_scores(storage, 5, [crop(9, 5, 0.9)])  # left over from a job split differently

    chosen = find_primary_image(storage, OUTPUT_BUCKET, JOB, 2)

    assert chosen is not None and chosen.frame == 0


def test_malformed_files_and_foreign_keys_are_left_out(caplog: pytest.LogCaptureFixture) -> None:
    storage = InMemoryObjectStorage()
    storage.put_bytes(
        OUTPUT_BUCKET, build_frame_scores_key(JOB, 0), b"{not json", content_type="text/plain"
    )
    put_scores(
        storage,
        1,
        [
            crop(4, 1, 0.9, job_id="another-job"),
            {**crop(5, 1, 0.8), "key": build_frame_key(JOB, 6)},
            crop(7, 1, 0.1),
        ],
    )

    chosen = find_primary_image(storage, OUTPUT_BUCKET, JOB, 2)

    assert chosen is not None and chosen.frame == 7
    messages = [record.getMessage() for record in caplog.records]
    assert any("malformed" in text for text in messages)
    assert sum("not a crop of this job" in text for text in messages) == 2


def test_reassembly_names_the_primary_image_in_metadata_and_on_the_job(
    tmp_path: Path, segments: list[Path]
) -> None:
    world = World(tmp_path / "work")
    world.ready_job(JOB, segments, options=JobOptions(mode=Mode.SAM2))
    put_crops(world.storage, range(4))
    put_scores(world.storage, 0, [crop(0, 0, 0.12), crop(1, 0, 0.02)])
    put_scores(world.storage, 2, [crop(2, 2, 0.41), crop(3, 2, 0.40)])

    world.handler("worker-a")(message(JOB, len(segments)))

    job = world.job(JOB)
    best = build_frame_key(JOB, 2)
    assert job.status is JobStatus.COMPLETED
    assert job.outputs[PRIMARY_IMAGE_OUTPUT] == best
    metadata_key = build_job_output_key(JOB, "metadata.json")
    metadata = json.loads(world.storage.get_bytes(OUTPUT_BUCKET, metadata_key))
    assert metadata["primary_image"] == best
    assert world.notifier.sent[0]["result"]["outputs"][PRIMARY_IMAGE_OUTPUT] == best


def test_reassembly_without_scores_names_no_primary_image(
    tmp_path: Path, segments: list[Path]
) -> None:
    world = World(tmp_path / "work")
    world.ready_job(JOB, segments)

    world.handler("worker-a")(message(JOB, len(segments)))

    job = world.job(JOB)
    assert job.status is JobStatus.COMPLETED and PRIMARY_IMAGE_OUTPUT not in job.outputs
    metadata_key = build_job_output_key(JOB, "metadata.json")
    metadata = json.loads(world.storage.get_bytes(OUTPUT_BUCKET, metadata_key))
    assert "primary_image" not in metadata
