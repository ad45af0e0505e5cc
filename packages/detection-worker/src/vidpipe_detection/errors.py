"""One exception root for the detection-worker; the handler maps these to runner outcomes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable


class DetectionWorkerError(Exception):
    """Root of every error raised by vidpipe_detection."""


class UnknownBackendError(DetectionWorkerError, LookupError):
    """No face backend of that name is registered; the message names those that are."""

    def __init__(self, name: str, available: Iterable[str]) -> None:
        self.name = name
        self.available = tuple(sorted(available))
        super().__init__(
            f"no face backend named {name!r}: available backends are "
            f"{', '.join(self.available) or 'none'}"
        )


class BackendConfigurationError(DetectionWorkerError, ValueError):
    """A backend's settings cannot work (YOLO_MODEL_PATH missing or not a model file)."""


class UnreadableVideoError(DetectionWorkerError):
    """The video cannot be decoded, whatever the retry: the detection stage fails with `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ModelsNotLoadedError(DetectionWorkerError, RuntimeError):
    """Detection was asked for before `Detector.load` finished."""
