"""Segment models and the registry the video-worker picks them from by mode."""

from vidpipe_video.models.base import Artifact, SegmentContext, SegmentModel
from vidpipe_video.models.catalogue import builtin_registry
from vidpipe_video.models.grayscale import GRAYSCALE_FILTER, GrayscaleModel
from vidpipe_video.models.passthrough import PassthroughModel
from vidpipe_video.models.registry import ModelRegistry

__all__ = [
    "GRAYSCALE_FILTER",
    "Artifact",
    "GrayscaleModel",
    "ModelRegistry",
    "PassthroughModel",
    "SegmentContext",
    "SegmentModel",
    "builtin_registry",
]
