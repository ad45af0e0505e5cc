"""What a face backend is: a name, a one-time load, and image -> boxes.

Adding a backend means writing one FaceBackend subclass and registering it in
`vidpipe_detection.faces.catalogue`; the detection loop, the handler and the settings stay as
they are.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from vidpipe_detection.errors import ModelsNotLoadedError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from vidpipe_detection.boxes import Box


class FaceBackend(ABC):
    """One face detector.

    `load` runs once per process before any detection (weights, warm-up). `detect` may be
    called from several handler threads (MAX_CONCURRENT_JOBS): the base serialises calls,
    since the underlying models keep per-call state. Boxes below `confidence_threshold` are
    dropped by the backend itself.
    """

    name: ClassVar[str]

    def __init__(self, confidence_threshold: float = 0.5) -> None:
        self.confidence_threshold = confidence_threshold
        self._lock = threading.Lock()
        self._loaded = False

    @property
    def loaded(self) -> bool:
        return self._loaded

    @property
    def weights_source(self) -> str:
        """Where the weights come from, for /health/models."""
        return "bundled"

    def load(self) -> None:
        with self._lock:
            if not self._loaded:
                self._load()
                self._loaded = True

    def detect(self, image: NDArray[np.uint8]) -> list[Box]:
        """Faces in a BGR image, most confident first."""
        if not self._loaded:
            raise ModelsNotLoadedError(f"face backend {self.name!r} is not loaded")
        with self._lock:
            boxes = self._detect(image)
        kept = [box for box in boxes if box.confidence >= self.confidence_threshold]
        return sorted(kept, key=lambda box: box.confidence, reverse=True)

    @abstractmethod
    def _load(self) -> None: ...

    @abstractmethod
    def _detect(self, image: NDArray[np.uint8]) -> list[Box]: ...
