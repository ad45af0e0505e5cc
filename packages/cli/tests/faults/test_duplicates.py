"""Duplicate deliveries: re-sent S3 events, a reassembly request sent again, and a visibility
timeout that runs out on purpose while a worker is frozen. Outputs stay as they were, nothing
that shows is done twice (one completion per segment, one "completed" webhook); webhook
targets come from configuration only, never from an upload's metadata.
"""

from __future__ import annotations

import json
import os
import signal
import time
from urllib.parse import quote_plus

import pytest

from vidpipe_cli import CHUNKING_WORKER, MEDIA_WORKER, VIDEO_WORKER
from vidpipe_types import (
    JOB_ID_METADATA_KEY,
    ReassemblyPayload,
    Worker,
    job_segments_prefix,
)

from .harness import WebhookReceiver, fault_stack

pytestmark = [pytest.mark.faults, pytest.mark.slow]

TWO_VIDEO_WORKERS = [(CHUNKING_WORKER, 1), (VIDEO_WORKER, 2), (MEDIA_WORKER, 1)]


@pytest.fixture(scope="module")
def faults(tmp_path_factory):
    # The first video-worker to reach video.downloaded pauses there for 6 s, once: the test
    # of an expiring visibility timeout freezes it during that pause.
    env = {
        "VIDPIPE_FAULT_POINT": "video.downloaded",
        "VIDPIPE_FAULT_ACTION": "pause:6",
        "VIDPIPE_FAULT_TIMES": "1",
    }
    root = tmp_path_factory.mktemp("duplicates")
    with fault_stack(root, prefix="vidpipe-dup", env=env, workers=TWO_VIDEO_WORKERS) as stack:
        yield stack


def s3_event(bucket: str, key: str, etag: str, size: int) -> str:
    """An S3 ObjectCreated notification as S3 would send it (key URL-encoded)."""
    record = {
        "eventName": "ObjectCreated:Put",
        "s3": {
            "bucket": {"name": bucket},
            "object": {"key": quote_plus(key), "eTag": etag, "size": size},
        },
    }
    return json.dumps({"Records": [record]})


def snapshot(faults, job_id):
    """What must not change when duplicates arrive after the job completed."""
    s3 = faults.target.clients.s3
    bucket = faults.stack.stack.output_bucket
    outputs = {}
    for name in ("final.mp4", "thumbnail.jpg", "metadata.json"):
        head = s3.head_object(Bucket=bucket, Key=f"jobs/{job_id}/{name}")
        outputs[name] = (head["ETag"], head["LastModified"])
    job = faults.target.jobs.get(job_id)
    completions = sorted(
        (c.segment_index, c.completed_at) for c in faults.target.completions.list(job_id)
    )
    return outputs, job.status, job.completed_at, job.outputs, completions


def test_visibility_expiring_while_a_worker_is_frozen(faults, tmp_path, small_video):
    job_id = faults.submit(small_video, "dup-frozen")
    marker = faults.fault_dir / "video.downloaded.1"
    deadline = time.monotonic() + 60
    while not marker.exists() or not marker.read_text().strip():
        assert time.monotonic() < deadline, "no video-worker reached video.downloaded"
        time.sleep(0.05)
    pid = int(marker.read_text().split()[0])
    # Frozen: no heartbeat, so the message's visibility (3 s) runs out and the other
    # video-worker takes it; then this one wakes up and finishes the same segment too.
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(5)
    finally:
        os.kill(pid, signal.SIGCONT)

    faults.wait_final([job_id])
    faults.wait_queues_empty()
    faults.check_completed_once(job_id, tmp_path)
    redelivered = [
        line
        for line in faults.log_lines()
        if line.get("message") == "message started" and line.get("receive_count", 1) > 1
    ]
    assert redelivered, "the frozen worker's message was never delivered again"
    faults.check_no_dead_letters()


def test_resent_events_change_nothing(faults, tmp_path, small_video, keyframed_video):
    job_ids = [faults.submit(small_video, "dup-a"), faults.submit(keyframed_video, "dup-b")]
    faults.wait_final(job_ids)
    faults.wait_queues_empty()
    before = {job_id: snapshot(faults, job_id) for job_id in job_ids}
    webhooks_before = {job_id: faults.receiver.statuses(job_id) for job_id in job_ids}

    s3, sqs = faults.target.clients.s3, faults.target.clients.sqs
    names = faults.stack.stack
    for job_id in job_ids:
        job = faults.target.jobs.get(job_id)
        upload = s3.head_object(Bucket=job.source_bucket, Key=job.source_key)
        body = s3_event(job.source_bucket, job.source_key, upload["ETag"], upload["ContentLength"])
        for _ in range(2):
            sqs.send_message(QueueUrl=faults.target.queue_url(Worker.CHUNKING), MessageBody=body)
        listed = s3.list_objects_v2(Bucket=names.input_bucket, Prefix=job_segments_prefix(job_id))
        for obj in listed["Contents"]:
            body = s3_event(names.input_bucket, obj["Key"], obj["ETag"], obj["Size"])
            sqs.send_message(QueueUrl=faults.target.queue_url(Worker.VIDEO), MessageBody=body)
        payload = ReassemblyPayload(
            job_id=job_id, total_segments=job.total_segments, reason="sweeper"
        )
        sqs.send_message(
            QueueUrl=faults.target.queue_url(Worker.REASSEMBLY),
            MessageBody=payload.model_dump_json(),
        )
    faults.wait_queues_empty()

    for job_id in job_ids:
        assert snapshot(faults, job_id) == before[job_id]
        assert faults.receiver.statuses(job_id) == webhooks_before[job_id]
        faults.check_completed_once(job_id, tmp_path)
    assert faults.supervisor.restarts == []
    faults.check_no_dead_letters()


def test_duplicate_upload_events_while_the_job_runs(faults, tmp_path, keyframed_video):
    job_id = faults.submit(keyframed_video, "dup-live")
    s3, sqs = faults.target.clients.s3, faults.target.clients.sqs
    bucket = faults.stack.stack.input_bucket
    key = f"input/{job_id}/{keyframed_video.name}"
    head = s3.head_object(Bucket=bucket, Key=key)
    for _ in range(3):
        sqs.send_message(
            QueueUrl=faults.target.queue_url(Worker.CHUNKING),
            MessageBody=s3_event(bucket, key, head["ETag"], head["ContentLength"]),
        )
    faults.wait_final([job_id])
    faults.wait_queues_empty()
    faults.check_completed_once(job_id, tmp_path)
    statuses = faults.receiver.statuses(job_id)
    assert statuses.count("processing") == 1, statuses
    faults.check_no_dead_letters()


def test_webhook_target_in_upload_metadata_is_ignored(faults, tmp_path, small_video):
    elsewhere = WebhookReceiver().start()
    try:
        job_id = "dup-callback"
        bucket = faults.stack.stack.input_bucket
        faults.target.clients.s3.upload_file(
            str(small_video),
            bucket,
            f"input/{job_id}.mp4",
            ExtraArgs={
                "Metadata": {
                    JOB_ID_METADATA_KEY: job_id,
                    "callback-url": elsewhere.url,
                    "callback_url": elsewhere.url,
                    "webhook": elsewhere.url,
                }
            },
        )
        faults.submitted[job_id] = small_video
        faults.wait_final([job_id])
        faults.check_completed_once(job_id, tmp_path)
        assert "completed" in faults.receiver.statuses(job_id)
        assert elsewhere.events == []
    finally:
        elsewhere.stop()
