"""The "completed" webhook through the real WebhookNotifier to a loopback HTTP server."""

from __future__ import annotations

from pathlib import Path

import pytest
from media_support import OUTPUT_BUCKET, World, message
from webhook_receiver import Receiver

from vidpipe_aws.webhook import WebhookNotifier
from vidpipe_media import MediaHandler


def test_the_completed_webhook_is_posted_once(
    tmp_path: Path, bikes_segments: list[Path], receiver: Receiver
) -> None:
    world = World(tmp_path / "work")
    world.ready_job("hooked", bikes_segments)
    notifier = WebhookNotifier(receiver.url, attempts=1)
    handler = MediaHandler(
        world.storage,
        world.jobs,
        world.completions,
        world.settings(),
        output_bucket=OUTPUT_BUCKET,
        notifier=notifier,
        worker_id="worker-a",
        clock=world.clock,
    )

    handler(message("hooked", len(bikes_segments)))
    handler(message("hooked", len(bikes_segments), n=2))  # a duplicate
    assert notifier.flush(timeout_seconds=30)

    job = world.job("hooked")
    assert len(receiver.events) == 1
    event = receiver.events[0]
    assert event["job_id"] == "hooked" and event["status"] == "completed"
    assert event["result"]["outputs"] == job.outputs
    assert set(event["result"]) == {"outputs", "duration", "size_bytes", "sha256"}
    assert event["result"]["duration"] == pytest.approx(10.0, abs=0.04)
