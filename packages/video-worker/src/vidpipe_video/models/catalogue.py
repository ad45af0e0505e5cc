"""Every model this build of the video-worker knows: the one place to register a new one.

Models that need heavy dependencies (torch, weights) live in their own distributions, so that
the video-worker's default image stays small: such a package declares an entry point in the
`vidpipe.segment_models` group naming a factory `(limits: ResourceLimits) -> SegmentModel`,
and every worker where it is installed serves its mode.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Protocol

from vidpipe_video.models.base import SegmentModel
from vidpipe_video.models.grayscale import GrayscaleModel
from vidpipe_video.models.passthrough import PassthroughModel
from vidpipe_video.models.registry import ModelRegistry

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from vidpipe_ffmpeg import ResourceLimits

logger = logging.getLogger(__name__)

#: The entry-point group through which installed packages add segment models.
PLUGIN_GROUP = "vidpipe.segment_models"

#: Modes served by a plugin rather than built in: mode -> the distribution that provides it.
KNOWN_PLUGINS: Mapping[str, str] = {"sam2": "vidpipe-sam2-model"}


class PluginEntryPoint(Protocol):
    """What discovery needs of an `importlib.metadata.EntryPoint`."""

    @property
    def name(self) -> str: ...

    @property
    def value(self) -> str: ...

    def load(self) -> Any: ...


def builtin_registry(
    limits: ResourceLimits, plugins: Iterable[PluginEntryPoint] | None = None
) -> ModelRegistry:
    """All known models, constructed but not loaded (construction must stay cheap: heavy work
    belongs in `load`, which runs only for the models ENABLED_MODELS picks): the built-in
    ones, then one per entry point of `plugins` (default: the installed `PLUGIN_GROUP`)."""
    registry = ModelRegistry(
        [
            PassthroughModel(limits),
            GrayscaleModel(limits),
        ]
    )
    for model in plugin_models(limits, plugins):
        registry.register(model)
    return registry


def plugin_models(
    limits: ResourceLimits, plugins: Iterable[PluginEntryPoint] | None = None
) -> list[SegmentModel]:
    """The models the installed plugins provide.

    A plugin that cannot be imported or built is logged with its traceback and left out: the
    worker still serves the other modes, and ENABLED_MODELS naming the missing one stops it at
    start-up (UnknownModelError), which is where an operator looks.
    """
    found = entry_points(group=PLUGIN_GROUP) if plugins is None else plugins
    models: list[SegmentModel] = []
    for plugin in sorted(found, key=lambda entry: entry.name):
        try:
            model = plugin.load()(limits)
        except Exception:
            logger.exception("segment model plugin %s (%s) failed", plugin.name, plugin.value)
            continue
        if not isinstance(model, SegmentModel):
            logger.error("plugin %s built %r, not a SegmentModel: ignored", plugin.name, model)
            continue
        models.append(model)
    return models
