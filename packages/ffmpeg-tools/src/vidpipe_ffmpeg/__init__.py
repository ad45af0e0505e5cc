"""vidpipe_ffmpeg: the one place where vidpipe runs ffmpeg and ffprobe.

Every run is an argv list (no shell) with ``-protocol_whitelist file,pipe``, a container
allow-list on its inputs, and limits on time, memory and output size.
"""

from vidpipe_ffmpeg._run import DEFAULT_LIMITS, ResourceLimits
from vidpipe_ffmpeg.errors import (
    FfmpegError,
    FfmpegFailedError,
    FfmpegTimeoutError,
    InvalidMediaError,
)
from vidpipe_ffmpeg.formats import VIDEO_CONTAINERS
from vidpipe_ffmpeg.metadata import media_metadata, sha256_file
from vidpipe_ffmpeg.models import (
    AudioStream,
    ProbeResult,
    Segment,
    SplitResult,
    SplitStrategy,
    VideoStream,
)
from vidpipe_ffmpeg.plan import plan_forced_cuts, plan_keyframe_cuts
from vidpipe_ffmpeg.probe import list_keyframes, probe
from vidpipe_ffmpeg.split import choose_strategy, split
from vidpipe_ffmpeg.thumbnail import mean_luma, thumbnail
from vidpipe_ffmpeg.transcode import concat, transcode_filter
from vidpipe_ffmpeg.validate import validate, validation_problems

__all__ = [
    "DEFAULT_LIMITS",
    "VIDEO_CONTAINERS",
    "AudioStream",
    "FfmpegError",
    "FfmpegFailedError",
    "FfmpegTimeoutError",
    "InvalidMediaError",
    "ProbeResult",
    "ResourceLimits",
    "Segment",
    "SplitResult",
    "SplitStrategy",
    "VideoStream",
    "choose_strategy",
    "concat",
    "list_keyframes",
    "mean_luma",
    "media_metadata",
    "plan_forced_cuts",
    "plan_keyframe_cuts",
    "probe",
    "sha256_file",
    "split",
    "thumbnail",
    "transcode_filter",
    "validate",
    "validation_problems",
]
