"""Following a job until it finishes, by polling its record, with a progress bar by stage."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from vidpipe_cli.errors import JobTimeoutError
from vidpipe_types import JobStatus

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from rich.console import Console

    from vidpipe_cli.target import Target
    from vidpipe_types import Job

_STAGE_TEXT = {
    JobStatus.CREATED: "job created",
    JobStatus.CHUNKING: "chunking: probing and splitting",
    JobStatus.PROCESSING: "processing segments",
    JobStatus.REASSEMBLING: "reassembling final.mp4",
    JobStatus.COMPLETED: "completed",
    JobStatus.FAILED: "failed",
    JobStatus.CANCELLED: "cancelled",
}
WAITING_TEXT = "uploaded: waiting for the chunking-worker"


def describe_stage(job: Job | None) -> str:
    if job is None:
        return WAITING_TEXT
    text = _STAGE_TEXT[job.status]
    if job.status.is_final and not job.finished:
        # The video path is done; say which optional stage the job still waits for.
        waiting = [r for r in job.stage_reports() if not r.state.ended]
        text += "; waiting for " + ", ".join(f"{r.name.value} ({r.state.value})" for r in waiting)
    return text


def segments_text(job: Job | None) -> str:
    if job is None or job.total_segments is None:
        return ""
    return f"{job.completed_segments}/{job.total_segments} segments"


def wait_for_job(
    target: Target,
    job_id: str,
    *,
    timeout: float,
    poll_interval: float = 0.5,
    on_update: Callable[[Job | None], None] | None = None,
    check: Callable[[], None] | None = None,
) -> Job:
    """Poll the job record until every stage the job asked for has ended (`Job.finished`:
    the video path completed, with its outputs at their keys, or failed, and detection/analysis
    completed, failed or skipped) and return it.

    `check` runs on every poll (the local stack raises there when a worker died). Raises
    JobTimeoutError, naming the stage the job was stuck in, after `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        job = target.jobs.get(job_id)
        if on_update is not None:
            on_update(job)
        if job is not None and job.status.is_final and job.finished:
            return job
        if check is not None:
            check()
        if time.monotonic() >= deadline:
            raise JobTimeoutError(_timeout_message(job_id, job, timeout))
        time.sleep(poll_interval)


def _timeout_message(job_id: str, job: Job | None, timeout: float) -> str:
    if job is None:
        return (
            f"job {job_id} did not start within {timeout:.0f} s: no job record, so the "
            "chunking-worker never picked up the upload (is it running on this stack?)"
        )
    where = f"stuck in stage {job.status.value!r}"
    segments = segments_text(job)
    if segments:
        where += f" with {segments} done"
    waiting = [r.name.value for r in job.stage_reports() if not r.state.ended]
    if job.status.is_final and waiting:
        where = (
            f"the video is {job.status.value} but {', '.join(waiting)} has not ended "
            "(is a detection-worker running on this stack? `vidpipe up --detect`)"
        )
    return f"job {job_id} did not finish within {timeout:.0f} s: {where}"


class JobProgressView:
    """A rich progress bar for one job: stage, percent, segments, elapsed time."""

    def __init__(self, console: Console, job_id: str) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.fields[job_id]}[/] {task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[segments]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self._job_id = job_id
        self._task: TaskID | None = None

    def __enter__(self) -> JobProgressView:
        self._progress.start()
        self._task = self._progress.add_task(
            WAITING_TEXT, total=100, job_id=self._job_id, segments=""
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def update(self, job: Job | None) -> None:
        if self._task is None:
            return
        self._progress.update(
            self._task,
            description=describe_stage(job),
            completed=job.progress_percent if job is not None else 0.0,
            segments=segments_text(job),
        )


def follow_job(
    target: Target,
    job_id: str,
    console: Console,
    *,
    timeout: float,
    check: Callable[[], None] | None = None,
    poll_interval: float = 0.5,
) -> Job:
    """`wait_for_job` with a progress bar on `console`."""
    with JobProgressView(console, job_id) as view:
        return wait_for_job(
            target,
            job_id,
            timeout=timeout,
            poll_interval=poll_interval,
            on_update=view.update,
            check=check,
        )
