"""vidpipe_ffmpeg: the one place where vidpipe runs ffmpeg and ffprobe.

Every run is an argv list (no shell) with ``-protocol_whitelist file,pipe``, a container
allow-list on its inputs, and limits on time, memory and output size. The command lines are
built with ffmpeg-python (``commands``); only ``_run`` starts processes.
"""

from vidpipe_ffmpeg._run import DEFAULT_LIMITS, FfmpegPipe, ResourceLimits
from vidpipe_ffmpeg.commands import (
    EVEN_SIZE,
    VideoFilter,
    concat_command,
    decode_frames_command,
    encode_frames_command,
    mean_luma_command,
    parse_filter_chain,
    split_command,
    thumbnail_command,
    transcode_command,
)
from vidpipe_ffmpeg.decode_check import check_decoding
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
from vidpipe_ffmpeg.reencode import DEFAULT_REENCODE, ReencodePlan, ReencodeSettings, plan_reencode
from vidpipe_ffmpeg.split import choose_strategy, split
from vidpipe_ffmpeg.thumbnail import mean_luma, thumbnail
from vidpipe_ffmpeg.transcode import concat, transcode_filter
from vidpipe_ffmpeg.validate import validate, validation_problems

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_REENCODE",
    "EVEN_SIZE",
    "VIDEO_CONTAINERS",
    "AudioStream",
    "FfmpegError",
    "FfmpegFailedError",
    "FfmpegPipe",
    "FfmpegTimeoutError",
    "InvalidMediaError",
    "ProbeResult",
    "ReencodePlan",
    "ReencodeSettings",
    "ResourceLimits",
    "Segment",
    "SplitResult",
    "SplitStrategy",
    "VideoFilter",
    "VideoStream",
    "check_decoding",
    "choose_strategy",
    "concat",
    "concat_command",
    "decode_frames_command",
    "encode_frames_command",
    "list_keyframes",
    "mean_luma",
    "mean_luma_command",
    "media_metadata",
    "parse_filter_chain",
    "plan_forced_cuts",
    "plan_keyframe_cuts",
    "plan_reencode",
    "probe",
    "sha256_file",
    "split",
    "split_command",
    "thumbnail",
    "thumbnail_command",
    "transcode_command",
    "transcode_filter",
    "validate",
    "validation_problems",
]
