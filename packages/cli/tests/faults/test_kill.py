"""kill -9 at every interesting point over a batch of jobs; each killed worker is restarted.

Every point in KILL_POINTS fires once (VIDPIPE_FAULT_DIR holds the budget, shared by the
restarted processes), on whichever job reaches it first. Afterwards every job is completed
exactly once: final.mp4 right by ffprobe, one completion per segment, one "completed"
webhook, nothing on a dead-letter queue, no job left in a non-final state.
"""

from __future__ import annotations

import pytest

from .harness import KILL_POINTS, fault_stack

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def test_kill_9_at_every_point_then_every_job_completes_once(
    tmp_path, small_video, keyframed_video
):
    env = {"VIDPIPE_FAULT_POINT": ",".join(KILL_POINTS), "VIDPIPE_FAULT_TIMES": "1"}
    with fault_stack(tmp_path, prefix="vidpipe-kill", env=env) as faults:
        sources = [small_video, keyframed_video, small_video, small_video]
        job_ids = [faults.submit(src, f"kill-{n}") for n, src in enumerate(sources)]

        faults.wait_final(job_ids, timeout=150)
        faults.wait_queues_empty()

        # Every point fired once, and each firing was a SIGKILL the supervisor answered.
        assert faults.fired() == sorted(KILL_POINTS)
        assert len(faults.supervisor.kills()) == len(KILL_POINTS)
        for job_id in job_ids:
            faults.check_completed_once(job_id, tmp_path / "out")
        faults.check_no_dead_letters()
