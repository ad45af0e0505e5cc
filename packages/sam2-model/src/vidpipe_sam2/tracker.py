"""SAM2's video predictor over a stream of frames, in windows of bounded size.

`SAM2VideoPredictor.init_state` loads every frame of the folder it is given (resized to the
model's input, float32) and its inference state keeps per-frame outputs for the whole video:
a segment of several minutes would exhaust memory. So frames are tracked in windows of at most
`window_frames`: each window is a folder of JPEGs that is deleted once tracked, and a window
starts on the last frame of the one before (that frame is tracked twice, its mask yielded once)
with that frame's mask as its prompt, so the subject is carried from window to window. When the
carried mask is empty (the subject left the frame), the next window starts again from the
segment's own prompt.

Memory is then bounded by the window, whatever the segment's length; the cost is one frame's
extra tracking per window and a memory bank that forgets frames of earlier windows (SAM2 only
conditions on a few recent frames and its prompts anyway).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

    from numpy.typing import NDArray

    from vidpipe_sam2.prompts import Prompt

_OBJECT_ID = 1
_JPEG_QUALITY = 95


class VideoPredictor(Protocol):
    """The part of `sam2.sam2_video_predictor.SAM2VideoPredictor` this module uses."""

    def init_state(self, video_path: str, offload_video_to_cpu: bool = ...) -> Any: ...

    def add_new_points_or_box(
        self, inference_state: Any, frame_idx: int, obj_id: int, **kwargs: Any
    ) -> Any: ...

    def add_new_mask(self, inference_state: Any, frame_idx: int, obj_id: int, mask: Any) -> Any: ...

    def propagate_in_video(self, inference_state: Any) -> Iterable[tuple[int, Any, Any]]: ...

    def reset_state(self, inference_state: Any) -> None: ...


@dataclass
class TrackStats:
    """What one `track` call did: the frames it tracked per window (the carried frame
    included), so that the bound on memory can be checked."""

    window_sizes: list[int] = field(default_factory=list)

    @property
    def largest_window(self) -> int:
        return max(self.window_sizes, default=0)


class WindowedTracker:
    """Masks of one object through a stream of frames, `window_frames` at a time."""

    def __init__(
        self, predictor: VideoPredictor, window_frames: int, *, offload_video_to_cpu: bool = True
    ) -> None:
        if window_frames < 2:
            raise ValueError("a window needs at least 2 frames: one carried, one new")
        self._predictor = predictor
        self._window = window_frames
        self._offload = offload_video_to_cpu

    def track(
        self,
        frames: Iterable[NDArray[np.uint8]],
        prompt: Prompt,
        scratch: Path,
        stats: TrackStats | None = None,
    ) -> Iterator[NDArray[np.bool_]]:
        """One boolean mask (height, width) per frame of `frames`, in order.

        Frames are read a window ahead of the masks; `scratch` holds one window's JPEGs.
        """
        stats = stats if stats is not None else TrackStats()
        window = scratch / "window"
        carried: NDArray[np.bool_] | None = None
        source = iter(frames)
        count = 0
        while True:
            shutil.rmtree(window, ignore_errors=True)
            window.mkdir(parents=True)
            if carried is not None:
                # The previous window's last frame, already on disk, opens this one.
                (scratch / "last.jpg").rename(window / "0.jpg")
                count = 1
            else:
                count = 0
            new = 0
            for frame in source:
                Image.fromarray(frame).save(window / f"{count}.jpg", quality=_JPEG_QUALITY)
                count += 1
                new += 1
                if count == self._window:
                    break
            if new == 0:
                break
            stats.window_sizes.append(count)
            masks = self._track_window(window, prompt, carried)
            last: NDArray[np.bool_] | None = None
            for index, mask in enumerate(masks):
                last = mask
                if carried is None or index > 0:
                    yield mask
            if count < self._window or last is None:
                break
            (window / f"{count - 1}.jpg").rename(scratch / "last.jpg")
            carried = last if last.any() else None
            if carried is None:
                # Nothing to carry: the next window starts from the prompt on a fresh frame.
                (scratch / "last.jpg").unlink()
        shutil.rmtree(window, ignore_errors=True)

    def _track_window(
        self, folder: Path, prompt: Prompt, carried: NDArray[np.bool_] | None
    ) -> Iterator[NDArray[np.bool_]]:
        predictor = self._predictor
        state = predictor.init_state(str(folder), offload_video_to_cpu=self._offload)
        try:
            if carried is not None:
                predictor.add_new_mask(state, 0, _OBJECT_ID, carried)
            elif prompt.kind == "box":
                predictor.add_new_points_or_box(
                    state, 0, _OBJECT_ID, box=np.array(prompt.coords, dtype=np.float32)
                )
            else:
                predictor.add_new_points_or_box(
                    state,
                    0,
                    _OBJECT_ID,
                    points=np.array([prompt.coords], dtype=np.float32),
                    labels=np.array([1], dtype=np.int32),
                )
            for _, _, logits in predictor.propagate_in_video(state):
                yield _to_mask(logits)
        finally:
            predictor.reset_state(state)


def _to_mask(logits: Any) -> NDArray[np.bool_]:
    # (objects, 1, height, width) logits at the video's size; one object is tracked.
    mask: NDArray[np.bool_] = (logits[0, 0] > 0).cpu().numpy()
    return mask
