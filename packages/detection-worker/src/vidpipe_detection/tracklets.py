"""Segment-parallel detection: what each part leaves for the merge, and the merge itself.

Each part is detected with trackers of its own, so its track ids are local. For every track it
also records a `Tracklet`: the box and time of the track's first and last sample, each with the
mean appearance embedding of the track's first (last) three samples. `stitch` joins the parts in
order: a track that starts near a part's beginning takes the identity of a track that ended
near the previous boundary when their boxes are within reach of each other (time and position
gate; box overlap across a short gap and nearness in time favoured) and their appearance
agrees, one-to-one (Hungarian assignment); anything else is a new identity. Ids are then
renumbered in order of first appearance, as a single pass numbers them, and the track
summaries recomputed, so the merged `detections.json` has the same schema as a single pass.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from vidpipe_detection.boxes import Box, iou
from vidpipe_detection.results import bounding_box
from vidpipe_detection.tracking import REID_MATCH_DISTANCE, REID_SWAP_DISTANCE, cosine_distance
from vidpipe_types import (
    BoundingBox,
    DetectionResult,
    DetectionSummary,
    FrameDetections,
    TrackSummary,
    TrackType,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from vidpipe_detection.frames import Frame
    from vidpipe_detection.poses import Pose
    from vidpipe_detection.tracking import AppearanceEmbedder

_CONFIG = ConfigDict(frozen=True, extra="forbid")
#: How far a subject may move per second across a boundary, in frame widths.
STITCH_MAX_SPEED = 0.5
#: Box overlap across a boundary that counts as the same place, across at most this gap.
STITCH_IOU = 0.3
STITCH_OVERLAP_SECONDS = 2.5
#: Cost of each second between a track's end and the next part's track's start.
STITCH_TIME_COST = 0.03


class TrackletEnd(BaseModel):
    model_config = _CONFIG

    frame: int = Field(ge=0)
    timestamp_ms: int = Field(ge=0)
    bbox: BoundingBox
    #: The appearance embedding (unit length), rounded to 4 decimals.
    feature: list[float]


class Tracklet(BaseModel):
    """One track of one part: its first and last sample."""

    model_config = _CONFIG

    kind: TrackType
    track_id: int = Field(ge=1)
    first: TrackletEnd
    last: TrackletEnd


class PartResult(BaseModel):
    """What one part writes to `jobs/{job_id}/detection-parts/{index}.json`."""

    model_config = _CONFIG

    part_index: int = Field(ge=0)
    part_count: int = Field(ge=1)
    start_ms: int = Field(ge=0)
    end_ms: int = Field(ge=1)
    result: DetectionResult
    tracklets: list[Tracklet] = Field(default_factory=list)


@dataclass
class _Seen:
    frame: int
    timestamp_ms: int
    box: Box
    crop: NDArray[np.uint8] | None


#: Samples averaged into each end's appearance: one crop may be partly covered.
TRACKLET_SAMPLES = 3


@dataclass
class _Ends:
    first: list[_Seen]
    last: list[_Seen]


class TrackletRecorder:
    """Keeps the first and latest sample (with its crop) of each track while a part runs."""

    def __init__(self) -> None:
        self._tracks: dict[tuple[TrackType, int], _Ends] = {}

    def add(
        self,
        frame: Frame,
        faces: list[tuple[Box, int | None]],
        poses: list[tuple[Pose, int | None]],
    ) -> None:
        found: list[tuple[TrackType, Box, int | None]] = [("face", b, t) for b, t in faces]
        found += [("pose", pose.box, tid) for pose, tid in poses]
        for kind, box, track_id in found:
            if track_id is None:
                continue
            seen = _Seen(frame.index, frame.timestamp_ms, box, _crop(frame.image, box))
            key = (kind, track_id)
            if key not in self._tracks:
                self._tracks[key] = _Ends([seen], [seen])
                continue
            ends = self._tracks[key]
            if len(ends.first) < TRACKLET_SAMPLES:
                ends.first.append(seen)
            ends.last = [*ends.last[-(TRACKLET_SAMPLES - 1) :], seen]

    def summaries(self, embedder: AppearanceEmbedder) -> list[Tracklet]:
        return [
            Tracklet(
                kind=kind,
                track_id=track_id,
                first=_end(ends.first, embedder, first=True),
                last=_end(ends.last, embedder, first=False),
            )
            for (kind, track_id), ends in sorted(self._tracks.items())
        ]


def _crop(image: NDArray[np.uint8], box: Box) -> NDArray[np.uint8] | None:
    height, width = image.shape[:2]
    x1, y1 = max(int(box.x), 0), max(int(box.y), 0)
    x2, y2 = min(int(box.x + box.width), width), min(int(box.y + box.height), height)
    return None if x2 - x1 < 2 or y2 - y1 < 2 else image[y1:y2, x1:x2].copy()


def _end(samples: list[_Seen], embedder: AppearanceEmbedder, *, first: bool) -> TrackletEnd:
    """The end sample's place and time, with the mean appearance of the samples at that end."""
    rows = []
    for seen in samples:
        if seen.crop is not None:
            height, width = seen.crop.shape[:2]
            rows.append(embedder.embed(seen.crop, [Box(0, 0, width, height, 1.0)])[0])
    feature: list[float] = []
    if rows:
        mean = np.mean(rows, axis=0)
        norm = float(np.linalg.norm(mean))
        feature = [round(float(v) / norm, 4) for v in mean] if norm > 0 else []
    seen = samples[0] if first else samples[-1]
    return TrackletEnd(
        frame=seen.frame, timestamp_ms=seen.timestamp_ms, bbox=bounding_box(seen.box),
        feature=feature,
    )  # fmt: skip


