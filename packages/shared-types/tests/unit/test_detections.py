from typing import Any

import pytest
from pydantic import ValidationError

from vidpipe_types import (
    POSE_KEYPOINT_NAMES,
    BoundingBox,
    DetectionResult,
    DetectionState,
    DetectionStatus,
    Job,
    JobOptions,
    utc_now,
)


def _keypoints() -> dict[str, list[float]]:
    return {name: [0.5, 0.25, 0.9] for name in POSE_KEYPOINT_NAMES}


def _document() -> dict[str, Any]:
    face = {"track_id": 1, "bbox": {"x": 10, "y": 20, "width": 30, "height": 40}, "confidence": 0.9}
    pose = {"track_id": 1, "keypoints": _keypoints(), "confidence": 0.8}
    return {
        "job_id": "job-1",
        "source_dimensions": {"width": 640, "height": 480},
        "frame_interval_ms": 2000,
        "frames": [
            {"index": 0, "timestamp_ms": 0, "faces": [face], "poses": [pose]},
            {"index": 50, "timestamp_ms": 2000, "faces": [face], "poses": []},
        ],
        "tracks": [
            {
                "track_id": 1,
                "track_type": "face",
                "first_frame": 0,
                "last_frame": 50,
                "frame_count": 2,
                "avg_bbox": {"x": 10, "y": 20, "width": 30, "height": 40},
                "avg_confidence": 0.9,
            },
            {
                "track_id": 1,
                "track_type": "pose",
                "first_frame": 0,
                "last_frame": 0,
                "frame_count": 1,
                "avg_bbox": {"x": 0, "y": 0, "width": 10, "height": 10},
                "avg_confidence": 0.8,
            },
        ],
        "summary": {
            "total_frames": 2,
            "faces_detected": 2,
            "poses_detected": 1,
            "unique_face_tracks": 1,
            "unique_pose_tracks": 1,
            "processing_time_ms": 12,
        },
    }


def test_a_consistent_document_round_trips_through_json() -> None:
    result = DetectionResult.model_validate(_document())
    again = DetectionResult.model_validate_json(result.model_dump_json())
    assert again == result
    # Keypoints are [x, y, visibility] lists in the JSON, as clients read them.
    assert result.model_dump(mode="json")["frames"][0]["poses"][0]["keypoints"]["nose"] == [
        0.5,
        0.25,
        0.9,
    ]


def test_face_and_pose_track_ids_are_separate_spaces() -> None:
    result = DetectionResult.model_validate(_document())
    assert {(t.track_type, t.track_id) for t in result.tracks} == {("face", 1), ("pose", 1)}


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("summary", "faces_detected"), 3, "summary counts"),
        (("summary", "total_frames"), 1, "summary counts"),
        (("frames", 1, "index"), 0, "strictly increase"),
        (("frames", 1, "faces", 0, "track_id"), 7, "tracks and detections disagree"),
        (("tracks", 0, "last_frame"), -1, "greater than or equal"),
        (("frames", 0, "faces", 0, "confidence"), 1.5, "less than or equal"),
        (("frames", 0, "faces", 0, "bbox", "width"), -1, "greater than or equal"),
    ],
)
def test_inconsistent_documents_are_rejected(
    path: tuple[str | int, ...], value: object, message: str
) -> None:
    document = _document()
    node: Any = document
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    with pytest.raises(ValidationError, match=message):
        DetectionResult.model_validate(document)


def test_unknown_keypoint_names_are_rejected() -> None:
    document = _document()
    document["frames"][0]["poses"][0]["keypoints"]["tail"] = [0.1, 0.1, 0.1]
    with pytest.raises(ValidationError, match="unknown keypoint names"):
        DetectionResult.model_validate(document)


def test_unknown_fields_are_rejected() -> None:
    document = _document()
    document["summary"]["extra"] = 1
    with pytest.raises(ValidationError, match="extra"):
        DetectionResult.model_validate(document)


def test_pose_keypoint_names_are_mediapipes_33_landmarks() -> None:
    assert len(POSE_KEYPOINT_NAMES) == len(set(POSE_KEYPOINT_NAMES)) == 33
    assert POSE_KEYPOINT_NAMES[0] == "nose"
    assert POSE_KEYPOINT_NAMES[-1] == "right_foot_index"


def test_bounding_box_contains_its_edges_only() -> None:
    box = BoundingBox(x=10, y=20, width=30, height=40)
    assert box.center == (25, 40)
    assert box.contains(10, 20) and box.contains(40, 60)
    assert not box.contains(9.9, 30) and not box.contains(20, 60.1)


def test_job_detection_status_defaults_to_none_and_round_trips() -> None:
    job = Job.new("job-1", "bucket", "input/a.mp4", JobOptions(detect=True), utc_now())
    assert job.detection is None
    status = DetectionStatus(
        state=DetectionState.RUNNING, frames_processed=3, frames_total=10, progress_percent=30.0
    )
    updated = job.model_copy(update={"detection": status})
    again = Job.model_validate(updated.model_dump(mode="json"))
    assert again.detection == status
