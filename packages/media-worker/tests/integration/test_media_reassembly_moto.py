"""The media-worker on real adapters (moto over HTTP) and real ffmpeg on real videos.

Each sample is split with vidpipe_ffmpeg as the chunking-worker would, its segments stored as
processed outputs, and one ReassemblyPayload goes through the reassembly queue. The result is
measured with ffprobe itself against the source.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Literal

import pytest
from media_stack import Stack

from vidpipe_aws.queue import ReceivedMessage
from vidpipe_aws.runner.outcomes import RetryLater
from vidpipe_ffmpeg import mean_luma
from vidpipe_media import MediaHandler, MediaSettings
from vidpipe_testkit import RecordingNotifier, image_size, measure
from vidpipe_types import JobStatus, ReassemblyPayload, build_job_output_key

pytestmark = pytest.mark.integration


def make_handler(
    stack: Stack, work_dir: Path, notifier: RecordingNotifier, worker_id: str
) -> MediaHandler:
    return MediaHandler(
        stack.storage,
        stack.jobs,
        stack.completions,
        MediaSettings(work_dir=work_dir, worker_id=worker_id),
        output_bucket=stack.output_bucket,
        notifier=notifier,
    )


@pytest.mark.parametrize(
    ("sample", "segment_seconds", "strategy"),
    [("bikes", 3.0, "auto"), ("bunny", 2.0, "reencode")],
    ids=["bikes-copy", "bigbuckbunny-reencode-audio"],
)
def test_reassembly_through_the_queue_matches_the_source(
    stack: Stack,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    sample: str,
    segment_seconds: float,
    strategy: Literal["auto", "reencode"],
) -> None:
    source: Path = request.getfixturevalue(f"{sample}_path")
    job_id = f"job-{sample}"
    total = stack.processed_job(
        job_id, source, tmp_path / "split", segment_seconds=segment_seconds, strategy=strategy
    )
    assert total >= 3
    stack.reassembly.send(
        ReassemblyPayload(
            job_id=job_id, total_segments=total, reason="completion"
        ).model_dump_json()
    )
    notifier = RecordingNotifier()
    handler = make_handler(stack, tmp_path / "work", notifier, "media-1")

    (received,) = stack.reassembly.receive(1, wait_seconds=1)
    handler(received)
    stack.reassembly.delete(received.receipt_handle)

    job = stack.jobs.get(job_id)
    assert job is not None and job.status is JobStatus.COMPLETED
    keys = {
        name: build_job_output_key(job_id, file)
        for name, file in (
            ("final", "final.mp4"),
            ("thumbnail", "thumbnail.jpg"),
            ("metadata", "metadata.json"),
        )
    }
    assert job.outputs == keys
    assert stack.storage.head(stack.output_bucket, keys["final"]).content_type == "video/mp4"

    final = tmp_path / "final.mp4"
    thumb = tmp_path / "thumbnail.jpg"
    stack.storage.download_file(stack.output_bucket, keys["final"], final)
    stack.storage.download_file(stack.output_bucket, keys["thumbnail"], thumb)
    metadata = json.loads(stack.storage.get_bytes(stack.output_bucket, keys["metadata"]))
    want, got = measure(source), measure(final)

    # Every frame, and the length within one frame per boundary between segments.
    assert got.frames == want.frames
    boundaries = total - 1
    assert abs(got.video.duration - want.video.duration) <= boundaries * want.frame_seconds
    assert got.video.start == pytest.approx(0, abs=want.frame_seconds / 2)
    if want.audio is None:
        assert got.audio is None
    else:
        assert got.audio is not None and got.audio.codec == want.audio.codec
        # In sync: audio starts with the video, and none of it went missing at the joins.
        assert abs(got.audio.start - got.video.start) <= want.frame_seconds / 2
        assert abs(got.audio.duration - want.audio.duration) <= boundaries * want.frame_seconds

    assert metadata["duration"] == pytest.approx(got.duration, abs=0.001)
    assert (metadata["width"], metadata["height"]) == (got.video.width, got.video.height)
    audio_codec = got.audio.codec if got.audio else None
    assert (metadata["codec"], metadata["audio_codec"]) == (got.video.codec, audio_codec)
    assert metadata["frame_rate"] == pytest.approx(got.video.fps, abs=0.001)
    assert metadata["bitrate"] == got.bit_rate
    assert metadata["size_bytes"] == final.stat().st_size
    assert metadata["sha256"] == hashlib.sha256(final.read_bytes()).hexdigest()
    assert metadata["job_id"] == job_id and metadata["segment_count"] == total

    width, height = image_size(thumb)
    assert width == 320
    assert got.video.width is not None and got.video.height is not None
    assert abs(height - 320 * got.video.height / got.video.width) <= 2
    assert mean_luma(thumb) >= 24  # not a black frame

    assert [(e["job_id"], e["status"], e["result"]) for e in notifier.sent] == [
        (
            job_id,
            "completed",
            {
                "outputs": keys,
                "duration": metadata["duration"],
                "size_bytes": metadata["size_bytes"],
                "sha256": metadata["sha256"],
            },
        )
    ]
    assert stack.reassembly.receive(10, wait_seconds=0) == []
    assert stack.reassembly_dlq.receive(10, wait_seconds=0) == []


def test_two_workers_on_one_job_at_once_complete_it_once(
    stack: Stack, tmp_path: Path, bikes_path: Path
) -> None:
    """Duplicate requests (completion path and chunking path) reach two workers together;
    the DynamoDB conditions let exactly one of them finish."""
    total = stack.processed_job("job-race", bikes_path, tmp_path / "split", segment_seconds=3.0)
    notifier = RecordingNotifier()
    outcomes: dict[str, str] = {}
    start = threading.Barrier(2)

    def work(worker_id: str, reason: Literal["completion", "chunking"]) -> None:
        body = ReassemblyPayload(job_id="job-race", total_segments=total, reason=reason)
        handler = make_handler(stack, tmp_path / worker_id, notifier, worker_id)
        start.wait()
        try:
            handler(ReceivedMessage(worker_id, worker_id, body.model_dump_json(), 1))
            outcomes[worker_id] = "done"
        except RetryLater:
            outcomes[worker_id] = "retry"

    threads = [
        threading.Thread(target=work, args=("media-1", "completion")),
        threading.Thread(target=work, args=("media-2", "chunking")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    job = stack.jobs.get("job-race")
    assert job is not None and job.status is JobStatus.COMPLETED
    assert len(notifier.sent) == 1
    # The loser either found the lease taken (retry later) or the job already completed (done).
    assert sorted(outcomes) == ["media-1", "media-2"]
    assert "done" in outcomes.values()
