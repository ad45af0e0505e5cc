"""The models one video-worker process can run, loaded once at start-up."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from vidpipe_video.errors import DuplicateModelError, UnknownModelError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from vidpipe_video.models.base import SegmentModel

logger = logging.getLogger(__name__)


class ModelRegistry:
    """Models by mode name. `ready` turns True once `load_all` has loaded every one of them;
    the worker's `/health/ready` reports it."""

    def __init__(self, models: Iterable[SegmentModel] = ()) -> None:
        self._models: dict[str, SegmentModel] = {}
        self._loaded: set[str] = set()
        self._lock = threading.Lock()
        # Held for a whole load_all: two callers at once must not load a model twice.
        self._load_lock = threading.Lock()
        for model in models:
            self.register(model)

    def register(self, model: SegmentModel) -> None:
        name = str(getattr(type(model), "name", "") or "")
        if not name:
            raise ValueError(f"{type(model).__name__} has no `name`: set it to its mode")
        with self._lock:
            if name in self._models:
                raise DuplicateModelError(f"a model named {name!r} is already registered")
            self._models[name] = model

    @property
    def names(self) -> tuple[str, ...]:
        """Registered names, sorted."""
        with self._lock:
            return tuple(sorted(self._models))

    def __contains__(self, name: object) -> bool:
        with self._lock:
            return name in self._models

    def get(self, mode: str) -> SegmentModel:
        """The model for `mode`; UnknownModelError, naming the registered ones, otherwise."""
        with self._lock:
            model = self._models.get(str(mode))
            if model is None:
                raise UnknownModelError(str(mode), self._models)
            return model

    def select(self, names: Iterable[str] | None) -> ModelRegistry:
        """A registry of only `names` (all of them for None): what ENABLED_MODELS picks.

        An unknown name raises UnknownModelError, so a mistyped setting stops the worker at
        start-up instead of leaving a mode that nobody processes.
        """
        if names is None:
            return ModelRegistry(self._models[name] for name in self.names)
        return ModelRegistry(self.get(name) for name in dict.fromkeys(names))

    def load_all(self) -> None:
        """Load every model not loaded yet, once per process; an error propagates (the worker
        should not start half-loaded)."""
        with self._load_lock:
            for name in self.names:
                if name in self._loaded:
                    continue
                started = time.perf_counter()
                self.get(name).load()
                with self._lock:
                    self._loaded.add(name)
                load_ms = round((time.perf_counter() - started) * 1e3, 1)
                logger.info("model %s loaded", name, extra={"model": name, "load_ms": load_ms})

    @property
    def ready(self) -> bool:
        """True when there is at least one model and every model is loaded."""
        with self._lock:
            return bool(self._models) and self._loaded >= self._models.keys()
