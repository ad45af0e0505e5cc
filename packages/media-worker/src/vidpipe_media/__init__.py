"""vidpipe_media: the media-worker joins a job's processed segments into its final outputs.

`MediaHandler` handles one reassembly-queue message (see docs/reassembly-protocol.md);
`Sweeper` re-requests reassembly of jobs that stalled; `MediaSettings` holds the settings;
`vidpipe_media.analysis` runs the optional Gemini analysis stage.
"""

from vidpipe_media.assemble import (
    JoinedVideo,
    completions_in_order,
    download_segments,
    join_segments,
)
from vidpipe_media.errors import (
    AnalysisError,
    BadSegmentError,
    MediaWorkerError,
    SegmentsIncompleteError,
)
from vidpipe_media.handler import (
    CONTENT_TYPES,
    NO_API_KEY,
    OUTPUT_NAMES,
    PRIMARY_IMAGE_OUTPUT,
    THUMBNAIL_WIDTH,
    MediaHandler,
    Notifier,
    parse_payload,
)
from vidpipe_media.metadata import build_metadata, stage_timings
from vidpipe_media.primary import PrimaryImage, find_primary_image
from vidpipe_media.settings import MediaSettings, default_worker_id
from vidpipe_media.sweeper import Sweeper, lease_is_live
from vidpipe_media.tools import FfmpegMediaTools, MediaTools

__all__ = [
    "CONTENT_TYPES",
    "NO_API_KEY",
    "OUTPUT_NAMES",
    "PRIMARY_IMAGE_OUTPUT",
    "THUMBNAIL_WIDTH",
    "AnalysisError",
    "BadSegmentError",
    "FfmpegMediaTools",
    "JoinedVideo",
    "MediaHandler",
    "MediaSettings",
    "MediaTools",
    "MediaWorkerError",
    "Notifier",
    "PrimaryImage",
    "SegmentsIncompleteError",
    "Sweeper",
    "build_metadata",
    "completions_in_order",
    "default_worker_id",
    "download_segments",
    "find_primary_image",
    "join_segments",
    "lease_is_live",
    "parse_payload",
    "stage_timings",
]
