"""Which objects are intermediate (tagged at upload, expired by each bucket's lifecycle rule)
and which records carry the tables' TTL attribute."""

import pytest

from vidpipe_types import (
    INTERMEDIATE_TAG_VALUE,
    RETENTION_TAG,
    SEGMENT_COMPLETIONS_TABLE,
    TABLES,
    TTL_ATTRIBUTE,
    JobArtifact,
    TableRole,
    build_frame_key,
    build_frame_scores_key,
    build_job_output_key,
    build_output_segment_key,
    build_segment_key,
    derive_job_id,
    is_intermediate_key,
    parse_frame_scores_key,
    retention_tags,
)

JOB = derive_job_id("vidpipe-input", "input/clip.mp4", "etag")

INTERMEDIATE = [
    build_segment_key(JOB, 0, 3, "passthrough"),
    build_segment_key(JOB, 2, 3, "sam2"),
    build_output_segment_key(JOB, 0),
    build_output_segment_key(JOB, 41),
    build_frame_scores_key(JOB, 4),
]
KEPT = [
    "input/clip.mp4",
    *(build_job_output_key(JOB, artifact) for artifact in JobArtifact),
    build_frame_key(JOB, 7),
]


@pytest.mark.parametrize("key", INTERMEDIATE)
def test_every_intermediate_key_builder_gives_a_tagged_key(key: str) -> None:
    assert is_intermediate_key(key)
    assert retention_tags(key) == {RETENTION_TAG: INTERMEDIATE_TAG_VALUE}


@pytest.mark.parametrize("key", KEPT)
def test_uploads_and_final_outputs_are_kept(key: str) -> None:
    assert not is_intermediate_key(key)
    assert retention_tags(key) == {}


@pytest.mark.parametrize("key", ["", "/segments/x", "segments/../input/x.mp4", "jobs/x/y"])
def test_odd_keys_are_not_intermediate(key: str) -> None:
    assert not is_intermediate_key(key)


def test_the_tag_is_a_valid_s3_tag() -> None:
    assert 0 < len(RETENTION_TAG) <= 128 and 0 < len(INTERMEDIATE_TAG_VALUE) <= 256
    assert not RETENTION_TAG.lower().startswith("aws:")


def test_frame_scores_keys_round_trip() -> None:
    assert parse_frame_scores_key(build_frame_scores_key(JOB, 12)) == (JOB, 12)
    assert parse_frame_scores_key(f"jobs/{JOB}/frames/segment_012.json") is None
    assert parse_frame_scores_key(build_frame_key(JOB, 1)) is None


def test_jobs_and_segment_completions_expire_on_the_same_attribute() -> None:
    with_ttl = {spec.role for spec in TABLES if spec.ttl_attribute == TTL_ATTRIBUTE}
    assert with_ttl == {TableRole.JOBS, TableRole.SEGMENT_COMPLETIONS}
    assert SEGMENT_COMPLETIONS_TABLE.ttl_attribute == "expires_at"
