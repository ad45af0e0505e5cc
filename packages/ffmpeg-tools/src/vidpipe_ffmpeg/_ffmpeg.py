"""ffmpeg argument pieces shared by the commands: the global options, safe inputs, MP4 codecs.

The commands themselves are built in ``commands``; these helpers stay importable for the few
plain argv lists (``concat_command``) and for callers that assemble their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidpipe_ffmpeg._run import PROTOCOL_WHITELIST, ResourceLimits, file_url
from vidpipe_ffmpeg.formats import READ_FORMAT_WHITELIST, demuxer_name

if TYPE_CHECKING:
    from pathlib import Path

# Codecs an MP4 can carry as they are, so stream copy is possible.
MP4_VIDEO_CODECS = frozenset({"h264", "hevc", "av1", "vp9", "mpeg4"})
MP4_AUDIO_CODECS = frozenset({"aac", "mp3", "ac3", "eac3", "alac", "opus", "flac"})


def ffmpeg_base(limits: ResourceLimits) -> list[str]:
    """The executable and the global options every ffmpeg run starts with (stdin never read)."""
    return [limits.ffmpeg, "-hide_banner", "-nostdin", "-y", "-v", "error"]


def input_args(
    path: Path, format_name: str | None = None, *, format_whitelist: str = READ_FORMAT_WHITELIST
) -> list[str]:
    """``-i`` for an input, limited to files and to the allowed containers."""
    forced = ["-f", demuxer_name(format_name)] if format_name else []
    return ["-protocol_whitelist", PROTOCOL_WHITELIST, "-format_whitelist", format_whitelist,
            *forced, "-i", file_url(path)]  # fmt: skip


def hevc_tag_options(video_codec: str) -> dict[str, str]:
    # Apple players only play HEVC in MP4 tagged hvc1.
    return {"tag:v": "hvc1"} if video_codec == "hevc" else {}