@dataclass
class _Open:
    """A merged identity as last seen (its tracklet end in the latest part it appeared in)."""

    identity: int
    end: TrackletEnd
    part: int


@dataclass
class _Links:
    of_local: dict[tuple[int, TrackType, int], int] = field(default_factory=dict)
    #: Boundary links made: (part index, kind, local id) -> merged id of the previous part.
    stitched: int = 0


def stitch(parts: list[PartResult], *, max_gap_ms: float, job_id: str | None) -> DetectionResult:
    """One DetectionResult from every part of a video (see the module docstring)."""
    ordered = sorted(parts, key=lambda p: p.part_index)
    links = _Links()
    for kind in ("face", "pose"):
        _link_kind(ordered, kind, max_gap_ms, links)
    return _merged(ordered, links, job_id)


def _link_kind(parts: list[PartResult], kind: TrackType, max_gap_ms: float, links: _Links) -> None:
    open_: dict[int, _Open] = {}
    next_id = 1
    for part in parts:
        width = part.result.source_dimensions.width
        tracklets = [t for t in part.tracklets if t.kind == kind]
        starters = [t for t in tracklets if t.first.timestamp_ms - part.start_ms <= max_gap_ms]
        candidates = [o for o in open_.values() if part.start_ms - o.end.timestamp_ms <= max_gap_ms]
        matched: dict[int, int] = {}
        if part.part_index > 0 and starters and candidates:
            cost = np.full((len(starters), len(candidates)), 10.0)
            for r, tracklet in enumerate(starters):
                for c, known in enumerate(candidates):
                    cost[r, c] = _link_cost(known.end, tracklet.first, width)
            for r, c in zip(*linear_sum_assignment(cost), strict=True):
                if cost[r, c] < 10.0:
                    matched[starters[r].track_id] = candidates[c].identity
        for tracklet in tracklets:
            identity = matched.get(tracklet.track_id)
            if identity is None:
                identity, next_id = next_id, next_id + 1
            else:
                links.stitched += 1
            links.of_local[(part.part_index, kind, tracklet.track_id)] = identity
            open_[identity] = _Open(identity, tracklet.last, part.part_index)


