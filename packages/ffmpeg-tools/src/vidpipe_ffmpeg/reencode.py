"""How a split that must re-encode keeps the source's look: codec family, bit depth, chroma.

A re-encode is a fallback (few keyframes), so it should change as little as it can: HEVC stays
HEVC (libx265), everything else becomes H.264 (libx264, the one encoder for any codec MP4 cannot
carry); the pixel format is kept when the encoder has it (4:2:0, 4:2:2, 4:4:4, 8 or 10 bit),
otherwise the nearest one of the same bit depth. Only chroma-subsampled formats need even sizes:
an odd width or height loses its last column or row there (``EVEN_SIZE``); 4:4:4 keeps it.
The quality setting (CRF per encoder, preset) is measured in ``bench/bench_split.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from vidpipe_ffmpeg.models import VideoStream

Preset = Literal[
    "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"
]

_X264_PIX_FMTS = frozenset(
    {"yuv420p", "yuv422p", "yuv444p", "yuv420p10le", "yuv422p10le", "yuv444p10le", "gray"}
)
_X265_PIX_FMTS = _X264_PIX_FMTS | frozenset({"yuv420p12le", "yuv422p12le", "yuv444p12le"})
# Full-range "j" formats are the same samples flagged full range: keep them, tagged.
_FULL_RANGE = {"yuvj420p": "yuv420p", "yuvj422p": "yuv422p", "yuvj444p": "yuv444p"}
_SUBSAMPLED = ("yuv420", "yuv422", "nv12", "nv21", "nv16", "nv20")


@dataclass(frozen=True)
class ReencodeSettings:
    """What a re-encoding split trades: ``preset`` (speed) and a CRF per encoder (fidelity).

    The defaults are the measured point where a 2 s segment is visually identical to the source
    (see ffmpeg-tools' README: PSNR/SSIM); an operator may choose speed (``ultrafast``, a
    higher CRF) with the chunking-worker's ``SPLIT_REENCODE_*`` settings.
    """

    preset: Preset = "veryfast"
    crf_h264: int = 18
    crf_hevc: int = 20

    def __post_init__(self) -> None:
        for name, value in (("crf_h264", self.crf_h264), ("crf_hevc", self.crf_hevc)):
            if not 0 <= value <= 51:
                raise ValueError(f"{name}={value} is not a CRF (0..51)")


DEFAULT_REENCODE = ReencodeSettings()


@dataclass(frozen=True)
class ReencodePlan:
    """The encoder, pixel format and options chosen for one source video stream."""

    encoder: str
    pix_fmt: str
    needs_even_size: bool
    options: dict[str, str | int]


def plan_reencode(
    video: VideoStream, settings: ReencodeSettings = DEFAULT_REENCODE
) -> ReencodePlan:
    """The re-encode that keeps ``video``'s codec family, bit depth and chroma where it can."""
    hevc = video.codec == "hevc"
    encoder = "libx265" if hevc else "libx264"
    pix_fmt = _pixel_format(video, _X265_PIX_FMTS if hevc else _X264_PIX_FMTS)
    options: dict[str, str | int] = {
        "c:v": encoder,
        "preset": settings.preset,
        "crf": settings.crf_hevc if hevc else settings.crf_h264,
        "pix_fmt": pix_fmt,
    }
    if hevc:
        # Apple players need the hvc1 tag; x265's own log is noise on stderr.
        options.update({"tag:v": "hvc1", "x265-params": "log-level=error"})
    if (video.pix_fmt or "") in _FULL_RANGE:
        options["color_range"] = "pc"
    return ReencodePlan(
        encoder=encoder,
        pix_fmt=pix_fmt,
        needs_even_size=pix_fmt.startswith(_SUBSAMPLED),
        options=options,
    )


def _pixel_format(video: VideoStream, supported: frozenset[str]) -> str:
    source = _FULL_RANGE.get(video.pix_fmt or "", video.pix_fmt or "")
    if source in supported:
        return source
    depth = video.bits_per_sample or 8
    if depth > 10 and "yuv420p12le" in supported:
        return "yuv420p12le"
    return "yuv420p10le" if depth > 8 else "yuv420p"
