"""Builds the shared-types DetectionResult frame by frame, with per-track statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vidpipe_types import (
    BoundingBox,
    DetectionResult,
    DetectionSummary,
    FaceDetection,
    FrameDetections,
    PoseDetection,
    SourceDimensions,
    TrackSummary,
    TrackType,
)

if TYPE_CHECKING:
    from vidpipe_detection.boxes import Box
    from vidpipe_detection.frames import Frame
    from vidpipe_detection.poses import Pose


def bounding_box(box: Box) -> BoundingBox:
    return BoundingBox(
        x=round(box.x, 1), y=round(box.y, 1), width=round(box.width, 1), height=round(box.height, 1)
    )


@dataclass
class _TrackStats:
    first_frame: int
    last_frame: int
    count: int = 0
    sums: list[float] = field(default_factory=lambda: [0.0] * 5)

    def add(self, frame_index: int, box: Box) -> None:
        self.last_frame = frame_index
        self.count += 1
        for i, value in enumerate((box.x, box.y, box.width, box.height, box.confidence)):
            self.sums[i] += value

    def summary(self, track_id: int, track_type: TrackType) -> TrackSummary:
        x, y, width, height, confidence = (value / self.count for value in self.sums)
        return TrackSummary(
            track_id=track_id,
            track_type=track_type,
            first_frame=self.first_frame,
            last_frame=self.last_frame,
            frame_count=self.count,
            avg_bbox=BoundingBox(
                x=round(x, 1), y=round(y, 1), width=round(width, 1), height=round(height, 1)
            ),
            avg_confidence=round(min(confidence, 1.0), 4),
        )


class ResultBuilder:
    """Collects frames; `build` returns the validated DetectionResult."""

    def __init__(self, *, width: int, height: int, interval_seconds: float) -> None:
        self._dimensions = SourceDimensions(width=width, height=height)
        self._interval_ms = round(interval_seconds * 1000)
        self._frames: list[FrameDetections] = []
        self._tracks: dict[tuple[TrackType, int], _TrackStats] = {}

    @property
    def frame_count(self) -> int:
        return len(self._frames)

    def add_frame(
        self,
        frame: Frame,
        faces: list[tuple[Box, int | None]],
        poses: list[tuple[Pose, int | None]],
    ) -> FrameDetections:
        face_models = [
            FaceDetection(
                track_id=track_id, bbox=bounding_box(box), confidence=round(box.confidence, 4)
            )
            for box, track_id in faces
        ]
        pose_models = [
            PoseDetection(
                track_id=track_id,
                keypoints=pose.keypoints,
                keypoints_px=pose.keypoints_px,
                bbox=bounding_box(pose.box),
                confidence=round(pose.confidence, 4),
            )
            for pose, track_id in poses
        ]
        for box, track_id in faces:
            if track_id is not None:
                self._track("face", track_id, frame.index).add(frame.index, box)
        for pose, track_id in poses:
            if track_id is not None:
                self._track("pose", track_id, frame.index).add(frame.index, pose.box)
        detections = FrameDetections(
            index=frame.index, timestamp_ms=frame.timestamp_ms, faces=face_models, poses=pose_models
        )
        self._frames.append(detections)
        return detections

    def _track(self, kind: TrackType, track_id: int, frame_index: int) -> _TrackStats:
        key = (kind, track_id)
        if key not in self._tracks:
            self._tracks[key] = _TrackStats(first_frame=frame_index, last_frame=frame_index)
        return self._tracks[key]

    def build(self, *, job_id: str | None, processing_time_ms: int) -> DetectionResult:
        tracks = [
            stats.summary(track_id, kind)
            for (kind, track_id), stats in sorted(self._tracks.items())
        ]
        summary = DetectionSummary(
            total_frames=len(self._frames),
            faces_detected=sum(len(f.faces) for f in self._frames),
            poses_detected=sum(len(f.poses) for f in self._frames),
            unique_face_tracks=sum(1 for t in tracks if t.track_type == "face"),
            unique_pose_tracks=sum(1 for t in tracks if t.track_type == "pose"),
            processing_time_ms=max(processing_time_ms, 0),
        )
        return DetectionResult(
            job_id=job_id,
            source_dimensions=self._dimensions,
            frame_interval_ms=self._interval_ms,
            frames=self._frames,
            tracks=tracks,
            summary=summary,
        )
