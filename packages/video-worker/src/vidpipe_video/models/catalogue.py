"""Every model this build of the video-worker knows: the one place to register a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidpipe_video.models.grayscale import GrayscaleModel
from vidpipe_video.models.passthrough import PassthroughModel
from vidpipe_video.models.registry import ModelRegistry

if TYPE_CHECKING:
    from vidpipe_ffmpeg import ResourceLimits


def builtin_registry(limits: ResourceLimits) -> ModelRegistry:
    """All known models, constructed but not loaded (construction must stay cheap: heavy work
    belongs in `load`, which runs only for the models ENABLED_MODELS picks)."""
    return ModelRegistry(
        [
            PassthroughModel(limits),
            GrayscaleModel(limits),
        ]
    )
