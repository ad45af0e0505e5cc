"""The bad-input catalogue: every input made with ffmpeg from the real samples, cheaply.

Each entry says what the pipeline must do with it: fail the job with a reason a person can
act on (`reason`), or process it correctly (`reason` None: final.mp4 measured against it).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from vidpipe_types import JobOptions, Mode

SECRET = "VIDPIPE-LOCAL-SECRET-5d1e"


def ffmpeg(*args: str) -> None:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", *args], check=True, capture_output=True, timeout=120
    )


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path, Path], Path]  # (samples dir, output dir) -> the upload
    reason: str | None = None  # None: processed; else a substring of the job's error
    key: str | None = None  # the upload's key (default input/<job id>/<file name>)
    options: JobOptions | None = None
    # Where final.mp4 differs from the upload (COMPARED fields); the rest must be equal.
    expect: dict[str, object] = field(default_factory=dict)
    # Frames a re-encoding mode cannot keep, with the stated reason: (frames lost, why).
    frames_lost: tuple[int, str] | None = None


def _zero(samples: Path, out: Path) -> Path:
    path = out / "zero.mp4"
    path.write_bytes(b"")
    return path


def _text(samples: Path, out: Path) -> Path:
    path = out / "notes.mp4"
    path.write_text("my shopping list, not a video\n" * 40)
    return path


def _truncated(samples: Path, out: Path) -> Path:
    full = out / "full.mp4"
    # The MP4 muxer writes moov last: cutting the file in half loses it.
    ffmpeg("-i", str(samples / "carphone_pristine.mp4"), "-c", "copy", str(full))
    path = out / "truncated.mp4"
    path.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    return path


def _audio_only(samples: Path, out: Path) -> Path:
    path = out / "audio-only.mp4"
    ffmpeg("-i", str(samples / "bigbuckbunny.mp4"), "-vn", "-c:a", "copy", "-t", "2", str(path))
    return path


def _still(samples: Path, out: Path) -> Path:
    path = out / "still.mp4"  # a PNG, named like a video
    ffmpeg(
        "-i", str(samples / "carphone_pristine.mp4"), "-frames:v", "1", "-f", "image2", str(path)
    )
    return path


def _corrupt_middle(samples: Path, out: Path) -> Path:
    path = out / "corrupt.mp4"
    data = bytearray((samples / "bikes.mp4").read_bytes())
    middle = len(data) // 2
    data[middle : middle + 20_000] = os.urandom(20_000)
    path.write_bytes(bytes(data))
    return path


def _too_wide(samples: Path, out: Path) -> Path:
    path = out / "too-wide.mp4"  # 7696 px wide (MAX_WIDTH is 7680) but 16 px high: cheap
    ffmpeg("-f", "lavfi", "-i", "testsrc=s=7696x16:r=5:d=1", "-pix_fmt", "yuv420p", str(path))
    return path


def _too_long(samples: Path, out: Path) -> Path:
    path = out / "too-long.mp4"  # 2 h 2 min (MAX_DURATION_SECONDS is 7200): one frame a minute
    ffmpeg("-f", "lavfi", "-i", "color=c=blue:s=16x16:r=1/60:d=7320", str(path))
    return path


def _carphone(out_name: str, *args: str) -> Callable[[Path, Path], Path]:
    """3 s of carphone_pristine.mp4 through extra ffmpeg output options."""

    def make(samples: Path, out: Path) -> Path:
        path = out / out_name
        ffmpeg("-i", str(samples / "carphone_pristine.mp4"), "-t", "3", *args, str(path))
        return path

    return make


def _playlist(kind: str) -> Callable[[Path, Path], Path]:
    """A playlist named .mp4 whose entries point at a local file holding SECRET."""

    def make(samples: Path, out: Path) -> Path:
        secret = out / "secret.txt"
        secret.write_text(f"{SECRET}\n" * 100)
        path = out / f"{kind}.mp4"
        if kind == "hls":
            path.write_text(
                f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile://{secret}\n"
                f"#EXTINF:10,\n{samples / 'bikes.mp4'}\n#EXT-X-ENDLIST\n"
            )
        else:
            path.write_text(
                f"ffconcat version 1.0\nfile '{secret}'\nfile '{samples / 'bikes.mp4'}'\n"
            )
        return path

    return make


#: Video stream fields final.mp4 keeps from the upload (rotation: the display matrix).
COMPARED = ("codec_name", "pix_fmt", "width", "height", "rotation")
GRAYSCALE = JobOptions(mode=Mode.GRAYSCALE)

CASES: tuple[Case, ...] = (
    Case("zero-byte", _zero, reason="empty file (0 bytes)"),
    Case("text-named-mp4", _text, reason="not a video file ffmpeg can read"),
    Case("truncated-moov", _truncated, reason="truncated file: moov atom not found"),
    Case("audio-only", _audio_only, reason="no video stream"),
    Case("still-image", _still, reason="a still image, not a video"),
    Case("too-wide", _too_wide, reason="width 7696 px exceeds MAX_WIDTH=7680"),
    Case("too-long", _too_long, reason="exceeds MAX_DURATION_SECONDS=7200"),
    Case("hls-playlist", _playlist("hls"), reason="an HLS playlist, not a video file"),
    Case("ffconcat-playlist", _playlist("ffconcat"), reason="an ffconcat list, not a video file"),
    # bikes.mp4 with 20 kB of noise in its video data: the decoder loses 28 of 250 frames, found
    # by the decode check before the stream-copy split, with where it breaks.
    Case("corrupt-middle", _corrupt_middle, reason="the video stream cannot be decoded from "),
    # carphone has one keyframe: the split re-encodes, keeping H.264 4:4:4 and the odd height
    # (only chroma-subsampled formats need even sizes).
    Case(
        "odd-height",
        _carphone("odd.mp4", "-vf", "scale=64:1081", "-c:v", "libx264", "-pix_fmt", "yuv444p"),
    ),
    # With keyframes every second the split copies the stream: every property is kept.
    Case(
        "odd-height-keyframed",
        _carphone(
            "odd-k.mp4",
            "-vf",
            "scale=64:1081",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv444p",
            "-g",
            "30",
        ),
    ),  # fmt: skip
    Case(
        "odd-height-grayscale",
        _carphone(
            "odd-gray.mp4",
            "-vf",
            "scale=64:1081",
            "-c:v",
            "libx264",
            "-g",
            "30",
            "-pix_fmt",
            "yuv444p",
        ),
        options=GRAYSCALE,
        # The transform re-encodes to 4:2:0, which needs even sizes: one row is dropped.
        expect={"height": 1080, "pix_fmt": "yuv420p"},
    ),  # fmt: skip
    Case(
        "rotated-phone-video",
        _carphone("rotated.mp4", "-c:v", "libx264", "-g", "30", "-metadata:s:v", "rotate=90"),
    ),
    Case(
        "variable-frame-rate",
        _carphone(
            "vfr.mp4",
            "-vf",
            "setpts='if(lt(N,30),PTS,PTS*2)'",
            "-fps_mode",
            "vfr",
            "-c:v",
            "libx264",
            "-g",
            "30",
        ),
    ),  # fmt: skip
    Case(
        "hevc-10-bit",
        _carphone(
            "hevc10.mp4",
            "-c:v",
            "libx265",
            "-pix_fmt",
            "yuv420p10le",
            "-tag:v",
            "hvc1",
            "-x265-params",
            "log-level=error:keyint=30:min-keyint=30",
        ),
    ),  # fmt: skip
    Case(
        "hevc-10-bit-grayscale",
        _carphone(
            "hevc10-gray.mp4",
            "-c:v",
            "libx265",
            "-pix_fmt",
            "yuv420p10le",
            "-x265-params",
            "log-level=error:keyint=30:min-keyint=30",
        ),
        options=GRAYSCALE,
        expect={"codec_name": "h264", "pix_fmt": "yuv420p"},
        # x265's open GOPs: the leading (RASL) pictures after the CRA at a cut reference the
        # previous GOP, which a segment decoded on its own does not have; a copy keeps them.
        frames_lost=(1, "open-GOP HEVC: the RASL picture before the cut cannot be re-encoded"),
    ),  # fmt: skip
    Case(
        "webm-vp9",
        _carphone(
            "clip.webm",
            "-c:v",
            "libvpx-vp9",
            "-b:v",
            "200k",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-g",
            "30",
        ),
    ),  # fmt: skip
    Case("mkv", _carphone("clip.mkv", "-c:v", "libx264", "-g", "30")),
    Case("mov", _carphone("clip.mov", "-c", "copy")),
    Case(
        "key-space-unicode-plus",
        _carphone("clip.mp4", "-c", "copy"),
        key="input/holiday clips/été à la mer+1 (final).mp4",
    ),
)
