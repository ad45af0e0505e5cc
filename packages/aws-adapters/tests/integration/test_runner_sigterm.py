"""SIGTERM to a real worker process mid-job: it drains, exits 0, and loses no message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vidpipe_aws.clients import AwsClients
from vidpipe_aws.sqs import SqsQueue
from vidpipe_aws.testing import MotoServer

pytestmark = pytest.mark.integration

WORKER = Path(__file__).with_name("sleepy_worker.py")


def run_until_sigterm(
    moto_server: MotoServer, queue_url: str, markers: Path, *, job_seconds: float, grace: float
) -> tuple[int, list[dict[str, object]]]:
    """Start the worker, SIGTERM it once its job started; its exit code and JSON log lines."""
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": moto_server.endpoint_url,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "SLEEPY_QUEUE_URL": queue_url,
        "SLEEPY_MARKER_DIR": str(markers),
        "SLEEPY_SECONDS": str(job_seconds),
        "WORKER_NAME": "sleepy",
        "WAIT_TIME_SECONDS": "1",
        # Long enough that only an explicit release can make the message visible again
        # before the test ends.
        "VISIBILITY_TIMEOUT_SECONDS": "120",
        "SHUTDOWN_GRACE_SECONDS": str(grace),
        "HEALTH_PORT": "-1",
    }
    process = subprocess.Popen(
        [sys.executable, str(WORKER)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (markers / "started").exists():
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "the worker never started its job"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert process.returncode == 0, stderr
    return process.returncode, lines


@pytest.fixture
def queue(aws_clients: AwsClients) -> SqsQueue:
    url = aws_clients.sqs.create_queue(QueueName="vidpipe-sleepy")["QueueUrl"]
    return SqsQueue(aws_clients.sqs, url)


def test_a_job_that_fits_the_grace_period_finishes_and_is_deleted(
    moto_server: MotoServer, queue: SqsQueue, aws_clients: AwsClients, tmp_path: Path
) -> None:
    message_id = queue.send("short job")

    code, lines = run_until_sigterm(moto_server, queue.url, tmp_path, job_seconds=2, grace=20)

    assert code == 0
    assert (tmp_path / "finished").read_text() == message_id
    attributes = aws_clients.sqs.get_queue_attributes(
        QueueUrl=queue.url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert attributes == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
    }
    finished = [line for line in lines if line.get("message") == "message finished"]
    assert [(line["outcome"], line["message_id"]) for line in finished] == [("success", message_id)]


def test_a_job_longer_than_the_grace_period_is_released_for_another_worker(
    moto_server: MotoServer, queue: SqsQueue, tmp_path: Path
) -> None:
    message_id = queue.send("long job")

    code, lines = run_until_sigterm(moto_server, queue.url, tmp_path, job_seconds=60, grace=0.5)

    assert code == 0
    assert not (tmp_path / "finished").exists()
    (again,) = queue.receive(1, 0)
    assert (again.message_id, again.receive_count) == (message_id, 2)
    assert any("released" in str(line.get("message")) for line in lines)
    assert lines[-1]["message"] == "runner stopped"
