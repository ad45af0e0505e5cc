from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ValidationError

from vidpipe_types import (
    ChunkingPayload,
    DetectionRequest,
    Mode,
    ReassemblyPayload,
    SegmentCompletion,
    VideoWorkerPayload,
)

COMPLETED_AT = datetime(2024, 5, 1, 12, tzinfo=UTC)

MESSAGES: list[BaseModel] = [
    ChunkingPayload(bucket="vidpipe-input", key="input/a b.mp4", size=10, etag="e", version_id="v"),
    VideoWorkerPayload(
        job_id="job-1",
        segment_index=0,
        total_segments=2,
        segment_s3_uri="s3://vidpipe-input/segments/job-1/00000_00002_grayscale.mp4",
        mode=Mode.GRAYSCALE,
    ),
    SegmentCompletion(
        job_id="job-1",
        segment_index=1,
        output_s3_uri="s3://vidpipe-output/jobs/job-1/segments/1.mp4",
        completed_at=COMPLETED_AT,
        total_segments=2,
    ),
    ReassemblyPayload(job_id="job-1", total_segments=2, reason="sweeper"),
    DetectionRequest(job_id="job-1", source_key="input/a.mp4"),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_messages_round_trip_through_json(message: BaseModel) -> None:
    assert type(message).model_validate_json(message.model_dump_json()) == message


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_messages_forbid_unknown_fields(message: BaseModel) -> None:
    with pytest.raises(ValidationError, match="extra"):
        type(message).model_validate({**message.model_dump(), "surprise": 1})


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_messages_are_frozen(message: BaseModel) -> None:
    field = next(iter(type(message).model_fields))
    with pytest.raises(ValidationError, match="frozen"):
        setattr(message, field, "x")


def test_detection_request_defaults() -> None:
    request = DetectionRequest(job_id="job-1", source_key="input/a.mp4")
    assert (request.frame_interval_seconds, request.detect_faces, request.detect_poses) == (
        2.0,
        True,
        True,
    )


def test_chunking_payload_defaults_what_events_may_omit() -> None:
    payload = ChunkingPayload(bucket="b", key="input/a.mp4")
    assert (payload.size, payload.etag, payload.version_id) == (0, "", None)


@pytest.mark.parametrize(
    "changes",
    [
        {"segment_index": 2},
        {"segment_index": -1},
        {"total_segments": 0},
        {"job_id": "../x"},
        {"mode": "blur"},
        {"segment_s3_uri": "segments/job-1/00000_00002_grayscale.mp4"},
    ],
)
def test_video_worker_payload_rejects(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        VideoWorkerPayload.model_validate({**MESSAGES[1].model_dump(), **changes})


def test_segment_completion_index_must_be_below_total() -> None:
    with pytest.raises(ValidationError, match="below total_segments"):
        SegmentCompletion.model_validate({**MESSAGES[2].model_dump(), "segment_index": 2})


def test_segment_completion_requires_an_aware_time_and_stores_utc() -> None:
    with pytest.raises(ValidationError):
        SegmentCompletion.model_validate(
            {**MESSAGES[2].model_dump(), "completed_at": datetime(2024, 5, 1, 12)}
        )
    local = datetime(2024, 5, 1, 14, tzinfo=timezone(timedelta(hours=2)))
    completion = SegmentCompletion.model_validate(
        {**MESSAGES[2].model_dump(), "completed_at": local}
    )
    assert completion.completed_at == COMPLETED_AT
    assert completion.completed_at.tzinfo is UTC
    assert completion.model_dump(mode="json")["completed_at"] == "2024-05-01T12:00:00.000000Z"


def test_reassembly_reason_is_one_of_three() -> None:
    with pytest.raises(ValidationError):
        ReassemblyPayload.model_validate({"job_id": "j", "total_segments": 1, "reason": "manual"})


def test_detection_interval_must_not_be_negative() -> None:
    with pytest.raises(ValidationError):
        DetectionRequest(job_id="j", source_key="input/a.mp4", frame_interval_seconds=-1)
    # 0 samples every frame (an operator's FRAME_INTERVAL_SECONDS=0, carried by parts).
    assert (
        DetectionRequest(
            job_id="j", source_key="k", frame_interval_seconds=0
        ).frame_interval_seconds
        == 0
    )
