"""Frames sampled evenly over the final video, as JPEG bytes, for the standard depth.

vidpipe_ffmpeg has no public frame sampler yet, so this module builds the one ffmpeg call it
needs from that package's argument helpers and runner: same protocol and container allow-lists,
same limits. It belongs in vidpipe_ffmpeg once a second caller needs it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vidpipe_ffmpeg import probe as probe_file
from vidpipe_ffmpeg._ffmpeg import ffmpeg_base, input_args
from vidpipe_ffmpeg._run import run_tool

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from vidpipe_ffmpeg import ProbeResult, ResourceLimits

#: Gemini sees images in 768 px tiles: wider frames cost tokens and add little.
FRAME_WIDTH = 768


@dataclass(frozen=True)
class SampledFrame:
    timestamp: float
    jpeg: bytes

    @property
    def label(self) -> str:
        """``MM:SS`` (``H:MM:SS`` past an hour), the format the profiles ask timestamps in."""
        whole = int(self.timestamp)
        hours, rest = divmod(whole, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


def sample_times(duration: float, count: int) -> list[float]:
    """``count`` times at the middle of equal slices of the video: never the very first frame
    (often black) nor past the end."""
    if duration <= 0 or count < 1:
        return []
    step = duration / count
    return [round(step * (n + 0.5), 3) for n in range(count)]


def sample_frames(
    path: Path,
    count: int,
    limits: ResourceLimits,
    *,
    probe: ProbeResult | None = None,
    width: int = FRAME_WIDTH,
) -> list[SampledFrame]:
    """``count`` JPEG frames spread evenly over the video, at most ``width`` px wide."""
    if probe is None:
        probe = probe_file(path, limits, with_keyframes=False)
    video = probe.video
    scaled = min(width, video.width) if video is not None and video.width else width
    # Display aspect, even height, square pixels: what a viewer sees.
    scale = f"scale={scaled}:trunc({scaled}/dar/2)*2,setsar=1,format=yuvj420p"
    frames = []
    for at in sample_times(probe.duration, count):
        argv = [
            *ffmpeg_base(limits), "-ss", f"{at:.3f}", *input_args(path, probe.format_name),
            "-map", "0:v:0", "-vf", scale, "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "4",
            "-f", "image2pipe", "pipe:1",
        ]  # fmt: skip
        jpeg = run_tool(argv, limits).stdout
        if jpeg:
            frames.append(SampledFrame(at, jpeg))
    return frames


def describe_media(media: Mapping[str, Any], frames: Sequence[SampledFrame]) -> str:
    """The text sent beside the frames: the video's technical facts and each frame's time."""
    facts = {
        name: media[name]
        for name in ("duration", "width", "height", "frame_rate", "codec", "audio_codec")
        if media.get(name) is not None
    }
    times = ", ".join(frame.label for frame in frames)
    return f"Video metadata: {json.dumps(facts, sort_keys=True)}\nFrames, in order, at: {times}"
