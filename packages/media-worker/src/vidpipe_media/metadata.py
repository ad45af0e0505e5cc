"""The content of ``metadata.json``: facts about the final video and the job that made it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vidpipe_types import format_utc

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime, timedelta

    from vidpipe_types import Job

#: Stages a job passes through before it completes, in order; each one's time runs until the
#: next stage that has a timestamp (a stage can be skipped, e.g. created -> processing).
STAGE_ORDER = ("created", "chunking", "processing", "reassembling")


def stage_timings(stamps: Mapping[str, datetime], completed_at: datetime) -> dict[str, float]:
    """Seconds spent in each stage (``created`` is the wait for the chunking-worker), and
    ``total`` from the first stamp to ``completed_at``."""
    order = [stage for stage in STAGE_ORDER if stage in stamps]
    timings: dict[str, float] = {}
    for position, stage in enumerate(order):
        end = stamps[order[position + 1]] if position + 1 < len(order) else completed_at
        timings[stage] = _seconds(end - stamps[stage])
    if order:
        timings["total"] = _seconds(completed_at - stamps[order[0]])
    return timings


def build_metadata(
    job: Job,
    media: Mapping[str, Any],
    *,
    segment_count: int,
    completed_at: datetime,
    primary_image: str | None = None,
) -> dict[str, Any]:
    """``media`` (from ``vidpipe_ffmpeg.media_metadata``) plus the job's identity and timings,
    and ``primary_image`` (the key of the job's chosen frame crop) when it has one."""
    document: dict[str, Any] = {
        **media,
        "job_id": job.job_id,
        "source_bucket": job.source_bucket,
        "source_key": job.source_key,
        "segment_count": segment_count,
        "mode": job.options.mode.value,
        "created_at": format_utc(job.created_at),
        "completed_at": format_utc(completed_at),
        "timings_seconds": stage_timings(job.stage_timestamps, completed_at),
    }
    if primary_image is not None:
        document["primary_image"] = primary_image
    document.update(source_facts(job))
    if job.user_metadata:
        # The caller's own string map (the HTTP API's `metadata`), returned as it was given.
        document["user_metadata"] = dict(job.user_metadata)
    return document


def source_facts(job: Job) -> dict[str, Any]:
    """The upload's checksum and geometry as the chunking-worker recorded them (``source``),
    and ``source_sha256`` beside the final video's ``sha256``; nothing for a job chunked
    before the record had them."""
    if job.source_media is None:
        return {}
    return {"source_sha256": job.source_media.sha256, "source": job.source_media.model_dump()}


def _seconds(delta: timedelta) -> float:
    # Clocks of different workers can disagree a little: never report a negative stage.
    return round(max(0.0, delta.total_seconds()), 3)
