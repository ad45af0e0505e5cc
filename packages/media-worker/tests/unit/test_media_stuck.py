"""No job stays non-final: each non-final status has a bound after which the sweeper fails
the job (stage, reason, resumable by a redrive), and left-over outbox entries are delivered."""

from __future__ import annotations

from pathlib import Path

import pytest
from media_world import World

from vidpipe_aws import OutboxDeliverer, WebhookNotifier
from vidpipe_aws.fakes import InMemoryQueue
from vidpipe_aws.reassembly import ReassemblyTrigger
from vidpipe_media import MediaSettings, Sweeper
from vidpipe_types import Job, JobOptions, JobStatus

S = JobStatus
BOUND = 1000.0


class Setup:
    def __init__(self, work_dir: Path) -> None:
        self.world = World(work_dir)
        self.queue = InMemoryQueue(name="reassembly")
        self.trigger = ReassemblyTrigger(self.world.jobs, self.world.completions, self.queue)
        self.settings = MediaSettings(
            sweep_stale_seconds=300,
            stuck_created_seconds=BOUND,
            stuck_chunking_seconds=BOUND,
            stuck_processing_seconds=BOUND,
            stuck_reassembling_seconds=BOUND,
        )
        self.outbox = OutboxDeliverer(
            self.world.jobs, WebhookNotifier(None), clock=self.world.clock
        )
        self.sweeper = Sweeper(
            self.world.jobs, self.trigger, self.settings, self.world.clock, outbox=self.outbox
        )


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return Setup(tmp_path)


def job_in(setup: Setup, status: JobStatus) -> None:
    world = setup.world
    world.jobs.create_if_absent(Job.new("j1", "in", "input/j1.mp4", JobOptions(), world.clock()))
    path = {
        S.CREATED: [],
        S.CHUNKING: [S.CHUNKING],
        S.PROCESSING: [S.CHUNKING, S.PROCESSING],
        S.REASSEMBLING: [S.CHUNKING, S.PROCESSING],
    }[status]
    current = S.CREATED
    for step in path:
        fields = {"total_segments": 2} if step is S.PROCESSING else {}
        world.jobs.transition("j1", from_statuses={current}, to_status=step, **fields)
        current = step
    if status is S.REASSEMBLING:
        world.jobs.claim_reassembly("j1", "media-1:m:x", 60)


@pytest.mark.parametrize(
    ("status", "stage", "queue"),
    [
        (S.CREATED, "chunking", "chunking"),
        (S.CHUNKING, "chunking", "chunking"),
        (S.PROCESSING, "processing", "video"),
        (S.REASSEMBLING, "reassembling", "reassembly"),
    ],
)
def test_a_job_that_does_not_move_past_its_bound_is_failed_and_resumable(
    setup: Setup, status: JobStatus, stage: str, queue: str
) -> None:
    job_in(setup, status)
    setup.world.clock.advance(BOUND - 1)
    assert setup.sweeper.fail_stuck() == []

    setup.world.clock.advance(2)
    assert setup.sweeper.fail_stuck() == ["j1"]

    job = setup.world.job("j1")
    assert job.status is S.FAILED and job.error is not None
    assert job.error.stage == stage
    assert f"{stage} made no progress for" in job.error.reason
    assert f"on the {queue} dead-letter queue" in job.error.reason
    assert (job.error.dead_letter_queue, job.error.resume_status) == (queue, status)
    assert setup.world.jobs.reopen("j1") is not None
    assert setup.world.job("j1").status is status


def test_a_live_lease_is_movement(setup: Setup) -> None:
    job_in(setup, S.PROCESSING)
    setup.world.clock.advance(BOUND + 1)
    setup.world.jobs.claim_reassembly("j1", "media-1:m:y", 3600)
    setup.world.clock.advance(BOUND + 1)  # the record has not changed, but the lease is live

    assert setup.sweeper.fail_stuck() == []


def test_the_sweep_delivers_outbox_entries_a_killed_worker_left(setup: Setup) -> None:
    job_in(setup, S.PROCESSING)  # wrote the job.processing webhook; nobody delivered it
    setup.world.clock.advance(301)

    setup.sweeper.sweep_once()

    assert setup.world.job("j1").outbox == {}
