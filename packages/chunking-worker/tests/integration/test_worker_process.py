"""The installed `vidpipe-chunking-worker` as its own process, against the moto server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vidpipe_types import Job, JobStatus, Worker

from .conftest import Stack

pytestmark = pytest.mark.integration

WORKER = Path(sys.executable).parent / "vidpipe-chunking-worker"


def wait_for_job(stack: Stack, job_id: str, statuses: set[JobStatus], timeout: float) -> Job:
    """Poll the job record; the timeout only guards against a hung worker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = stack.ctx.jobs.get(job_id)
        if job is not None and job.status in statuses:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not reach {statuses}: {stack.ctx.jobs.get(job_id)}")


def test_the_worker_chunks_a_good_upload_fails_a_bad_one_and_stops_on_sigterm(
    stack: Stack, bikes_path: Path, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        **{
            name: str(value)
            for name, value in stack.settings.model_dump(by_alias=True, exclude_none=True).items()
        },
        "WAIT_TIME_SECONDS": "1",
        "HEALTH_PORT": "-1",
        "SHUTDOWN_GRACE_SECONDS": "20",
        "SEGMENT_SECONDS": "2",
        "WORK_DIR": str(tmp_path / "work"),
    }
    env.pop("WORKER_NAME", None)
    text = tmp_path / "notes.mp4"
    text.write_bytes(b"meeting notes, not a video\n" * 50)
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([str(WORKER)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        storage = stack.ctx.storage
        storage.upload_file(
            bikes_path, stack.input_bucket, "input/bikes.mp4", metadata={"job-id": "good"}
        )
        storage.upload_file(text, stack.input_bucket, "input/notes.mp4", metadata={"job-id": "bad"})

        good = wait_for_job(stack, "good", {JobStatus.PROCESSING, JobStatus.FAILED}, 60)
        bad = wait_for_job(stack, "bad", {JobStatus.PROCESSING, JobStatus.FAILED}, 60)
    finally:
        worker.send_signal(signal.SIGTERM)
        returncode = worker.wait(timeout=60)
        log.close()

    output = (tmp_path / "worker.log").read_text()
    assert returncode == 0, output
    assert good.status is JobStatus.PROCESSING and good.total_segments is not None
    assert bad.status is JobStatus.FAILED and bad.error is not None
    assert bad.error.stage == "chunking"
    assert bad.error.reason.startswith("not a video file ffmpeg can read"), bad.error
    assert '"worker": "chunking-worker"' in output
    for queue in (stack.queue(Worker.CHUNKING), stack.dlq(Worker.CHUNKING)):
        assert queue.receive(10, wait_seconds=0) == []
