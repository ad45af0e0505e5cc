"""Submitting a video: an upload under `input/` whose object metadata carries the job's id and
options. The upload's S3 event starts the job; nothing else is called.

A URL is submitted as the HTTP API submits one: the job is created first (stage `importing:
queued`), then an `ImportRequest` goes to the import queue; the import worker fetches the
URL to the job's own `input/` key, whose S3 event starts the job as an upload's does.
"""

from __future__ import annotations

import mimetypes
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vidpipe_aws import FetchPolicy, RefusedUrlError, SqsQueue, check_url
from vidpipe_cli.errors import UsageError
from vidpipe_types import (
    INPUT_PREFIX,
    JOB_ID_METADATA_KEY,
    ImportRequest,
    InvalidJobOptionsError,
    Job,
    JobOptions,
    Mode,
    Worker,
    is_input_key,
    is_valid_job_id,
    utc_now,
)

if TYPE_CHECKING:
    from pathlib import Path

    from vidpipe_cli.target import Target


@dataclass(frozen=True)
class Submission:
    job_id: str
    bucket: str
    key: str
    options: JobOptions


def job_options(
    mode: Mode,
    *,
    detect: bool = False,
    detect_interval: float | None = None,
    tracker: str | None = None,
    analyze: str | None = None,
    prompt_box: str | None = None,
    prompt_point: str | None = None,
    prompt_text: str | None = None,
) -> JobOptions:
    """The options of a submission, read by the rules the workers read the upload's metadata
    with (`JobOptions.from_metadata`), so that what the CLI accepts a worker accepts too.

    Prompts (`x1,y1,x2,y2`, `x,y` in pixels of the source, or a text) say where the subject
    is for `sam2`; any other mode would ignore them, so they are refused there.
    """
    prompts = {"prompt-box": prompt_box, "prompt-point": prompt_point, "prompt-text": prompt_text}
    given = {name: value for name, value in prompts.items() if value is not None}
    if given and mode is not Mode.SAM2:
        names = ", ".join(f"--{name}" for name in given)
        raise UsageError(f"{names} only apply to --mode {Mode.SAM2.value}")
    metadata = {"mode": mode.value, "detect": "true" if detect else "false", **given}
    detection = {"detect-interval": detect_interval, "detect-tracker": tracker}
    chosen = {
        name: f"{value:g}" if isinstance(value, float) else value
        for name, value in detection.items()
        if value is not None
    }
    if chosen and not detect:
        raise UsageError("--detect-interval and --tracker apply to --detect jobs only")
    metadata.update(chosen)
    if analyze is not None:
        metadata["analyze"] = analyze
    try:
        return JobOptions.from_metadata(metadata, mode)
    except InvalidJobOptionsError as exc:
        raise UsageError(str(exc)) from exc


def new_job_id() -> str:
    return f"job-{uuid.uuid4().hex[:16]}"


def input_key_for(path: Path, key: str | None = None) -> str:
    """`input/<file name>` unless `key` is given; either must be a valid key under input/."""
    chosen = key if key is not None else f"{INPUT_PREFIX}{path.name}"
    if not is_input_key(chosen):
        raise UsageError(
            f"cannot upload to {chosen!r}: the key must be under {INPUT_PREFIX!r}, at most 1024 "
            "bytes, with no empty, '.' or '..' parts"
        )
    return chosen


#: The stage a URL job shows until the import worker takes it (the HTTP API's too).
WAITING_FOR_IMPORT = "importing: queued"


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _checked_job_id(target: Target, job_id: str | None) -> str:
    if job_id is None:
        return new_job_id()
    if not is_valid_job_id(job_id):
        raise UsageError(
            f"invalid job id {job_id!r}: use 1-64 letters, digits, '_' or '-', "
            "starting with a letter or digit"
        )
    if target.jobs.get(job_id) is not None:
        raise UsageError(f"job {job_id} already exists: choose another --job-id")
    return job_id


def submit_url(
    target: Target, url: str, *, options: JobOptions | None = None, job_id: str | None = None
) -> Submission:
    """Create a URL job and ask the import worker to fetch it. The URL is checked here first
    (the import worker checks it again, with every redirect), so that a refused URL is an
    error now instead of a failed job later."""
    try:
        check_url(url, FetchPolicy())
    except RefusedUrlError as exc:
        raise UsageError(f"cannot import {url[:200]!r}: {exc}") from None
    options = options or JobOptions()
    job_id = _checked_job_id(target, job_id)
    key = f"{INPUT_PREFIX}{job_id}/source"
    bucket = target.names.input_bucket
    job = Job.new(
        job_id, bucket, key, options, now=utc_now(), source_url=url, stage=WAITING_FOR_IMPORT
    )
    target.jobs.create_if_absent(job)
    request = ImportRequest(job_id=job_id, source_url=url, bucket=bucket, key=key)
    SqsQueue(target.clients.sqs, target.queue_url(Worker.IMPORT)).send(request.model_dump_json())
    return Submission(job_id, bucket, key, options)


def submit_file(
    target: Target,
    path: Path,
    *,
    options: JobOptions | None = None,
    job_id: str | None = None,
    key: str | None = None,
) -> Submission:
    """Upload `path` to the input bucket as a new job and return what was submitted.

    A given `job_id` must be unused: the chunking-worker treats a second upload with the same
    id as the same job, so it would never run again.
    """
    if not path.is_file():
        raise UsageError(f"{path} is not a file")
    options = options or JobOptions()
    object_key = input_key_for(path, key)
    job_id = _checked_job_id(target, job_id)
    metadata = {JOB_ID_METADATA_KEY: job_id, **options.to_metadata()}
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    target.storage.upload_file(
        path,
        target.names.input_bucket,
        object_key,
        content_type=content_type,
        metadata=metadata,
    )
    return Submission(job_id, target.names.input_bucket, object_key, options)
