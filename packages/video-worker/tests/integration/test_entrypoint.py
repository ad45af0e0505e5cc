"""`python -m vidpipe_video` as its own process: settings from the environment, models loaded
before /health/ready says ready, a segment processed end to end, a clean SIGTERM shutdown."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from stack_support import create_processing_job

from vidpipe_aws import AwsContext, AwsSettings, ProvisionedStack, SqsQueue
from vidpipe_aws.testing import free_loopback_port
from vidpipe_types import Mode, ReassemblyPayload, Worker, build_segment_key

pytestmark = pytest.mark.integration

# Generous: only a limit on how long a broken worker can hang the suite, never asserted on.
STARTUP_DEADLINE_SECONDS = 60


def readiness(port: int) -> tuple[int, dict[str, object]] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except OSError:
        return None  # not listening yet


def wait_until_ready(process: subprocess.Popen[bytes], port: int) -> dict[str, object]:
    deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "the worker exited during start-up"
        answer = readiness(port)
        if answer is not None and answer[0] == 200:
            return answer[1]
        time.sleep(0.1)
    raise AssertionError("the worker never became ready")


def test_the_worker_process_handles_a_segment_and_stops_on_sigterm(
    stack_settings: AwsSettings,
    stack: ProvisionedStack,
    ctx: AwsContext,
    bikes_segment: Path,
    tmp_path: Path,
) -> None:
    port = free_loopback_port()
    env = {
        **os.environ,
        **stack.env(),
        "AWS_REGION": stack_settings.region,
        "AWS_ENDPOINT_URL": str(stack_settings.endpoint_url),
        "ENABLED_MODELS": "passthrough",
        "WORK_DIR": str(tmp_path / "work"),
        "HEALTH_PORT": str(port),
        "HEALTH_HOST": "127.0.0.1",
        "WAIT_TIME_SECONDS": "1",
        "SHUTDOWN_GRACE_SECONDS": "10",
    }
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "vidpipe_video"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        status = wait_until_ready(process, port)
        assert status["ready"] is True

        create_processing_job(ctx, "proc1", total=1, mode=Mode.PASSTHROUGH)
        key = build_segment_key("proc1", 0, 1, Mode.PASSTHROUGH)
        ctx.storage.upload_file(bikes_segment, stack.input_bucket, key)
        reassembly = SqsQueue(ctx.clients.sqs, stack.queue_url(Worker.REASSEMBLY))
        received = []
        for _ in range(6):
            received = reassembly.receive(1, wait_seconds=5)
            if received:
                break
        assert [ReassemblyPayload.model_validate_json(m.body) for m in received] == [
            ReassemblyPayload(job_id="proc1", total_segments=1, reason="completion")
        ]

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()

    lines = [json.loads(line) for line in (tmp_path / "worker.log").read_text().splitlines()]
    messages = [line["message"] for line in lines if "message" in line]
    assert "model passthrough loaded" in messages
    assert all(line.get("worker") == "video-worker" for line in lines if "message" in line)
    assert list((tmp_path / "work").iterdir()) == []
