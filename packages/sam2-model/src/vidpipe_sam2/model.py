"""`sam2`: the segment with its background removed, and square crops of the subject.

For each segment: a prompt (the job's box or point, a box found for its text, or the centre),
SAM2 tracking it through every frame in bounded windows (see `tracker`), and two ffmpeg pipes
around the model: one decoding frames for SAM2 and one decoding them again for compositing,
so that no more than a window of frames is ever held. Outputs:

- the segment, every pixel outside the mask painted SAM2_BACKGROUND (black by default; a
  green `00ff00` suits chroma keying), libx264, audio copied;
- up to this segment's share of MAX_FRAMES square crops (`frame_{n:04d}.png`), spread evenly
  over its frames, and `frames/segment_{i}.json` scoring each as the job's primary image.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from vidpipe_aws import AwsContext, AwsSettings, default_weights_dir, fetch_weights
from vidpipe_ffmpeg import DEFAULT_LIMITS, ResourceLimits, probe
from vidpipe_sam2.crops import (
    FrameScore,
    frame_share,
    mask_scores,
    sample_positions,
    save_png,
    square_crop,
)
from vidpipe_sam2.frames import FrameReader, FrameWriter
from vidpipe_sam2.gemini import gemini_box_finder
from vidpipe_sam2.loader import build_predictor
from vidpipe_sam2.prompts import resolve_prompt
from vidpipe_sam2.settings import Sam2Settings
from vidpipe_sam2.tracker import TrackStats, WindowedTracker
from vidpipe_types import Mode, build_frame_key, build_frame_scores_key
from vidpipe_video import SegmentModel, SegmentRejectedError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from numpy.typing import NDArray

    from vidpipe_aws import ObjectStorage
    from vidpipe_ffmpeg import ProbeResult
    from vidpipe_sam2.prompts import BoxFromText
    from vidpipe_sam2.tracker import VideoPredictor
    from vidpipe_video import SegmentContext

logger = logging.getLogger(__name__)


class Sam2Model(SegmentModel):
    name: ClassVar[str] = Mode.SAM2.value

    def __init__(
        self,
        settings: Sam2Settings,
        limits: ResourceLimits = DEFAULT_LIMITS,
        *,
        box_from_text: BoxFromText | None = None,
        storage: ObjectStorage | Callable[[], ObjectStorage] | None = None,
    ) -> None:
        self.settings = settings
        # Used (a factory called) only when SAM2_CHECKPOINT is an S3 URI.
        self._storage = storage
        self._limits = limits
        self._box_from_text = box_from_text
        self._predictor: VideoPredictor | None = None
        self.device: str | None = None
        # One predictor, one segment at a time: its inference state is per call, but the model
        # holds the whole CPU/GPU anyway; other handler threads wait here.
        self._lock = threading.Lock()
        #: What the last `process` tracked (window sizes): for tests and benchmarks.
        self.last_stats = TrackStats()

    def load(self) -> None:
        """Fetch the checkpoint (from S3, verified, when it is an S3 URI) and build the
        predictor: the worker's warm-up, with /health/ready answering 503 meanwhile."""
        weights = self.settings.checkpoint_weights
        checkpoint = None
        if weights is not None:
            checkpoint = fetch_weights(weights, self._storage, weights_dir=default_weights_dir())
        self._predictor, self.device = build_predictor(self.settings, checkpoint)
        logger.info(
            "SAM2 loaded",
            extra={
                "config": self.settings.config,
                "device": self.device,
                "image_size": self.settings.image_size,
            },
        )

    def process(self, src: Path, dst: Path, context: SegmentContext) -> None:
        import torch

        info = probe(src, self._limits, with_keyframes=False)
        width, height, fps = _frame_geometry(info)
        with self._lock:
            predictor = self._predictor
            if predictor is None:
                raise RuntimeError("Sam2Model.process called before load()")
            stats = TrackStats()
            with torch.inference_mode():
                scores = self._run(predictor, src, dst, context, info, stats)
            self.last_stats = stats
        scores_path = context.work_dir / "frame-scores.json"
        scores_path.write_text(
            json.dumps(
                {
                    "job_id": context.job_id,
                    "segment_index": context.segment_index,
                    "total_segments": context.total_segments,
                    "frames": [score.to_json() for score in scores],
                },
                indent=2,
            ),
            encoding="utf-8",
        )
        context.add_artifact(
            build_frame_scores_key(context.job_id, context.segment_index),
            scores_path,
            "application/json",
        )
        logger.info(
            "segment segmented",
            extra={
                "job_id": context.job_id,
                # Frames SAM2 ran on: each window after the first repeats one frame.
                "tracked_frames": sum(stats.window_sizes),
                "windows": len(stats.window_sizes),
                "crops": len(scores),
                "size": f"{width}x{height}",
                "fps": fps,
            },
        )

    def _run(
        self,
        predictor: VideoPredictor,
        src: Path,
        dst: Path,
        context: SegmentContext,
        info: ProbeResult,
        stats: TrackStats,
    ) -> list[FrameScore]:
        width, height, fps = _frame_geometry(info)
        first, share = frame_share(
            self.settings.max_frames, context.segment_index, context.total_segments
        )
        frame_count = _frame_count(info, fps)
        wanted = dict.fromkeys(sample_positions(share, frame_count)) if share else {}
        background = np.array(self.settings.background_rgb, dtype=np.uint8)
        scratch = context.work_dir / "sam2"
        scratch.mkdir(parents=True, exist_ok=True)
        tracker = WindowedTracker(predictor, self.settings.window_frames)
        scores: list[FrameScore] = []
        with (
            FrameReader(src, width, height, self._limits) as for_model,
            FrameReader(src, width, height, self._limits) as for_output,
            FrameWriter(
                dst,
                width=width,
                height=height,
                fps=fps,
                audio_from=src,
                audio_codec=info.audio.codec if info.audio else None,
                limits=self._limits,
            ) as writer,
        ):
            frames = iter(for_model)
            first_frame = next(frames, None)
            if first_frame is None:
                raise SegmentRejectedError("the segment has no video frames")
            prompt = resolve_prompt(
                context.options,
                width,
                height,
                first_frame=_save_first_frame(first_frame, scratch),
                box_from_text=self._box_from_text,
            )
            masks = tracker.track(_chain(first_frame, frames), prompt, scratch, stats)
            for position, (frame, mask) in enumerate(zip(for_output, masks, strict=True)):
                cut = np.where(mask[..., None], frame, background)
                writer.write(cut)
                if position in wanted:
                    number = first + len(scores)
                    scores.append(self._crop(cut, mask, number, position, fps, context))
        return scores

    def _crop(
        self,
        cut: NDArray[np.uint8],
        mask: NDArray[np.bool_],
        number: int,
        position: int,
        fps: float,
        context: SegmentContext,
    ) -> FrameScore:
        key = build_frame_key(context.job_id, number)
        path = context.work_dir / f"frame_{number:04d}.png"
        save_png(square_crop(cut, mask, self.settings.background_rgb), path)
        context.add_artifact(key, path, "image/png")
        area, centrality = mask_scores(mask)
        return FrameScore(
            frame=number,
            key=key,
            segment_index=context.segment_index,
            segment_frame=position,
            time_seconds=position / fps,
            mask_area=area,
            centrality=centrality,
        )


