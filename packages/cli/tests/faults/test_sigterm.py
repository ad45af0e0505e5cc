"""SIGTERM in the middle of a segment (ECS scale-in, a deploy): the message is either drained
(the handler finishes within SHUTDOWN_GRACE_SECONDS) or released for another worker, never
lost. The worker exits 0 and is replaced; the job completes once.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from .harness import fault_stack

pytestmark = [pytest.mark.faults, pytest.mark.slow]


@pytest.mark.parametrize(
    ("grace", "expected_line"),
    [
        # The handler (held 3 s at video.downloaded) finishes inside the grace period.
        ("10", "draining"),
        # It cannot: the message is made visible again at once and the process exits.
        ("1", "still running when the shutdown grace period ended"),
    ],
    ids=["drained", "released"],
)
def test_sigterm_during_work_loses_nothing(tmp_path, small_video, grace, expected_line):
    env = {
        "VIDPIPE_FAULT_POINT": "video.downloaded",
        "VIDPIPE_FAULT_ACTION": "pause:3",
        "VIDPIPE_FAULT_TIMES": "1",
        "SHUTDOWN_GRACE_SECONDS": grace,
    }
    with fault_stack(tmp_path, prefix=f"vidpipe-term{grace}", env=env) as faults:
        job_id = faults.submit(small_video, f"term-{grace}")
        marker = faults.fault_dir / "video.downloaded.1"
        deadline = time.monotonic() + 60
        while not marker.exists() or not marker.read_text().strip():
            assert time.monotonic() < deadline, "no video-worker reached video.downloaded"
            time.sleep(0.05)
        pid = int(marker.read_text().split()[0])
        os.kill(pid, signal.SIGTERM)

        faults.wait_final([job_id], timeout=90)
        faults.wait_queues_empty()
        faults.check_completed_once(job_id, tmp_path / "out")
        faults.check_no_dead_letters()

        # The worker stopped by itself, cleanly, and was replaced.
        assert [(r.worker, r.returncode) for r in faults.supervisor.restarts] == [("video", 0)]
        video_lines = [line for line in faults.log_lines() if line.get("worker") == "video-worker"]
        assert any(expected_line in str(line.get("message")) for line in video_lines)
