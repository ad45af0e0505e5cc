"""`vidpipe sweep`: one pass of the media-worker's sweeper, from a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidpipe_aws import ReassemblyTrigger, SqsQueue
from vidpipe_types import Worker

if TYPE_CHECKING:
    from vidpipe_cli.target import Target


def run_sweep(target: Target, *, stale_seconds: float | None = None) -> int:
    """Re-run the reassembly trigger on stale jobs; return how many requests were sent.

    Staleness is SWEEP_STALE_SECONDS (the media-worker's setting) unless `stale_seconds`.
    """
    # The media-worker's own code, so the command and the worker's thread cannot disagree.
    from vidpipe_media import MediaSettings, Sweeper

    settings = MediaSettings()
    if stale_seconds is not None:
        settings = settings.model_copy(update={"sweep_stale_seconds": stale_seconds})
    queue = SqsQueue(target.clients.sqs, target.queue_url(Worker.REASSEMBLY))
    trigger = ReassemblyTrigger(target.jobs, target.completions, queue)
    return Sweeper(target.jobs, trigger, settings).sweep_once()
