"""`vidpipe demo`: the whole pipeline on this machine, on a real sample video, in one command."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.markup import escape

from vidpipe_cli.fetch import fetch_outputs
from vidpipe_cli.follow import follow_job
from vidpipe_cli.local_stack import (
    CHUNKING_WORKER,
    MEDIA_WORKER,
    VIDEO_WORKER,
    LocalStack,
    WorkerSpec,
    file_sinks,
)
from vidpipe_cli.samples import sample_video
from vidpipe_cli.submit import new_job_id, submit_file
from vidpipe_cli.summary import demo_summary
from vidpipe_types import JobOptions, JobStatus

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console

    from vidpipe_types import Mode

#: Short segments, so that a 10 s sample becomes several segments processed in parallel.
DEMO_SEGMENT_SECONDS = 2.0


def run_demo(
    console: Console,
    *,
    video: Path | None,
    mode: Mode,
    out_dir: Path,
    video_workers: int = 1,
    timeout: float = 300.0,
    segment_seconds: float | None = DEMO_SEGMENT_SECONDS,
    prefix: str = "vidpipe",
    video_worker: WorkerSpec = VIDEO_WORKER,
    options: JobOptions | None = None,
    detection: WorkerSpec | None = None,
    detection_workers: int = 1,
) -> int:
    """Start the local stack, run one job, download its outputs, print a summary, stop.

    `video_worker` is the video-worker to run (`sam2_video_worker(...)` for `mode=sam2`);
    `options` the job's options beyond `mode` (prompts, analysis, detect); `detection` the
    detection-worker to run for a job that asks for detection.

    Returns the exit status: 0 when the job completed, 1 when it failed. Timeouts and dead
    workers raise (a VidpipeCliError); the stack is stopped in every case, Ctrl-C included.
    """
    started = time.monotonic()
    source = video if video is not None else sample_video()
    job_id = new_job_id()
    job_dir = out_dir / job_id
    log_dir = job_dir / "logs"
    workers = [(CHUNKING_WORKER, 1), (video_worker, video_workers), (MEDIA_WORKER, 1)]
    if detection is not None:
        workers.append((detection, detection_workers))
    stack = LocalStack(
        prefix=prefix,
        workers=workers,
        log_sink=file_sinks(log_dir),
        worker_env={} if segment_seconds is None else {"SEGMENT_SECONDS": str(segment_seconds)},
    )
    with console.status("starting the local stack: moto server, resources, workers"):
        stack.start()
    try:
        console.print(
            f"local AWS (moto) at [bold]{stack.endpoint_url}[/]; workers: "
            + ", ".join(f"{w.name} (pid {w.pid})" for w in stack.workers)
        )
        target = stack.target()
        chosen = (options or JobOptions()).model_copy(update={"mode": mode})
        submission = submit_file(target, source, options=chosen, job_id=job_id)
        console.print(
            f"uploaded {escape(source.name)} to s3://{submission.bucket}/{escape(submission.key)} "
            f"as job [bold]{job_id}[/] (mode {mode.value})"
        )
        job = follow_job(target, job_id, console, timeout=timeout, check=stack.check_workers)
        if job.status is not JobStatus.COMPLETED:
            reason = job.error.reason if job.error else "no reason recorded"
            stage = job.error.stage if job.error else job.stage
            console.print(f"[red]job {job_id} failed in stage {escape(stage)}: {escape(reason)}[/]")
            console.print(f"worker logs: {escape(str(log_dir))}")
            return 1
        files = fetch_outputs(target, job_id, job_dir)
        wall = time.monotonic() - started
        console.print(
            demo_summary(job, source=source, files=files, log_dir=log_dir, wall_seconds=wall)
        )
        return 0
    finally:
        with console.status("stopping the workers and the local AWS"):
            stack.stop()
