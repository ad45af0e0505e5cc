"""What the detection-worker writes to ``jobs/{job_id}/detections.json``.

The shape is the one clients of face/pose services already read: ``frames`` (per sampled frame,
faces with a box and poses with named keypoints), ``tracks`` (one entry per identity over the
clip), a ``summary``, the source's dimensions and the sampling interval. Faces and poses have
separate track id spaces: face track 1 and pose track 1 are different identities, told apart by
``track_type``.

Coordinates: boxes are in source pixels (``x``, ``y`` the top-left corner); pose keypoints are
``[x, y, visibility]`` with x and y normalised to 0..1 of the frame (MediaPipe's convention,
values slightly outside it are points just off-frame), and ``keypoints_px`` repeats them in
pixels. The result validates its own consistency (summary counts, every detection's track
listed in ``tracks``), so a client that validates it can trust the counts.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

_CONFIG = ConfigDict(frozen=True, extra="forbid")

#: MediaPipe Pose's 33 landmarks, in its index order.
POSE_KEYPOINT_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
_KNOWN_KEYPOINTS = frozenset(POSE_KEYPOINT_NAMES)

TrackType = Literal["face", "pose"]

Confidence = float
#: ``[x, y, visibility]``: x and y normalised to the frame, visibility 0..1.
Keypoint = tuple[float, float, float]


class BoundingBox(BaseModel):
    """An axis-aligned box in source pixels; ``x``, ``y`` is the top-left corner."""

    model_config = _CONFIG

    x: float
    y: float
    width: float = Field(ge=0)
    height: float = Field(ge=0)

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.width / 2, self.y + self.height / 2)

    def contains(self, x: float, y: float) -> bool:
        """True when the pixel point lies inside the box (edges included)."""
        return self.x <= x <= self.x + self.width and self.y <= y <= self.y + self.height


class FaceDetection(BaseModel):
    model_config = _CONFIG

    track_id: int | None = Field(default=None, ge=1)
    bbox: BoundingBox
    confidence: Confidence = Field(ge=0, le=1)


class PoseDetection(BaseModel):
    """One body: 33 named keypoints (see ``POSE_KEYPOINT_NAMES``) and the box around them."""

    model_config = _CONFIG

    track_id: int | None = Field(default=None, ge=1)
    keypoints: dict[str, Keypoint]
    keypoints_px: dict[str, tuple[float, float]] = Field(default_factory=dict)
    bbox: BoundingBox | None = None
    confidence: Confidence = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _known_keypoints(self) -> Self:
        unknown = (set(self.keypoints) | set(self.keypoints_px)) - _KNOWN_KEYPOINTS
        if unknown:
            raise ValueError(f"unknown keypoint names: {sorted(unknown)}")
        if self.keypoints_px and set(self.keypoints_px) != set(self.keypoints):
            raise ValueError("keypoints_px must name the same keypoints as keypoints")
        return self


class FrameDetections(BaseModel):
    """One sampled frame: ``index`` is its frame number in the source video."""

    model_config = _CONFIG

    index: int = Field(ge=0)
    timestamp_ms: int = Field(ge=0)
    faces: list[FaceDetection] = Field(default_factory=list)
    poses: list[PoseDetection] = Field(default_factory=list)


class TrackSummary(BaseModel):
    """One identity over the clip; ``first_frame``/``last_frame`` are source frame numbers and
    ``frame_count`` the sampled frames it was seen in."""

    model_config = _CONFIG

    track_id: int = Field(ge=1)
    track_type: TrackType
    first_frame: int = Field(ge=0)
    last_frame: int = Field(ge=0)
    frame_count: int = Field(ge=1)
    avg_bbox: BoundingBox
    avg_confidence: Confidence = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.last_frame < self.first_frame:
            raise ValueError("last_frame must not be before first_frame")
        return self


class DetectionSummary(BaseModel):
    model_config = _CONFIG

    total_frames: int = Field(ge=0)
    faces_detected: int = Field(ge=0)
    poses_detected: int = Field(ge=0)
    unique_face_tracks: int = Field(ge=0)
    unique_pose_tracks: int = Field(ge=0)
    processing_time_ms: int = Field(ge=0)


class SourceDimensions(BaseModel):
    model_config = _CONFIG

    width: int = Field(ge=1)
    height: int = Field(ge=1)


class DetectionResult(BaseModel):
    """The whole ``detections.json``. ``frame_interval_ms`` 0 means every frame was sampled."""

    model_config = _CONFIG

    job_id: str | None = None
    source_dimensions: SourceDimensions
    frame_interval_ms: int = Field(ge=0)
    frames: list[FrameDetections] = Field(default_factory=list)
    tracks: list[TrackSummary] = Field(default_factory=list)
    summary: DetectionSummary

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        indices = [frame.index for frame in self.frames]
        if any(b <= a for a, b in zip(indices, indices[1:], strict=False)):
            raise ValueError("frame indices must strictly increase")
        listed = {(t.track_type, t.track_id) for t in self.tracks}
        if len(listed) != len(self.tracks):
            raise ValueError("a track is listed twice")
        used: set[tuple[TrackType, int]] = set()
        for frame in self.frames:
            used.update(("face", f.track_id) for f in frame.faces if f.track_id is not None)
            used.update(("pose", p.track_id) for p in frame.poses if p.track_id is not None)
        if used != listed:
            raise ValueError(
                f"tracks and detections disagree: listed only {sorted(listed - used)}, "
                f"used only {sorted(used - listed)}"
            )
        expected = (
            len(self.frames),
            sum(len(frame.faces) for frame in self.frames),
            sum(len(frame.poses) for frame in self.frames),
            sum(1 for kind, _ in listed if kind == "face"),
            sum(1 for kind, _ in listed if kind == "pose"),
        )
        s = self.summary
        found = (
            s.total_frames,
            s.faces_detected,
            s.poses_detected,
            s.unique_face_tracks,
            s.unique_pose_tracks,
        )
        if found != expected:
            raise ValueError(f"summary counts {found} do not match the frames {expected}")
        return self
