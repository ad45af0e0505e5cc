"""The pipeline in containers: the cli image provisions, the chunking-, video- and media-worker
images each run in their own container (host network), the cli image submits a real video and
waits; then the outputs are checked, and every container's health check, user and SIGTERM stop.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from vidpipe_aws.local_aws import free_loopback_port
from vidpipe_aws.targets import AwsTarget
from vidpipe_cli import local_clients, sample_video
from vidpipe_cli.local_stack import FAKE_CREDENTIALS
from vidpipe_ffmpeg import probe
from vidpipe_types import StackNames

from .podman import env_args, image, inspect, podman

pytestmark = [pytest.mark.containers, pytest.mark.e2e, pytest.mark.slow]

PREFIX = "vidpipe-ctr"
WORKERS = ("chunking-worker", "video-worker", "media-worker")
#: What `podman stop` waits before SIGKILL: the workers' drain must fit well inside it.
STOP_TIMEOUT = 30
REGION = "us-east-1"


@pytest.fixture(scope="module")
def aws():
    """The lane's AWS: LocalStack for S3 and SQS when VIDPIPE_AWS_TARGET names it, DynamoDB on
    a moto server of this process (loopback; the containers share the host network). No proxy:
    the containers reach the endpoints themselves."""
    chosen = AwsTarget.from_environment()
    target = AwsTarget(
        chosen.external_url,
        external_services=chosen.external_services or ("s3", "sqs"),
        proxy=False,
    )
    target.start()
    clients = local_clients(target.env(), REGION)
    if target.external_url:
        target.clear_stack(clients, StackNames(prefix=PREFIX))
    try:
        yield target, clients
    finally:
        target.stop()


def _provision(endpoint_env: dict[str, str]) -> dict[str, str]:
    """`vidpipe provision` in the cli image; its printed environment, parsed."""
    run_id = uuid.uuid4().hex[:8]
    result = podman(
        "run",
        "--rm",
        "--network",
        "host",
        "--name",
        f"{PREFIX}-provision-{run_id}",
        *env_args(
            {
                **endpoint_env,
                **FAKE_CREDENTIALS,
                "AWS_REGION": REGION,
                "VIDPIPE_STACK_PREFIX": PREFIX,
            }
        ),
        image("cli"),
        "provision",
    )
    env = {}
    for line in result.stdout.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.isidentifier():
            env[name] = value
    return env


def _wait_healthy(name: str, deadline: float) -> None:
    while True:
        state = inspect(name)["State"]
        assert state["Status"] == "running", podman("logs", name, check=False).stdout[-3000:]
        if podman("healthcheck", "run", name, check=False).returncode == 0:
            return
        assert time.monotonic() < deadline, f"{name} never became healthy"
        time.sleep(1)


def _uid_of(name: str) -> int:
    """The real uid of the container's main process, read on the host."""
    pid = inspect(name)["State"]["Pid"]
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid line for pid {pid}")


def test_pipeline_runs_in_containers(aws, tmp_path):
    target, clients = aws
    env = _provision(target.env())
    # What provision printed starts every worker: local credentials, health on a port each.
    assert env["AWS_ACCESS_KEY_ID"] and env["HEALTH_PORT"] == "0"
    assert env["VIDEO_QUEUE_URL"].endswith(f"{PREFIX}-video")

    run_id = uuid.uuid4().hex[:8]
    names = {worker: f"{PREFIX}-{worker}-{run_id}" for worker in WORKERS}
    ports = {}
    started: list[str] = []
    try:
        for worker in WORKERS:
            ports[worker] = free_loopback_port()
            podman(
                "run",
                "-d",
                "--network",
                "host",
                "--name",
                names[worker],
                "--stop-timeout",
                str(STOP_TIMEOUT),
                *env_args(
                    {
                        **env,
                        "HEALTH_PORT": str(ports[worker]),
                        "SEGMENT_SECONDS": "2",
                        "WAIT_TIME_SECONDS": "2",
                        "SHUTDOWN_GRACE_SECONDS": "20",
                    }
                ),
                image(worker),
            )
            started.append(names[worker])
        deadline = time.monotonic() + 180
        for worker in WORKERS:
            _wait_healthy(names[worker], deadline)
            config = inspect(names[worker])["Config"]
            assert config["User"] == "10001"
            assert "Healthcheck" in config and config["Healthcheck"]["Test"], "HEALTHCHECK lost"
            assert _uid_of(names[worker]) == 10001

        video = sample_video("bikes.mp4")
        job_id = f"job-ctr{run_id}"
        submit = podman(
            "run",
            "--rm",
            "--network",
            "host",
            "--name",
            f"{PREFIX}-submit-{run_id}",
            "-v",
            f"{video.parent}:/samples:ro",
            *env_args({**env, "HEALTH_PORT": "-1"}),
            image("cli"),
            "submit",
            "/samples/bikes.mp4",
            "--job-id",
            job_id,
            "--wait",
            "--timeout",
            "300",
            timeout=400,
        )
        assert f"{job_id}" in submit.stdout + submit.stderr

        names_ = StackNames(prefix=PREFIX)
        outputs = tmp_path / "out"
        outputs.mkdir()
        prefix = f"jobs/{job_id}/"
        keys = {
            item["Key"]
            for item in clients.s3.list_objects_v2(Bucket=names_.output_bucket, Prefix=prefix)[
                "Contents"
            ]
        }
        for name in ("final.mp4", "thumbnail.jpg", "metadata.json"):
            assert prefix + name in keys
            clients.s3.download_file(names_.output_bucket, prefix + name, str(outputs / name))
        final = probe(outputs / "final.mp4")
        source = probe(video)
        assert abs(final.duration - source.duration) < 0.1
        assert final.video is not None and source.video is not None
        assert (final.video.width, final.video.height) == (source.video.width, source.video.height)
        metadata = json.loads((outputs / "metadata.json").read_text())
        assert metadata["job_id"] == job_id
        assert (outputs / "thumbnail.jpg").read_bytes()[:2] == b"\xff\xd8"

        # SIGTERM: every worker drains and exits 0 before the stop timeout (no SIGKILL).
        for worker in WORKERS:
            podman("stop", "--time", str(STOP_TIMEOUT), names[worker], timeout=STOP_TIMEOUT + 30)
            state = inspect(names[worker])["State"]
            logs = podman("logs", names[worker], check=False)
            assert state["Status"] == "exited"
            assert state["ExitCode"] == 0, (logs.stdout + logs.stderr)[-3000:]
    finally:
        for name in started:
            podman("rm", "-f", "-t", "0", name, check=False)
