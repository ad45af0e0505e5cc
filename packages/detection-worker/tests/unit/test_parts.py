"""Segment-parallel detection without models: how a video is split, how sampling stays aligned
to absolute times, how parts are stitched, and how re-identification decides."""

from __future__ import annotations

import numpy as np
import pytest

from vidpipe_detection import Box, PartResult, ReidTracker, Tracker, Tracklet, plan_parts, stitch
from vidpipe_detection.frames import sample_bucket
from vidpipe_detection.tracking import AppearanceEmbedder
from vidpipe_types import (
    BoundingBox,
    DetectionResult,
    DetectionSummary,
    FaceDetection,
    FrameDetections,
    SourceDimensions,
    TrackSummary,
)


def test_a_short_video_is_one_part() -> None:
    assert plan_parts(40.0, 2.0, 30.0) == [(0, 10**12)]
    assert plan_parts(400.0, 2.0, 0) == [(0, 10**12)]


def test_parts_start_at_multiples_of_the_interval() -> None:
    parts = plan_parts(120.0, 0.7, 30.0)
    assert len(parts) == 4
    assert all(start % 700 == 0 for start, _ in parts)
    # Contiguous, and the last runs to the end whatever the duration's rounding.
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:], strict=False))
    assert parts[-1][1] == 10**12


def test_sampling_buckets_are_absolute_times() -> None:
    # 25 fps timestamps are 39.99.. or 40.00.. ms apart: the slack keeps 2000 ms in bucket 1.
    assert sample_bucket(1999.6, 2000) == 1
    assert sample_bucket(1999.4, 2000) == 0
    assert sample_bucket(4000.0, 2000) == 2


def _face(track_id: int, x: float) -> FaceDetection:
    return FaceDetection(
        track_id=track_id, bbox=BoundingBox(x=x, y=10, width=40, height=40), confidence=0.9
    )


