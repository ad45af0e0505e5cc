import numpy as np

from vidpipe_detection import Box, Frame, Pose
from vidpipe_detection.results import ResultBuilder
from vidpipe_types import POSE_KEYPOINT_NAMES, DetectionResult


def _frame(index: int) -> Frame:
    return Frame(index=index, timestamp_ms=index * 40, image=np.zeros((4, 4, 3), np.uint8))


def _pose(confidence: float) -> Pose:
    keypoints = {name: (0.5, 0.5, confidence) for name in POSE_KEYPOINT_NAMES}
    pixels = {name: (50.0, 40.0) for name in POSE_KEYPOINT_NAMES}
    return Pose(keypoints=keypoints, keypoints_px=pixels, box=Box(40, 30, 20, 20, confidence))


def test_tracks_are_summarised_per_kind_and_the_result_validates() -> None:
    builder = ResultBuilder(width=100, height=80, interval_seconds=0.04)
    builder.add_frame(_frame(0), [(Box(10, 10, 20, 20, 0.8), 1)], [(_pose(0.6), 1)])
    builder.add_frame(_frame(1), [(Box(12, 10, 20, 20, 0.6), 1), (Box(60, 5, 9, 9, 0.9), 2)], [])
    builder.add_frame(_frame(2), [(Box(70, 5, 9, 9, 0.5), None)], [])
    result = builder.build(job_id="job-1", processing_time_ms=5)

    assert DetectionResult.model_validate_json(result.model_dump_json()) == result
    assert result.frame_interval_ms == 40
    face_1 = next(t for t in result.tracks if (t.track_type, t.track_id) == ("face", 1))
    assert (face_1.first_frame, face_1.last_frame, face_1.frame_count) == (0, 1, 2)
    assert face_1.avg_bbox.x == 11.0 and face_1.avg_confidence == 0.7
    assert [(t.track_type, t.track_id) for t in result.tracks] == [
        ("face", 1),
        ("face", 2),
        ("pose", 1),
    ]
    summary = result.summary
    assert (summary.total_frames, summary.faces_detected, summary.poses_detected) == (3, 4, 1)
    assert (summary.unique_face_tracks, summary.unique_pose_tracks) == (2, 1)
    # An untracked detection is kept, without an id.
    assert result.frames[2].faces[0].track_id is None
