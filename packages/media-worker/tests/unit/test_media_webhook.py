"""The "completed" webhook through the real WebhookNotifier to a loopback HTTP server."""

from __future__ import annotations

from pathlib import Path

from media_world import OUTPUT_BUCKET, World, message

from vidpipe_aws.webhook import WebhookNotifier
from vidpipe_media import MediaHandler
from vidpipe_testkit import WebhookReceiver


def test_the_completed_webhook_is_posted_once(
    tmp_path: Path, segments: list[Path], webhook_receiver: WebhookReceiver
) -> None:
    world = World(tmp_path / "work")
    world.ready_job("hooked", segments)
    notifier = WebhookNotifier(webhook_receiver.url, attempts=1)
    handler = MediaHandler(
        world.storage,
        world.jobs,
        world.completions,
        world.settings(),
        output_bucket=OUTPUT_BUCKET,
        notifier=notifier,
        worker_id="worker-a",
        clock=world.clock,
        tools=world.tools,
    )

    handler(message("hooked", len(segments)))
    handler(message("hooked", len(segments), n=2))  # a duplicate
    assert notifier.flush(timeout_seconds=30)

    job = world.job("hooked")
    assert len(webhook_receiver.events) == 1
    event = webhook_receiver.events[0]
    assert event["job_id"] == "hooked" and event["status"] == "completed"
    assert event["result"]["outputs"] == job.outputs
    assert set(event["result"]) == {"outputs", "duration", "size_bytes", "sha256"}
    assert event["result"]["duration"] == 10.0
