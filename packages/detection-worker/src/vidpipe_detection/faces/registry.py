"""Face backends by name; FACE_BACKEND picks one."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from vidpipe_detection.errors import UnknownBackendError

if TYPE_CHECKING:
    from collections.abc import Callable

    from vidpipe_detection.faces.base import FaceBackend


class FaceBackendRegistry:
    """Backend factories by name. `create(name, threshold)` builds one (not loaded yet)."""

    def __init__(self) -> None:
        self._factories: dict[str, Callable[[float], FaceBackend]] = {}
        self._lock = threading.Lock()

    def register(self, name: str, factory: Callable[[float], FaceBackend]) -> None:
        with self._lock:
            if name in self._factories:
                raise ValueError(f"a face backend named {name!r} is already registered")
            self._factories[name] = factory

    @property
    def names(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(sorted(self._factories))

    def create(self, name: str, confidence_threshold: float) -> FaceBackend:
        with self._lock:
            factory = self._factories.get(name)
        if factory is None:
            raise UnknownBackendError(name, self.names)
        return factory(confidence_threshold)
