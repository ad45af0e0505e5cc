"""metadata.json's job part: stage timings and the document's fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vidpipe_media import build_metadata, stage_timings
from vidpipe_types import Job, JobOptions, JobStatus, Mode, SourceMedia

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_each_stage_lasts_until_the_next_and_the_last_until_completion() -> None:
    stamps = {"created": at(0), "chunking": at(2), "processing": at(7.5), "reassembling": at(20)}
    assert stage_timings(stamps, at(23.25)) == {
        "created": 2.0,
        "chunking": 5.5,
        "processing": 12.5,
        "reassembling": 3.25,
        "total": 23.25,
    }


def test_a_skipped_stage_is_left_out_and_order_comes_from_the_pipeline() -> None:
    stamps = {"reassembling": at(10), "created": at(0), "processing": at(1)}
    assert stage_timings(stamps, at(12)) == {
        "created": 1.0,
        "processing": 9.0,
        "reassembling": 2.0,
        "total": 12.0,
    }


def test_clock_skew_between_workers_never_gives_a_negative_time() -> None:
    stamps = {"created": at(0), "processing": at(5), "reassembling": at(4.9)}
    assert stage_timings(stamps, at(6))["processing"] == 0.0


def test_no_stamps_no_timings() -> None:
    assert stage_timings({}, at(1)) == {}


def test_the_document_adds_the_job_to_the_media_facts() -> None:
    job = Job.new("j1", "in", "input/cat.mov", JobOptions(mode=Mode.GRAYSCALE), at(0)).model_copy(
        update={"status": JobStatus.REASSEMBLING, "stage_timestamps": {"created": at(0)}}
    )
    media = {"duration": 10.0, "width": 640, "sha256": "ab"}

    document = build_metadata(job, media, segment_count=4, completed_at=at(30))

    assert document == {
        "duration": 10.0,
        "width": 640,
        "sha256": "ab",
        "job_id": "j1",
        "source_bucket": "in",
        "source_key": "input/cat.mov",
        "segment_count": 4,
        "mode": "grayscale",
        "created_at": "2026-03-01T12:00:00.000000Z",
        "completed_at": "2026-03-01T12:00:30.000000Z",
        "timings_seconds": {"created": 30.0, "total": 30.0},
    }


def test_the_document_holds_the_uploads_checksum_and_geometry_beside_the_finals() -> None:
    source = SourceMedia(
        sha256="c" * 64, size_bytes=1000, duration=3.0, codec="hevc", pix_fmt="yuv420p10le",
        bit_depth=10, stored_width=640, stored_height=360, display_width=360,
        display_height=640, rotation=90,
    )  # fmt: skip
    job = Job.new("j1", "in", "input/cat.mov", JobOptions(), at(0)).model_copy(
        update={"status": JobStatus.REASSEMBLING, "source_media": source}
    )

    document = build_metadata(job, {"sha256": "ab"}, segment_count=1, completed_at=at(1))

    assert (document["sha256"], document["source_sha256"]) == ("ab", "c" * 64)
    assert document["source"]["display_width"] == 360
    assert document["source"]["rotation"] == 90
