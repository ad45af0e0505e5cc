"""Real accuracy on images that ship in wheels, with the backends whose weights ship too."""

from __future__ import annotations

import pytest
from conftest import astronaut, ultralytics_asset

from vidpipe_detection import Detector, Frame, PoseEstimator
from vidpipe_types import POSE_KEYPOINT_NAMES, DetectionResult

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_astronaut_has_one_face_and_the_pose_nose_is_inside_it(detector: Detector) -> None:
    image = astronaut()
    faces = detector.face_backend.detect(image)
    assert len(faces) == 1
    face = faces[0]
    # The face is in the upper middle of the 512 x 512 picture, about 100 px across.
    assert 150 < face.x < 220 and 40 < face.y < 110
    assert 70 < face.width < 140 and 70 < face.height < 140
    assert face.confidence >= 0.5

    poses = detector.pose_estimator.detect(image)
    assert len(poses) == 1
    pose = poses[0]
    assert tuple(pose.keypoints) == POSE_KEYPOINT_NAMES
    nose_x, nose_y = pose.keypoints_px["nose"]
    assert face.x <= nose_x <= face.x + face.width
    assert face.y <= nose_y <= face.y + face.height
    # Normalised and pixel coordinates describe the same point.
    x, y, visibility = pose.keypoints["nose"]
    assert (x * 512, y * 512) == pytest.approx((nose_x, nose_y), abs=0.1)
    assert visibility > 0.9


@pytest.mark.parametrize("name", ["bus.jpg", "zidane.jpg"])
def test_people_are_found_in_ultralytics_assets(detector: Detector, name: str) -> None:
    image = ultralytics_asset(name)
    result = detector.run_frames([Frame(index=0, timestamp_ms=0, image=image)])
    again = DetectionResult.model_validate_json(result.model_dump_json())
    assert again == result
    frame = result.frames[0]
    assert frame.faces or frame.poses
    height, width = image.shape[:2]
    assert (result.source_dimensions.width, result.source_dimensions.height) == (width, height)
    for face in frame.faces:
        assert face.bbox.x >= 0 and face.bbox.x + face.bbox.width <= width
    for pose in frame.poses:
        assert pose.bbox is not None and pose.bbox.height > 100


def test_the_bus_passenger_pose_is_a_standing_body(detector: Detector) -> None:
    (pose,) = detector.pose_estimator.detect(ultralytics_asset("bus.jpg"))
    # Head above shoulders above hips above ankles (pixel y grows downwards).
    y = {name: pose.keypoints_px[name][1] for name in ("nose", "left_shoulder", "left_hip")}
    assert y["nose"] < y["left_shoulder"] < y["left_hip"] < pose.keypoints_px["left_ankle"][1]


def test_the_pose_threshold_is_the_person_detectors_minimum_score() -> None:
    image = ultralytics_asset("zidane.jpg")
    lenient, strict = PoseEstimator(0.3), PoseEstimator(0.5)
    lenient.load()
    strict.load()
    (pose,) = lenient.detect(image)
    assert strict.detect(image) == []
    # Zidane stands on the right half of the 1280 px picture.
    assert pose.box.x > 640 and pose.box.height > 300


def test_zidane_faces_are_inside_the_picture_and_tracked(detector: Detector) -> None:
    image = ultralytics_asset("zidane.jpg")
    result = detector.run_frames([Frame(index=0, timestamp_ms=0, image=image)])
    faces = result.frames[0].faces
    assert len(faces) >= 1
    assert all(face.track_id is not None for face in faces)
    assert len({face.track_id for face in faces}) == len(faces)


def test_the_face_threshold_filters(detector: Detector) -> None:
    from vidpipe_detection import MediaPipeFaceBackend

    strict = MediaPipeFaceBackend(confidence_threshold=0.99)
    strict.load()
    assert strict.detect(astronaut()) == []