def _chain(
    first: NDArray[np.uint8], rest: Iterator[NDArray[np.uint8]]
) -> Iterator[NDArray[np.uint8]]:
    yield first
    yield from rest


def _save_first_frame(frame: NDArray[np.uint8], scratch: Path) -> Path:
    from PIL import Image

    path = scratch / "first-frame.png"
    Image.fromarray(frame).save(path)
    return path


def _frame_geometry(info: ProbeResult) -> tuple[int, int, float]:
    """(width, height, fps) of the decoded frames: rotation applied, odd sizes made even."""
    video = info.video
    if video is None:
        raise SegmentRejectedError("the segment has no video stream")
    width, height = video.width, video.height
    if video.rotation in (90, 270):
        width, height = height, width
    if width < 2 or height < 2:
        raise SegmentRejectedError(f"a {width}x{height} video is too small to segment")
    fps = video.fps if video.fps and video.fps > 0 else 25.0
    return width - width % 2, height - height % 2, fps


def _frame_count(info: ProbeResult, fps: float) -> int:
    """The number of frames, from the container's index, else estimated from the duration."""
    if info.video is not None and info.video.frame_count:
        return info.video.frame_count
    return max(1, round(info.duration * fps))


def create_model(limits: ResourceLimits) -> Sam2Model:
    """The `vidpipe.segment_models` entry point: reads Sam2Settings from the environment
    (cheap: no weights are loaded until `load`); with GEMINI_API_KEY set, text prompts are
    turned into boxes by Gemini."""
    settings = Sam2Settings()
    return Sam2Model(
        settings, limits, box_from_text=gemini_box_finder(settings), storage=_aws_storage
    )


def _aws_storage() -> ObjectStorage:
    # Built only for an S3 checkpoint, from the same AWS settings as the worker's own.
    return AwsContext.from_settings(AwsSettings()).storage
