"""vidpipe_video: the video-worker.

It consumes S3 events for `segments/{job_id}/{index}_{total}_{mode}.mp4`, runs the segment
through the model registered for its mode, uploads `jobs/{job_id}/segments/{index}.mp4`,
records the SegmentCompletion and evaluates the reassembly trigger.
"""

from vidpipe_video.errors import (
    DuplicateModelError,
    ModelOutputError,
    SegmentRejectedError,
    UnknownModelError,
    VideoWorkerError,
)
from vidpipe_video.handler import OUTPUT_CONTENT_TYPE, STAGE, VideoHandler
from vidpipe_video.models import (
    GRAYSCALE_FILTER,
    KNOWN_PLUGINS,
    PLUGIN_GROUP,
    Artifact,
    GrayscaleModel,
    ModelRegistry,
    PassthroughModel,
    PluginEntryPoint,
    SegmentContext,
    SegmentModel,
    builtin_registry,
    plugin_models,
)
from vidpipe_video.settings import VideoSettings

__all__ = [
    "GRAYSCALE_FILTER",
    "KNOWN_PLUGINS",
    "OUTPUT_CONTENT_TYPE",
    "PLUGIN_GROUP",
    "STAGE",
    "Artifact",
    "DuplicateModelError",
    "GrayscaleModel",
    "ModelOutputError",
    "ModelRegistry",
    "PassthroughModel",
    "PluginEntryPoint",
    "SegmentContext",
    "SegmentModel",
    "SegmentRejectedError",
    "UnknownModelError",
    "VideoHandler",
    "VideoSettings",
    "VideoWorkerError",
    "builtin_registry",
    "plugin_models",
]
