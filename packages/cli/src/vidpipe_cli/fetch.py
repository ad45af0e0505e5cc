"""Downloading what a job left in the output bucket."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidpipe_cli.errors import JobNotFoundError, UsageError, VidpipeCliError
from vidpipe_types import is_safe_key, is_valid_job_id, job_output_prefix

if TYPE_CHECKING:
    from pathlib import Path

    from vidpipe_cli.target import Target

SEGMENTS_FOLDER = "segments/"


def fetch_outputs(
    target: Target, job_id: str, dest: Path, *, include_segments: bool = False
) -> list[Path]:
    """Download every object under `jobs/{job_id}/` into `dest`, keeping relative paths.

    The processed segments (`segments/`) are left out unless `include_segments`. Returns the
    files written, in key order.
    """
    if not is_valid_job_id(job_id):
        raise UsageError(f"invalid job id {job_id!r}")
    prefix = job_output_prefix(job_id)
    bucket = target.names.output_bucket
    root = dest.resolve()
    written: list[Path] = []
    for key in target.storage.list_keys(bucket, prefix):
        relative = key[len(prefix) :]
        if not include_segments and relative.startswith(SEGMENTS_FOLDER):
            continue
        path = (root / relative).resolve()
        # Keys come from a bucket others may write to: never write outside `dest`.
        if not is_safe_key(relative) or not path.is_relative_to(root):
            continue
        target.storage.download_file(bucket, key, path)
        written.append(path)
    if not written:
        raise _nothing_to_fetch(target, job_id)
    return written


def _nothing_to_fetch(target: Target, job_id: str) -> VidpipeCliError:
    job = target.jobs.get(job_id)
    if job is None:
        return JobNotFoundError(f"no job {job_id} and no outputs for it")
    return VidpipeCliError(f"job {job_id} has no outputs yet (status: {job.status.value})")
