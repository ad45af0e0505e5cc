"""The detection loop: decode, detect faces and poses, track, collect, draw.

`Detector` holds the loaded models (once per process); `Detector.run` processes one video and
may run on several handler threads at once (each run has its own trackers and result).
"""

from __future__ import annotations

import logging
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch

from vidpipe_detection.errors import ModelsNotLoadedError, UnreadableVideoError
from vidpipe_detection.frames import inspect_video, iter_frames
from vidpipe_detection.poses import PoseEstimator
from vidpipe_detection.preview import PreviewWriter, draw, preview_fps
from vidpipe_detection.results import ResultBuilder
from vidpipe_detection.tracking import DeepSortTracker, Tracker
from vidpipe_ffmpeg import DEFAULT_LIMITS, ResourceLimits

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from pathlib import Path

    from vidpipe_detection.boxes import Box
    from vidpipe_detection.faces.base import FaceBackend
    from vidpipe_detection.frames import Frame
    from vidpipe_detection.poses import Pose
    from vidpipe_types import DetectionResult

logger = logging.getLogger(__name__)


@dataclass
class StageTimes:
    """Seconds spent per stage over one run (bench/bench_detection.py reports them)."""

    decode: float = 0.0
    face: float = 0.0
    pose: float = 0.0
    track: float = 0.0
    preview: float = 0.0
    frames: int = 0
    extra: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RunOptions:
    interval_seconds: float = 2.0
    detect_faces: bool = True
    detect_poses: bool = True


class Detector:
    """Faces (one backend), poses and tracks. `load` once, then `run` per video."""

    def __init__(
        self,
        face_backend: FaceBackend,
        pose_estimator: PoseEstimator | None = None,
        *,
        tracking_max_age: int = 3,
        torch_threads: int | None = 1,
        limits: ResourceLimits = DEFAULT_LIMITS,
    ) -> None:
        self.face_backend = face_backend
        self.pose_estimator = pose_estimator or PoseEstimator()
        self.tracking_max_age = tracking_max_age
        self.torch_threads = torch_threads
        self._limits = limits

    def load(self) -> None:
        """Load every model (and the tracker's embedder once, so its first use is warm)."""
        started = time.perf_counter()
        if self.torch_threads is not None:
            torch.set_num_threads(self.torch_threads)
        self.face_backend.load()
        self.pose_estimator.load()
        DeepSortTracker(max_age=self.tracking_max_age)
        logger.info(
            "detection models loaded",
            extra={
                "face_backend": self.face_backend.name,
                "load_ms": round((time.perf_counter() - started) * 1e3, 1),
            },
        )

    @property
    def ready(self) -> bool:
        return self.face_backend.loaded and self.pose_estimator.loaded

    def run(
        self,
        path: Path,
        options: RunOptions = RunOptions(),  # noqa: B008 - frozen, never mutated
        *,
        job_id: str | None = None,
        preview_path: Path | None = None,
        progress: Callable[[int, int | None], None] | None = None,
        times: StageTimes | None = None,
    ) -> DetectionResult:
        """Detect over the video at `path`; UnreadableVideoError when it is no readable video."""
        self._require_loaded()
        started = time.perf_counter()
        info = inspect_video(path, self._limits)
        frames = iter_frames(path, options.interval_seconds, info)
        preview = (
            None
            if preview_path is None
            else (preview_path, preview_fps(options.interval_seconds, info.fps))
        )
        return self._process(
            frames,
            options,
            job_id=job_id,
            preview=preview,
            progress=(
                None
                if progress is None
                else _with_total(progress, info.expected_samples(options.interval_seconds))
            ),
            times=times,
            started=started,
        )

    def run_frames(
        self,
        frames: Iterable[Frame],
        options: RunOptions = RunOptions(),  # noqa: B008 - frozen, never mutated
        *,
        job_id: str | None = None,
        times: StageTimes | None = None,
    ) -> DetectionResult:
        """Detect over frames already in memory (still images, synthetic sequences)."""
        self._require_loaded()
        return self._process(
            iter(frames), options, job_id=job_id, times=times, started=time.perf_counter()
        )

    def _require_loaded(self) -> None:
        if not self.ready:
            raise ModelsNotLoadedError("Detector.load has not finished")

    def _process(
        self,
        frames: Iterator[Frame],
        options: RunOptions,
        *,
        job_id: str | None,
        started: float,
        preview: tuple[Path, float] | None = None,
        progress: Callable[[int], None] | None = None,
        times: StageTimes | None = None,
    ) -> DetectionResult:
        times = times if times is not None else StageTimes()
        face_tracker = DeepSortTracker(max_age=self.tracking_max_age)
        pose_tracker = DeepSortTracker(max_age=self.tracking_max_age)
        builder: ResultBuilder | None = None
        with ExitStack() as stack:
            writer: PreviewWriter | None = None
            while True:
                tick = time.perf_counter()
                frame = next(frames, None)
                times.decode += time.perf_counter() - tick
                if frame is None:
                    break
                if builder is None:
                    height, width = frame.image.shape[:2]
                    builder = ResultBuilder(
                        width=width, height=height, interval_seconds=options.interval_seconds
                    )
                    if preview is not None:
                        writer = stack.enter_context(
                            PreviewWriter(
                                preview[0], width=width, height=height, fps=preview[1],
                                limits=self._limits,
                            )
                        )  # fmt: skip
                faces, poses = self._detect(frame, options, face_tracker, pose_tracker, times)
                detections = builder.add_frame(frame, faces, poses)
                if writer is not None:
                    tick = time.perf_counter()
                    writer.write(draw(frame.image, detections))
                    times.preview += time.perf_counter() - tick
                times.frames += 1
                if progress is not None:
                    progress(builder.frame_count)
        if builder is None:
            raise UnreadableVideoError("no frame of the video could be decoded")
        elapsed_ms = round((time.perf_counter() - started) * 1e3)
        return builder.build(job_id=job_id, processing_time_ms=elapsed_ms)

    def _detect(
        self,
        frame: Frame,
        options: RunOptions,
        face_tracker: Tracker,
        pose_tracker: Tracker,
        times: StageTimes,
    ) -> tuple[list[tuple[Box, int | None]], list[tuple[Pose, int | None]]]:
        faces: list[tuple[Box, int | None]] = []
        poses: list[tuple[Pose, int | None]] = []
        if options.detect_faces:
            tick = time.perf_counter()
            boxes = self.face_backend.detect(frame.image)
            times.face += time.perf_counter() - tick
            tick = time.perf_counter()
            faces = list(zip(boxes, face_tracker.update(boxes, frame.image), strict=True))
            times.track += time.perf_counter() - tick
        if options.detect_poses:
            tick = time.perf_counter()
            found = self.pose_estimator.detect(frame.image)
            times.pose += time.perf_counter() - tick
            tick = time.perf_counter()
            ids = pose_tracker.update([pose.box for pose in found], frame.image)
            poses = list(zip(found, ids, strict=True))
            times.track += time.perf_counter() - tick
        return faces, poses


def _with_total(
    progress: Callable[[int, int | None], None], expected: int | None
) -> Callable[[int], None]:
    def report(done: int) -> None:
        progress(done, expected)

    return report
