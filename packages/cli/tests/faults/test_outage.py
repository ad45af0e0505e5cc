"""The AWS endpoint goes away for a while (the moto server stops; its port refuses connections)
and comes back on the same port with its state: workers back off and keep running, and every
job completes once when it returns.
"""

from __future__ import annotations

import time

import pytest

from vidpipe_types import JobStatus

from .harness import fault_stack

pytestmark = [pytest.mark.faults, pytest.mark.slow]

OUTAGE_SECONDS = 6.0


def test_endpoint_outage_then_jobs_finish(tmp_path, small_video, keyframed_video):
    with fault_stack(tmp_path, prefix="vidpipe-outage") as faults:
        sources = [keyframed_video, small_video, small_video]
        job_ids = [faults.submit(src, f"outage-{n}") for n, src in enumerate(sources)]
        # Cut while work is under way: the first job has been picked up.
        deadline = time.monotonic() + 30
        while (
            job := faults.target.jobs.get(job_ids[0])
        ) is None or job.status is JobStatus.CREATED:
            assert time.monotonic() < deadline
            time.sleep(0.05)

        faults.stack.interrupt_aws()
        try:
            time.sleep(OUTAGE_SECONDS)
        finally:
            faults.stack.resume_aws()

        faults.wait_final(job_ids, timeout=120)
        faults.wait_queues_empty()
        for job_id in job_ids:
            faults.check_completed_once(job_id, tmp_path / "out")
        faults.check_no_dead_letters()
        # Nobody died: every worker rode the outage out and backed off.
        assert faults.supervisor.restarts == []
        faults.stack.check_workers()
        failed_receives = {
            line.get("worker")
            for line in faults.log_lines()
            if str(line.get("message", "")).startswith("receive failed")
        }
        assert failed_receives == {"chunking-worker", "video-worker", "media-worker"}
