"""The sweeper: the last line of recovery for jobs whose reassembly was never requested or died.

Every path that requests reassembly can be cut short: a worker killed between writing the last
completion and sending, a reassembly message sent to the dead-letter queue, a media-worker
killed while holding the lease. The sweeper looks for jobs that are still `processing` or
`reassembling`, have not changed for SWEEP_STALE_SECONDS and hold no live lease, and runs the
reassembly trigger on them again. The trigger decides from the stored records, so a job that is
merely slow (segments still running) is counted and left alone.

Two more duties make "no job stays non-final" hold:

- every non-final status has a bound (`STUCK_<STATUS>_SECONDS`): a job that has not moved for
  longer than its stage can take is failed with the stage and a reason naming the bound and
  the queue whose dead letters would hold its message; such a failure remembers that queue,
  so `vidpipe dlq redrive` of it reopens the job (`JobStore.reopen`);
- with an `OutboxDeliverer`, pending outbox entries older than SWEEP_STALE_SECONDS (webhooks,
  detection requests, promotions a killed worker left behind) are delivered.

It depends on the JobStore, the trigger and the deliverer only, so the media-worker runs it on
a thread and the `vidpipe sweep` command can run it once.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import TYPE_CHECKING

from vidpipe_aws import AwsAdapterError
from vidpipe_types import JobStatus, utc_now

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from vidpipe_aws import JobStore, OutboxDeliverer, ReassemblyTrigger
    from vidpipe_media.settings import MediaSettings
    from vidpipe_types import Job

logger = logging.getLogger(__name__)

SWEPT_STATUSES = (JobStatus.PROCESSING, JobStatus.REASSEMBLING)
#: Per non-final status: the stage named in the failure and the queue its message is on.
BOUNDED: dict[JobStatus, tuple[str, str]] = {
    JobStatus.CREATED: ("chunking", "chunking"),
    JobStatus.CHUNKING: ("chunking", "chunking"),
    JobStatus.PROCESSING: ("processing", "video"),
    JobStatus.REASSEMBLING: ("reassembling", "reassembly"),
}


def lease_is_live(job: Job, now: datetime) -> bool:
    until = job.reassembly_lease_until
    return job.reassembly_lease_owner is not None and until is not None and until > now


class Sweeper:
    """Re-runs the reassembly trigger for stale jobs; see the module docstring."""

    def __init__(
        self,
        jobs: JobStore,
        trigger: ReassemblyTrigger,
        settings: MediaSettings,
        clock: Callable[[], datetime] = utc_now,
        outbox: OutboxDeliverer | None = None,
    ) -> None:
        self._jobs = jobs
        self._trigger = trigger
        self._outbox = outbox
        self._bounds = settings.stuck_bounds()
        self._stale = timedelta(seconds=settings.sweep_stale_seconds)
        self._interval = settings.sweep_interval_seconds
        self._clock = clock

    def stale_jobs(self) -> list[Job]:
        """Jobs the sweeper would re-trigger now."""
        now = self._clock()
        found: list[Job] = []
        for status in SWEPT_STATUSES:
            # Read every page before triggering: the trigger updates the records this query
            # pages through (progress, updated_at).
            for job in self._jobs.list_by_status(status, updated_before=now - self._stale):
                if not lease_is_live(job, now):
                    found.append(job)
        return found

    def sweep_once(self) -> int:
        """Fail stuck jobs, deliver left-over outbox entries, and run the trigger on every
        stale job; return how many reassembly requests were sent.

        One job's failure (throttling, a record that changed meanwhile) is logged and does not
        stop the sweep of the others.
        """
        self.fail_stuck()
        if self._outbox is not None:
            try:
                self._outbox.sweep(min_age=self._stale)
            except AwsAdapterError:
                logger.exception("sweeper could not list pending outbox entries")
        sent = 0
        for job in self.stale_jobs():
            try:
                if self._trigger.evaluate(job.job_id, "sweeper"):
                    sent += 1
                    logger.warning(
                        "sweeper re-requested reassembly of stale job %s (%s since %s)",
                        job.job_id,
                        job.status,
                        job.updated_at.isoformat(),
                    )
            except AwsAdapterError:
                logger.exception("sweeper could not evaluate job %s", job.job_id)
        return sent

    def fail_stuck(self) -> list[str]:
        """Fail every job that has not moved for longer than its status's bound; the ids."""
        now = self._clock()
        failed: list[str] = []
        for status, (stage, queue) in BOUNDED.items():
            bound = self._bounds[status]
            for job in list(self._jobs.list_by_status(status, updated_before=now - bound)):
                if lease_is_live(job, now):
                    continue  # a reassembly under a live lease is moving
                still = now - job.updated_at
                reason = (
                    f"{stage} made no progress for {still.total_seconds():.0f} s "
                    f"(over STUCK_{status.value.upper()}_SECONDS={bound.total_seconds():.0f}, "
                    f"last step: {job.stage}); its message may be on the {queue} "
                    "dead-letter queue: redrive it after a fix to resume the job"
                )
                try:
                    if self._jobs.fail(job.job_id, stage, reason, dead_letter_queue=queue):
                        failed.append(job.job_id)
                        logger.error("stuck job %s failed: %s", job.job_id, reason)
                        if self._outbox is not None:
                            self._outbox.deliver_soon(job.job_id)
                except AwsAdapterError:
                    logger.exception("sweeper could not fail stuck job %s", job.job_id)
        return failed

    def run_until(self, stop: threading.Event) -> None:
        """Sweep every SWEEP_INTERVAL_SECONDS until `stop` is set; an error never ends it."""
        if self._interval <= 0:
            return
        while not stop.wait(self._interval):
            try:
                self.sweep_once()
            except Exception:
                # A thread that dies here would silently end all recovery for this process.
                logger.exception("sweep failed; trying again in %.0f s", self._interval)

    def start(self, stop: threading.Event | None = None) -> threading.Thread:
        """Run `run_until` on a daemon thread, which ends with the process (or with `stop`)."""
        thread = threading.Thread(
            target=self.run_until,
            args=(stop or threading.Event(),),
            name="reassembly-sweeper",
            daemon=True,
        )
        thread.start()
        return thread