def _link_cost(before: TrackletEnd, after: TrackletEnd, width: int) -> float:
    """Appearance distance less a bonus for overlap, or 10 (no link) outside the gates."""
    a, b = _box(before.bbox), _box(after.bbox)
    seconds = max(after.timestamp_ms - before.timestamp_ms, 0) / 1000
    reach = max(a.width, a.height, b.width) + STITCH_MAX_SPEED * width * seconds
    ax, ay = a.x + a.width / 2, a.y + a.height / 2
    bx, by = b.x + b.width / 2, b.y + b.height / 2
    if math.hypot(ax - bx, ay - by) > reach:
        return 10.0
    # Overlap says "the same subject" only across a short gap: at the same place seconds later
    # it is as likely someone else.
    overlap = iou(a, b) if seconds <= STITCH_OVERLAP_SECONDS else 0.0
    distance = cosine_distance(
        np.asarray(before.feature, dtype=np.float32), np.asarray(after.feature, dtype=np.float32)
    )
    if distance <= REID_MATCH_DISTANCE or (
        overlap >= STITCH_IOU and distance <= REID_SWAP_DISTANCE
    ):
        # The nearer in time the likelier: a track that starts right at the boundary is
        # preferred to a look-alike that starts seconds into the part.
        return distance - 0.3 * overlap + STITCH_TIME_COST * seconds
    return 10.0


def _box(value: BoundingBox) -> Box:
    return Box(value.x, value.y, value.width, value.height, 1.0)


def _merged(parts: list[PartResult], links: _Links, job_id: str | None) -> DetectionResult:
    frames: list[FrameDetections] = []
    renumber: dict[tuple[TrackType, int], int] = {}
    counters: dict[TrackType, int] = defaultdict(int)

    def final_id(part: int, kind: TrackType, local: int | None) -> int | None:
        if local is None:
            return None
        merged = links.of_local.get((part, kind, local))
        if merged is None:  # a track with no tracklet (cannot happen: kept for safety)
            return None
        if (kind, merged) not in renumber:
            counters[kind] += 1
            renumber[(kind, merged)] = counters[kind]
        return renumber[(kind, merged)]

    for part in parts:
        for frame in part.result.frames:
            faces = [
                face.model_copy(
                    update={"track_id": final_id(part.part_index, "face", face.track_id)}
                )
                for face in frame.faces
            ]
            poses = [
                pose.model_copy(
                    update={"track_id": final_id(part.part_index, "pose", pose.track_id)}
                )
                for pose in frame.poses
            ]
            frames.append(frame.model_copy(update={"faces": faces, "poses": poses}))
    tracks = _track_summaries(frames)
    first = next((p.result for p in parts if p.result.frames), parts[0].result)
    summary = DetectionSummary(
        total_frames=len(frames),
        faces_detected=sum(len(f.faces) for f in frames),
        poses_detected=sum(len(f.poses) for f in frames),
        unique_face_tracks=sum(1 for t in tracks if t.track_type == "face"),
        unique_pose_tracks=sum(1 for t in tracks if t.track_type == "pose"),
        # The parts ran side by side: the longest is what the video took.
        processing_time_ms=max(p.result.summary.processing_time_ms for p in parts),
    )
    return DetectionResult(
        job_id=job_id,
        source_dimensions=first.source_dimensions,
        frame_interval_ms=first.frame_interval_ms,
        frames=frames,
        tracks=tracks,
        summary=summary,
    )


def _track_summaries(frames: list[FrameDetections]) -> list[TrackSummary]:
    stats: dict[tuple[TrackType, int], list[tuple[int, BoundingBox, float]]] = defaultdict(list)
    for frame in frames:
        for face in frame.faces:
            if face.track_id is not None:
                stats[("face", face.track_id)].append((frame.index, face.bbox, face.confidence))
        for pose in frame.poses:
            if pose.track_id is not None and pose.bbox is not None:
                stats[("pose", pose.track_id)].append((frame.index, pose.bbox, pose.confidence))
    summaries = []
    for (kind, track_id), seen in sorted(stats.items()):
        count = len(seen)
        summaries.append(
            TrackSummary(
                track_id=track_id,
                track_type=kind,
                first_frame=seen[0][0],
                last_frame=seen[-1][0],
                frame_count=count,
                avg_bbox=BoundingBox(
                    x=round(sum(b.x for _, b, _ in seen) / count, 1),
                    y=round(sum(b.y for _, b, _ in seen) / count, 1),
                    width=round(sum(b.width for _, b, _ in seen) / count, 1),
                    height=round(sum(b.height for _, b, _ in seen) / count, 1),
                ),
                avg_confidence=round(min(sum(c for _, _, c in seen) / count, 1.0), 4),
            )
        )
    return summaries
