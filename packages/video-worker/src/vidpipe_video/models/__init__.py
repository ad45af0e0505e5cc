"""Segment models and the registry the video-worker picks them from by mode."""

from vidpipe_video.models.base import Artifact, SegmentContext, SegmentModel
from vidpipe_video.models.catalogue import (
    KNOWN_PLUGINS,
    PLUGIN_GROUP,
    PluginEntryPoint,
    builtin_registry,
    plugin_models,
)
from vidpipe_video.models.grayscale import GRAYSCALE_FILTER, GrayscaleModel
from vidpipe_video.models.passthrough import PassthroughModel
from vidpipe_video.models.registry import ModelRegistry

__all__ = [
    "GRAYSCALE_FILTER",
    "KNOWN_PLUGINS",
    "PLUGIN_GROUP",
    "Artifact",
    "GrayscaleModel",
    "ModelRegistry",
    "PassthroughModel",
    "PluginEntryPoint",
    "SegmentContext",
    "SegmentModel",
    "builtin_registry",
    "plugin_models",
]
