"""The reassembly trigger: decide from stored records whether a job is ready to be joined.

It writes no "triggered" flag before sending: such a flag, left behind by a crash between the
write and the send, would block the job forever. Instead the trigger may run any number of
times and may send duplicates; the media-worker's lease absorbs them. See
docs/reassembly-protocol.md.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from vidpipe_aws.faults import fault_point
from vidpipe_types.payloads import ReassemblyPayload, ReassemblyReason

if TYPE_CHECKING:
    from vidpipe_aws.completions import SegmentCompletionStore
    from vidpipe_aws.jobs import JobStore
    from vidpipe_aws.queue import Queue
    from vidpipe_types.job import Job

logger = logging.getLogger(__name__)


class ReassemblyTrigger:
    """Run after a completion is written, after chunking records the total, and by the sweeper."""

    def __init__(
        self,
        jobs: JobStore,
        completions: SegmentCompletionStore,
        reassembly_queue: Queue,
    ) -> None:
        self._jobs = jobs
        self._completions = completions
        self._queue = reassembly_queue

    def evaluate(self, job_id: str, reason: ReassemblyReason, *, known: Job | None = None) -> bool:
        """Send a ReassemblyPayload when every segment of the job has completed.

        True when it sent. Idempotent in effect: calling it again sends again (a duplicate the
        lease absorbs) but changes no decision.

        `known`: the job as the caller read it while handling this message. When it already
        has its total (which never changes once recorded), it is used instead of reading the
        job again: a status gone final since costs at most one request the media-worker drops.
        """
        usable = known is not None and known.total_segments is not None
        job = known if usable and known is not None else self._jobs.get(job_id)
        if job is None or job.status.is_final:
            logger.debug("reassembly of %s not needed: job %s", job_id, job and job.status)
            return False
        total = job.total_segments
        if total is None:
            # Chunking has not recorded the total yet; it evaluates again when it does, so the
            # completions stored meanwhile are counted then.
            logger.debug("reassembly of %s waits: total not known yet", job_id)
            return False
        completed = self._completions.count(job_id)
        self._jobs.record_progress(job_id, min(completed, total), known=job)
        if completed < total:
            logger.debug("reassembly of %s waits: %d of %d segments", job_id, completed, total)
            return False
        payload = ReassemblyPayload(job_id=job_id, total_segments=total, reason=reason)
        fault_point("reassembly.decided")
        self._queue.send(payload.model_dump_json())
        logger.info("reassembly of %s requested (%s): %d segments", job_id, reason, total)
        return True
