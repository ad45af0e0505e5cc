"""Test doubles and data shared by the unit and integration tests."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from vidpipe_aws import ReassemblyTrigger
from vidpipe_aws.webhook import WebhookNotifier
from vidpipe_types import ReassemblyReason


class RecordingNotifier(WebhookNotifier):
    """A notifier with no URL that keeps what it was asked to send."""

    def __init__(self) -> None:
        super().__init__(None)
        self.sent: list[dict[str, Any]] = []

    def notify(
        self,
        job_id: str,
        status: Any,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> None:
        self.sent.append({"job_id": job_id, "status": status, "result": result, "error": error})


class CountingTrigger(ReassemblyTrigger):
    """The real trigger, remembering each evaluation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[str, str]] = []

    def evaluate(self, job_id: str, reason: ReassemblyReason) -> bool:
        self.calls.append((job_id, reason))
        return super().evaluate(job_id, reason)


def s3_event_body(bucket: str, key: str, *, event_name: str = "ObjectCreated:Put") -> str:
    """An S3 notification as AWS sends it (key quote_plus-encoded)."""
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2024-05-01T12:00:00.000Z",
        "eventName": event_name,
        "s3": {
            "s3SchemaVersion": "1.0",
            "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
            "object": {"key": quote_plus(key), "size": 1, "eTag": "0123abcd"},
        },
    }
    return json.dumps({"Records": [record]})


TEST_EVENT_BODY = json.dumps(
    {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": "2024-05-01T12:00:00.000Z",
        "Bucket": "vidpipe-input",
        "RequestId": "5582815E1AEA5ADF",
        "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
    }
)


def make_test_video(path: Path, *, seconds: int = 3, fps: int = 10) -> Path:
    """A small H.264 + AAC MP4 with a keyframe every second (ffmpeg's test pattern)."""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None, "ffmpeg must be on PATH"
    subprocess.run(
        [
            ffmpeg, "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc=size=160x120:rate={fps}:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-g", str(fps), "-keyint_min", str(fps), "-sc_threshold", "0",
            "-c:a", "aac", "-shortest", "-movflags", "+faststart",
            str(path),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip
    return path
