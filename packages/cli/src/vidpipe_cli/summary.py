"""What a finished job looks like to a person: stage timings, outputs, durations."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from vidpipe_ffmpeg import FfmpegError, probe
from vidpipe_types import JobStatus, StageName, StageState

if TYPE_CHECKING:
    from vidpipe_types import Job, StageReport

_STAGE_ORDER = (
    JobStatus.CREATED,
    JobStatus.CHUNKING,
    JobStatus.PROCESSING,
    JobStatus.REASSEMBLING,
    JobStatus.COMPLETED,
)


def stage_timings(job: Job) -> list[tuple[str, float]]:
    """Seconds spent in each stage, from the job's stage timestamps, in pipeline order.

    A stage is timed from its own timestamp to the next recorded one; the last stage reached
    (completed or failed) has no duration and is left out.
    """
    reached = [
        (status.value, job.stage_timestamps[status.value])
        for status in _STAGE_ORDER
        if status.value in job.stage_timestamps
    ]
    if JobStatus.FAILED.value in job.stage_timestamps:
        reached.append((JobStatus.FAILED.value, job.stage_timestamps[JobStatus.FAILED.value]))
    reached.sort(key=lambda item: item[1])
    return [
        (stage, (end - start).total_seconds()) for (stage, start), (_, end) in pairwise(reached)
    ]


def job_seconds(job: Job) -> float | None:
    """Created to completed (or failed), from the record."""
    end = job.stage_timestamps.get(JobStatus.COMPLETED.value) or job.stage_timestamps.get(
        JobStatus.FAILED.value
    )
    return (end - job.created_at).total_seconds() if end is not None else None


def media_duration(path: Path) -> float | None:
    try:
        return probe(path, with_keyframes=False).duration
    except (FfmpegError, OSError):
        return None


def job_table(job: Job) -> Table:
    """The job record as a two-column table."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("job", job.job_id)
    table.add_row("status", job.status.value)
    table.add_row("stage", job.stage)
    table.add_row("progress", f"{job.progress_percent:.0f}%")
    total = job.total_segments if job.total_segments is not None else "?"
    table.add_row("segments", f"{job.completed_segments}/{total}")
    table.add_row("source", escape(f"s3://{job.source_bucket}/{job.source_key}"))
    options = f"mode={job.options.mode.value} detect={str(job.options.detect).lower()}"
    detection = job.options.detection
    if job.options.detect and detection is not None:
        options += "".join(f" {k}={v}" for k, v in sorted(detection.to_metadata().items()))
    if job.options.analyze is not None:
        options += f" analyze={job.options.analyze.value}"
    table.add_row("options", escape(options + _prompts(job)))
    table.add_row("created", job.created_at.isoformat(timespec="seconds"))
    table.add_row("updated", job.updated_at.isoformat(timespec="seconds"))
    for stage, seconds in stage_timings(job):
        table.add_row(f"  {stage}", f"{seconds:.2f} s")
    if job.error is not None:
        table.add_row("error", f"[red]{escape(job.error.stage)}: {escape(job.error.reason)}[/]")
    for report in job.stage_reports():
        table.add_row(f"stage {report.name.value}", escape(stage_text(job, report)))
    if job.analysis is not None:
        table.add_row("analysis", escape(analysis_text(job)))
    if job.detection is not None:
        for name, location in sorted(job.detection.outputs.items()):
            table.add_row(f"output {escape(name)}", escape(location))
    for name, location in sorted(job.outputs.items()):
        table.add_row(f"output {escape(name)}", escape(location))
    return table


def demo_summary(
    job: Job,
    *,
    source: Path,
    files: list[Path],
    log_dir: Path,
    wall_seconds: float,
) -> Table:
    table = Table(title=f"vidpipe demo: job {job.job_id} {job.status.value}", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    for path in files:
        table.add_row(escape(path.name), escape(display_path(path)))
    table.add_row("worker logs", escape(display_path(log_dir)))
    final = next((p for p in files if p.name == "final.mp4"), None)
    source_duration = media_duration(source)
    final_duration = media_duration(final) if final is not None else None
    table.add_row("source duration", _seconds(source_duration) + f"  ({escape(source.name)})")
    table.add_row("final duration", _seconds(final_duration))
    table.add_row("segments", str(job.total_segments or "?"))
    primary = job.outputs.get("primary_image")
    if primary is not None:
        table.add_row("primary image", escape(primary.rsplit("/", 1)[-1]))
    if job.analysis is not None:
        table.add_row("analysis", escape(analysis_text(job)))
    for stage, seconds in stage_timings(job):
        table.add_row(f"stage {stage}", f"{seconds:.2f} s")
    table.add_row("job time", _seconds(job_seconds(job)))
    table.add_row("wall time", f"{wall_seconds:.2f} s (stack start to outputs downloaded)")
    return table


def stage_text(job: Job, report: StageReport) -> str:
    """One requested stage in a line: `running 40% (2/4 parts)`, `failed: reason`."""
    text = report.state.value
    if report.state is StageState.RUNNING:
        text += f" {report.progress_percent:.0f}%"
    detection = job.detection
    if report.name is StageName.DETECTION and detection is not None:
        if detection.parts_total:
            text += f" ({detection.parts_done}/{detection.parts_total} parts)"
        if detection.frames_total:
            text += f", {detection.frames_processed} frames"
    if report.reason:
        text += f": {report.reason}"
    return text


def analysis_text(job: Job) -> str:
    """The analysis stage in a line: its state and profile, and why when it did not complete."""
    status = job.analysis
    if status is None:
        return ""
    text = f"{status.state.value} ({status.profile.value})"
    if status.reason:
        text += f": {status.reason}"
    return text


def _prompts(job: Job) -> str:
    options = job.options
    parts = []
    if options.prompt_box is not None:
        parts.append("prompt-box=" + ",".join(f"{v:g}" for v in options.prompt_box))
    if options.prompt_point is not None:
        parts.append("prompt-point=" + ",".join(f"{v:g}" for v in options.prompt_point))
    if options.prompt_text is not None:
        parts.append(f"prompt-text={options.prompt_text!r}")
    return "".join(f" {part}" for part in parts)


def display_path(path: Path) -> str:
    """`path` relative to the working directory when it lies below it (shorter to read)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _seconds(value: float | None) -> str:
    return "?" if value is None else f"{value:.3f} s"