def _part(index: int, start: int, end: int, frames: list[tuple[int, list[FaceDetection]]],
          tracklets: list[Tracklet]) -> PartResult:  # fmt: skip
    frame_models = [
        FrameDetections(index=ts // 40, timestamp_ms=ts, faces=faces, poses=[])
        for ts, faces in frames
    ]
    ids = sorted({f.track_id for _, faces in frames for f in faces if f.track_id})
    tracks = [
        TrackSummary(
            track_id=i, track_type="face", first_frame=0, last_frame=0, frame_count=1,
            avg_bbox=BoundingBox(x=0, y=0, width=1, height=1), avg_confidence=0.9,
        )
        for i in ids
    ]  # fmt: skip
    result = DetectionResult(
        source_dimensions=SourceDimensions(width=640, height=360),
        frame_interval_ms=1000,
        frames=frame_models,
        tracks=tracks,
        summary=DetectionSummary(
            total_frames=len(frame_models),
            faces_detected=sum(len(f) for _, f in frames),
            poses_detected=0,
            unique_face_tracks=len(ids),
            unique_pose_tracks=0,
            processing_time_ms=10,
        ),
    )
    return PartResult(
        part_index=index, part_count=2, start_ms=start, end_ms=end, result=result,
        tracklets=tracklets,
    )  # fmt: skip


def _tracklet(track_id: int, first: tuple[int, float], last: tuple[int, float],
              feature: list[float]) -> Tracklet:  # fmt: skip
    def end(ts: int, x: float) -> dict[str, object]:
        return {"frame": ts // 40, "timestamp_ms": ts, "feature": feature,
                "bbox": {"x": x, "y": 10, "width": 40, "height": 40}}  # fmt: skip

    return Tracklet.model_validate(
        {"kind": "face", "track_id": track_id, "first": end(*first), "last": end(*last)}
    )


A, B = [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]


def test_tracks_crossing_a_boundary_keep_their_ids_and_newcomers_get_new_ones() -> None:
    # Two faces, A left and B right, in both parts; part 1 numbers them the other way round,
    # and a third face appears late in part 1.
    first = _part(
        0,
        0,
        2000,
        [(0, [_face(1, 100), _face(2, 400)]), (1000, [_face(1, 110), _face(2, 390)])],
        [_tracklet(1, (0, 100), (1000, 110), A), _tracklet(2, (0, 400), (1000, 390), B)],
    )
    second = _part(1, 2000, 4000, [(2000, [_face(1, 380), _face(2, 120)]),
                                   (3000, [_face(1, 370), _face(2, 130), _face(3, 600)])],
                   [_tracklet(1, (2000, 380), (3000, 370), B),
                    _tracklet(2, (2000, 120), (3000, 130), A),
                    _tracklet(3, (3000, 600), (3000, 600), [0.0, 0.0, 1.0])])  # fmt: skip

    merged = stitch([second, first], max_gap_ms=6000, job_id="j1")  # any order in

    ids = [[(f.bbox.x, f.track_id) for f in frame.faces] for frame in merged.frames]
    assert ids == [
        [(100, 1), (400, 2)],
        [(110, 1), (390, 2)],
        [(380, 2), (120, 1)],
        [(370, 2), (130, 1), (600, 3)],
    ]
    assert merged.summary.unique_face_tracks == 3
    assert [t.frame_count for t in merged.tracks] == [4, 4, 1]
    assert merged.job_id == "j1"


def test_a_look_alike_out_of_reach_is_not_stitched() -> None:
    first = _part(0, 0, 2000, [(1000, [_face(1, 10)])], [_tracklet(1, (1000, 10), (1000, 10), A)])
    # Same appearance, but 600 px away 1 s later (reach: 40 px + 0.5 x 640 px): someone else.
    second = _part(1, 2000, 4000, [(2000, [_face(1, 610)])],
                   [_tracklet(1, (2000, 610), (2000, 610), A)])  # fmt: skip
    merged = stitch([first, second], max_gap_ms=6000, job_id=None)
    assert merged.summary.unique_face_tracks == 2


class _Scripted(Tracker):
    """A base tracker that answers what it is told to."""

    def __init__(self, answers: list[list[int | None]]) -> None:
        self._answers = iter(answers)

    def update(
        self, boxes: list[Box], image: np.ndarray, timestamp_ms: int = 0
    ) -> list[int | None]:
        return next(self._answers)


class _Colours(AppearanceEmbedder):
    """Appearance = the box's colour in a synthetic image (no model)."""

    def embed(self, image: np.ndarray, boxes: list[Box]) -> np.ndarray:
        rows = [image[int(b.y) + 1, int(b.x) + 1].astype(np.float32) for b in boxes]
        return np.array([r / np.linalg.norm(r) for r in rows], dtype=np.float32)


def _image(*faces: tuple[int, tuple[int, int, int]]) -> np.ndarray:
    image = np.zeros((100, 400, 3), dtype=np.uint8)
    for x, colour in faces:
        image[10:50, x : x + 40] = colour
    return image


RED, BLUE = (0, 0, 255), (255, 0, 0)


@pytest.mark.parametrize("swap", [True, False])
def test_reid_undoes_a_swap_and_keeps_identities_across_a_gap(swap: bool) -> None:
    boxes1 = [Box(10, 10, 40, 40, 0.9), Box(300, 10, 40, 40, 0.9)]
    boxes2 = [Box(200, 10, 40, 40, 0.9), Box(100, 10, 40, 40, 0.9)]  # they crossed
    # The base tracker swaps them (motion alone), or loses both (new ids).
    second = [1, 2] if swap else [7, 8]
    tracker = ReidTracker(_Scripted([[1, 2], second]), _Colours(), max_age_seconds=6)
    ids1 = tracker.update(boxes1, _image((10, RED), (300, BLUE)), 0)
    ids2 = tracker.update(boxes2, _image((200, RED), (100, BLUE)), 2000)
    assert ids1 == [1, 2]
    assert ids2 == [1, 2]  # red stays 1, blue stays 2


def test_reid_forgets_identities_older_than_the_max_age() -> None:
    box = [Box(10, 10, 40, 40, 0.9)]
    tracker = ReidTracker(_Scripted([[1], [5]]), _Colours(), max_age_seconds=6)
    assert tracker.update(box, _image((10, RED)), 0) == [1]
    assert tracker.update(box, _image((10, RED)), 7000) == [2]
