"""Which container formats vidpipe lets ffmpeg open, and how to name a file that is not one.

An upload named ``.mp4`` may really be an HLS or ffconcat playlist whose entries point at local
files; opening it with the ``hls`` or ``concat`` demuxer would read those files into our outputs.
So ffprobe/ffmpeg only ever open uploads with ``-format_whitelist`` set to real single-file
containers, the probed ``format_name`` is checked again here, and later reads pass ``-f``.
"""

from __future__ import annotations

from pathlib import Path

# Demuxers that read one self-contained file: what a camera, phone or editor writes.
VIDEO_CONTAINERS: frozenset[str] = frozenset(
    {
        "mov", "mp4", "m4a", "3gp", "3g2", "mj2",  # ISO BMFF / QuickTime
        "matroska", "webm",
        "avi",
        "mpegts",
        "mpeg",  # MPEG program stream (.mpg, .vob)
        "flv",
        "ogg",
        "asf",  # .wmv
    }
)  # fmt: skip
# Opened only so that the error can say "a still image" or "no video stream" instead of
# "unknown format"; each reads only the bytes of the one file it is given.
STILL_IMAGE_FORMATS: frozenset[str] = frozenset(
    {"png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe", "gif_pipe", "jpegls_pipe"}
)
AUDIO_FORMATS: frozenset[str] = frozenset({"mp3", "wav", "aac", "flac", "ogg"})

PROBE_FORMAT_WHITELIST = ",".join(sorted(VIDEO_CONTAINERS | STILL_IMAGE_FORMATS | AUDIO_FORMATS))
READ_FORMAT_WHITELIST = ",".join(sorted(VIDEO_CONTAINERS))

_ISO_BMFF_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot")


def format_names(format_name: str) -> list[str]:
    """ffprobe reports a demuxer by all its aliases: ``mov,mp4,m4a,3gp,3g2,mj2``."""
    return [name for name in format_name.split(",") if name]


def is_video_container(format_name: str) -> bool:
    names = format_names(format_name)
    return bool(names) and all(name in VIDEO_CONTAINERS for name in names)


def is_still_image_format(format_name: str) -> bool:
    return any(name in STILL_IMAGE_FORMATS for name in format_names(format_name))


def demuxer_name(format_name: str) -> str:
    """The short name to pass as ``-f`` on later reads (``mov``, ``matroska``)."""
    return format_names(format_name)[0]


def read_head(path: Path, size: int = 64) -> bytes:
    with Path(path).open("rb") as handle:
        return handle.read(size)


def looks_like_iso_bmff(head: bytes) -> bool:
    """True for an MP4/QuickTime file: it starts with a box header such as ``....ftyp``."""
    return len(head) >= 8 and head[4:8] in _ISO_BMFF_BOXES


def describe_non_media(head: bytes) -> str | None:
    """A name for well-known non-video files, for the error message; never reads further."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"#EXTM3U"):
        return "an HLS playlist, not a video file"
    if stripped.startswith(b"ffconcat"):
        return "an ffconcat list, not a video file"
    return None
