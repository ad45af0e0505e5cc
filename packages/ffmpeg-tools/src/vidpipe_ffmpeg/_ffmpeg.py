"""ffmpeg argument building shared by the operations: safe inputs, MP4 outputs, x264 settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidpipe_ffmpeg._run import PROTOCOL_WHITELIST, ResourceLimits, file_url
from vidpipe_ffmpeg.formats import READ_FORMAT_WHITELIST, demuxer_name

if TYPE_CHECKING:
    from pathlib import Path

# Codecs an MP4 can carry as they are, so stream copy is possible.
MP4_VIDEO_CODECS = frozenset({"h264", "hevc", "av1", "vp9", "mpeg4"})
MP4_AUDIO_CODECS = frozenset({"aac", "mp3", "ac3", "eac3", "alac", "opus", "flac"})

X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]
# x264 with 4:2:0 refuses odd sizes (a 1081 px high phone video); drop the odd row/column.
EVEN_SIZE_FILTER = "crop=trunc(iw/2)*2:trunc(ih/2)*2"
FASTSTART = ["-movflags", "+faststart"]


def ffmpeg_base(limits: ResourceLimits) -> list[str]:
    return [limits.ffmpeg, "-hide_banner", "-nostdin", "-y", "-v", "error"]


def input_args(
    path: Path, format_name: str | None = None, *, format_whitelist: str = READ_FORMAT_WHITELIST
) -> list[str]:
    """``-i`` for an input, limited to files and to the allowed containers."""
    forced = ["-f", demuxer_name(format_name)] if format_name else []
    return ["-protocol_whitelist", PROTOCOL_WHITELIST, "-format_whitelist", format_whitelist,
            *forced, "-i", file_url(path)]  # fmt: skip


def audio_codec_args(audio_codec: str | None) -> list[str]:
    if audio_codec is None or audio_codec in MP4_AUDIO_CODECS:
        return ["-c:a", "copy"]
    return ["-c:a", "aac", "-b:a", "160k"]


def hevc_tag(video_codec: str) -> list[str]:
    # Apple players only play HEVC in MP4 tagged hvc1.
    return ["-tag:v", "hvc1"] if video_codec == "hevc" else []


MAP_FIRST_AV = ["-map", "0:v:0", "-map", "0:a:0?", "-map_chapters", "-1"]
