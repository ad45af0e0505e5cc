"""`detections-preview.mp4`: the sampled frames with boxes, skeletons and track ids drawn.

Frames are drawn with OpenCV and piped as raw pixels into ffmpeg (H.264, yuv420p, faststart),
so the preview plays in every browser and never holds more than one frame in memory. The
command line is `vidpipe_ffmpeg.encode_frames_command` (built with ffmpeg-python) and runs in
its `FfmpegPipe`, with the same whitelists and process limits as every other ffmpeg run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from vidpipe_detection.errors import DetectionWorkerError
from vidpipe_ffmpeg import (
    DEFAULT_LIMITS,
    FfmpegPipe,
    FfmpegTimeoutError,
    ResourceLimits,
    encode_frames_command,
)

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

    from numpy.typing import NDArray

    from vidpipe_types import FrameDetections

#: The preview is at most this wide (it is for looking at, not for measuring).
MAX_WIDTH = 640
#: x264's quality: a preview for looking at needs less than a processed segment (20).
PREVIEW_CRF = 26
FACE_COLOUR = (80, 220, 80)
POSE_COLOUR = (60, 160, 255)
#: MediaPipe Pose's skeleton, by landmark name.
SKELETON: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "right_shoulder"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
    ("left_hip", "right_hip"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
    ("left_ankle", "left_heel"),
    ("left_heel", "left_foot_index"),
    ("right_ankle", "right_heel"),
    ("right_heel", "right_foot_index"),
    ("nose", "left_eye"),
    ("nose", "right_eye"),
    ("left_eye", "left_ear"),
    ("right_eye", "right_ear"),
    ("mouth_left", "mouth_right"),
)
_MIN_VISIBILITY = 0.5


class PreviewError(DetectionWorkerError):
    """ffmpeg could not write the preview (a tool failure: retried)."""


def preview_fps(interval_seconds: float, source_fps: float) -> float:
    """Every frame: the source rate. Sampled: two frames a second, so each is seen."""
    return source_fps if interval_seconds <= 0 else min(source_fps, 2.0)


def draw(image: NDArray[np.uint8], detections: FrameDetections) -> NDArray[np.uint8]:
    """A copy of `image` with the frame's faces, poses and track ids drawn on it."""
    canvas = image.copy()
    thickness = max(1, round(max(image.shape[:2]) / 400))
    for pose in detections.poses:
        for a, b in SKELETON:
            (ax, ay), (bx, by) = pose.keypoints_px[a], pose.keypoints_px[b]
            if min(pose.keypoints[a][2], pose.keypoints[b][2]) >= _MIN_VISIBILITY:
                cv2.line(
                    canvas, (round(ax), round(ay)), (round(bx), round(by)), POSE_COLOUR, thickness
                )
        if pose.bbox is not None:
            _label(canvas, f"pose {pose.track_id or '?'}", pose.bbox.x, pose.bbox.y, POSE_COLOUR)
    for face in detections.faces:
        box = face.bbox
        top_left = (round(box.x), round(box.y))
        bottom_right = (round(box.x + box.width), round(box.y + box.height))
        cv2.rectangle(canvas, top_left, bottom_right, FACE_COLOUR, thickness)
        text = f"face {face.track_id or '?'} {face.confidence:.2f}"
        _label(canvas, text, box.x, box.y, FACE_COLOUR)
    return canvas


def _label(
    canvas: NDArray[np.uint8], text: str, x: float, y: float, colour: tuple[int, ...]
) -> None:
    scale = max(0.4, canvas.shape[0] / 900)
    origin = (max(round(x), 0), max(round(y) - 4, 12))
    cv2.putText(canvas, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv2.LINE_AA)


class PreviewWriter:
    """Writes frames into an H.264 MP4 through ffmpeg's stdin; use as a context manager."""

    def __init__(
        self,
        path: Path,
        *,
        width: int,
        height: int,
        fps: float,
        limits: ResourceLimits = DEFAULT_LIMITS,
    ) -> None:
        self.path = path
        scale = min(1.0, MAX_WIDTH / width)
        # yuv420p needs even sizes.
        self.size = (max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2))
        self._fps = fps
        self._limits = limits
        self._pipe: FfmpegPipe | None = None
        self.frames_written = 0

    def __enter__(self) -> PreviewWriter:
        width, height = self.size
        argv = encode_frames_command(
            self.path,
            width=width,
            height=height,
            fps=self._fps,
            pix_fmt="bgr24",  # OpenCV's order
            crf=PREVIEW_CRF,
            limits=self._limits,
        )
        self._pipe = FfmpegPipe(argv, self._limits, writes=True)
        return self

    def write(self, image: NDArray[np.uint8]) -> None:
        if self._pipe is None:
            raise PreviewError("the preview writer is not open")
        pixels = image
        if (image.shape[1], image.shape[0]) != self.size:
            pixels = np.asarray(cv2.resize(image, self.size, interpolation=cv2.INTER_AREA))
        try:
            self._pipe.stdin.write(np.ascontiguousarray(pixels, dtype=np.uint8).tobytes())
        except BrokenPipeError as exc:
            raise PreviewError(f"ffmpeg stopped while writing the preview: {exc}") from exc
        self.frames_written += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        pipe = self._pipe
        if pipe is None:
            return
        self._pipe = None
        try:
            pipe.close_stdin()
            returncode = pipe.wait(timeout=self._limits.timeout_seconds)
            if exc_type is None and (returncode != 0 or self.frames_written == 0):
                reason = str(pipe.failure("encoding")) if returncode else "no frames"
                raise PreviewError(f"could not write the preview: {reason}")
        except FfmpegTimeoutError:
            raise PreviewError("ffmpeg timed out writing the preview") from None
        finally:
            pipe.kill()
