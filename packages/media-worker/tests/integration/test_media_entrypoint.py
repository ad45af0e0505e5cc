"""`vidpipe-media-worker` as its own process: settings from the environment, the sweeper
thread, the runner on the reassembly queue, the webhook, and a clean exit on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from media_stack import Stack

from vidpipe_aws.testing import MotoServer
from vidpipe_testkit import WebhookReceiver
from vidpipe_types import JobStatus

pytestmark = pytest.mark.integration


def test_the_worker_process_sweeps_a_stuck_job_to_completion(
    stack: Stack,
    moto_server: MotoServer,
    webhook_receiver: WebhookReceiver,
    bikes_path: Path,
    tmp_path: Path,
) -> None:
    # All segments done but no reassembly request was ever sent (a worker died before the
    # send): only the sweeper can finish this job.
    stack.processed_job("job-stuck", bikes_path, tmp_path / "split", segment_seconds=3.0)
    env = {
        **os.environ,
        **stack.provisioned.env(),
        "AWS_ENDPOINT_URL": moto_server.endpoint_url,
        "AWS_REGION": "us-east-1",
        "HEALTH_PORT": "-1",
        "WAIT_TIME_SECONDS": "1",
        "SHUTDOWN_GRACE_SECONDS": "10",
        "SWEEP_INTERVAL_SECONDS": "0.5",
        "SWEEP_STALE_SECONDS": "0",
        "CALLBACK_URL": webhook_receiver.url,
        "WORK_DIR": str(tmp_path / "work"),
        "WORKER_ID": "media-proc",
    }
    script = Path(sys.executable).with_name("vidpipe-media-worker")
    with (tmp_path / "worker.log").open("wb") as log:
        process = subprocess.Popen([str(script)], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            job = None
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                job = stack.jobs.get("job-stuck")
                if job is not None and job.status.is_final:
                    break
                time.sleep(0.2)
            process.send_signal(signal.SIGTERM)
            returncode = process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    output = (tmp_path / "worker.log").read_text()

    assert job is not None and job.status is JobStatus.COMPLETED, output
    assert returncode == 0, output
    assert set(job.outputs) == {"final", "thumbnail", "metadata"}
    # The job's `processing` event was left in its outbox by the set-up (nobody delivered it):
    # the sweeper delivers it first, then the completion's. Delivery is at least once (the
    # sweeper's thread and the handler's can both send an entry before either clears it), so
    # receivers dedupe by event id, and so does this check.
    unique = {e["id"]: e for e in webhook_receiver.events}.values()
    assert [(e["job_id"], e["status"]) for e in unique] == [
        ("job-stuck", "processing"),
        ("job-stuck", "completed"),
    ]
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any(line.get("worker") == "media-worker" for line in lines)
    assert list((tmp_path / "work").iterdir()) == []
