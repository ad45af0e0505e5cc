"""Measuring videos with ffprobe, independently of the code under test, and DLQ depths."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from vidpipe_cli import Target
from vidpipe_cli.dlq import queue_depth
from vidpipe_types import Worker


@dataclass(frozen=True)
class StreamInfo:
    codec: str
    duration: float
    packets: int
    width: int | None = None
    height: int | None = None
    fps: float | None = None


@dataclass(frozen=True)
class Measured:
    duration: float
    size: int
    video: StreamInfo
    audio: StreamInfo | None

    @property
    def frame_seconds(self) -> float:
        assert self.video.fps
        return 1 / self.video.fps


def measure(path: Path) -> Measured:
    output = subprocess.run(
        [
            "ffprobe", "-v", "error", "-count_packets", "-of", "json",
            "-show_entries",
            "stream=codec_type,codec_name,duration,nb_read_packets,width,height,avg_frame_rate"
            ":format=duration,size",
            str(path),
        ],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    data = json.loads(output)
    streams = {s["codec_type"]: s for s in reversed(data["streams"])}
    return Measured(
        duration=float(data["format"]["duration"]),
        size=int(data["format"]["size"]),
        video=_stream(streams["video"]),
        audio=_stream(streams["audio"]) if "audio" in streams else None,
    )


def _stream(entry: dict) -> StreamInfo:
    rate = entry.get("avg_frame_rate", "0/0")
    fps = float(Fraction(rate)) if rate not in ("0/0", "") else None
    return StreamInfo(
        codec=entry["codec_name"],
        duration=float(entry["duration"]),
        packets=int(entry["nb_read_packets"]),
        width=entry.get("width"),
        height=entry.get("height"),
        fps=fps,
    )


def dead_letters(target: Target) -> dict[str, int]:
    """Messages on each DLQ, visible or not (non-empty ones only)."""
    sqs = target.clients.sqs
    counts = {}
    for worker in Worker:
        url = target.dlq_url(worker)
        hidden = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        total = queue_depth(sqs, url) + int(hidden["ApproximateNumberOfMessagesNotVisible"])
        if total:
            counts[target.names.dlq(worker)] = total
    return counts
