"""The reassembly trigger, case by case, on the in-memory fakes (see reassembly-protocol.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from vidpipe_aws.fakes import InMemoryJobStore, InMemoryQueue, InMemorySegmentCompletionStore
from vidpipe_aws.reassembly import ReassemblyTrigger
from vidpipe_types.job import Job, JobOptions, JobStatus
from vidpipe_types.payloads import ReassemblyPayload, SegmentCompletion

S = JobStatus
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class World:
    jobs: InMemoryJobStore
    completions: InMemorySegmentCompletionStore
    queue: InMemoryQueue
    trigger: ReassemblyTrigger

    def create(self, job_id: str = "j1") -> None:
        job = Job.new(job_id, "vidpipe-input", f"input/{job_id}.mp4", JobOptions(), NOW)
        self.jobs.create_if_absent(job)

    def start_processing(self, job_id: str = "j1", total: int = 3) -> None:
        self.jobs.transition(
            job_id, from_statuses={S.CREATED}, to_status=S.PROCESSING, total_segments=total
        )

    def complete_segment(self, index: int, job_id: str = "j1", total: int = 3) -> bool:
        return self.completions.put(
            SegmentCompletion(
                job_id=job_id,
                segment_index=index,
                output_s3_uri=f"s3://vidpipe-output/jobs/{job_id}/segments/{index}.mp4",
                completed_at=NOW,
                total_segments=total,
            )
        )

    def sent(self) -> list[ReassemblyPayload]:
        return [ReassemblyPayload.model_validate_json(body) for body in self.queue.bodies()]


@pytest.fixture
def world() -> World:
    jobs = InMemoryJobStore(clock=lambda: NOW)
    # Two per page: a trigger that counted one page only would never fire for 3 segments.
    completions = InMemorySegmentCompletionStore(page_size=2)
    queue = InMemoryQueue(name="reassembly")
    return World(jobs, completions, queue, ReassemblyTrigger(jobs, completions, queue))


def test_a_missing_job_sends_nothing(world: World) -> None:
    world.complete_segment(0)

    assert world.trigger.evaluate("j1", "completion") is False
    assert world.sent() == []


@pytest.mark.parametrize("final", [S.COMPLETED, S.FAILED])
def test_a_final_job_sends_nothing(world: World, final: JobStatus) -> None:
    world.create()
    world.start_processing(total=1)
    world.complete_segment(0, total=1)
    if final is S.FAILED:
        world.jobs.fail("j1", "video", "corrupt segment")
    else:
        world.jobs.claim_reassembly("j1", "media-1", 60)
        world.jobs.complete("j1", "media-1", {"final": "jobs/j1/final.mp4"})

    assert world.trigger.evaluate("j1", "sweeper") is False
    assert world.sent() == []


def test_an_unknown_total_sends_nothing_and_keeps_the_completions(world: World) -> None:
    world.create()
    for index in range(3):
        world.complete_segment(index)

    assert world.trigger.evaluate("j1", "completion") is False
    assert world.sent() == []
    assert world.completions.count("j1") == 3


def test_a_partial_job_records_progress_and_sends_nothing(world: World) -> None:
    world.create()
    world.start_processing(total=3)
    world.complete_segment(0)
    world.complete_segment(2)

    assert world.trigger.evaluate("j1", "completion") is False
    job = world.jobs.get("j1")

    assert world.sent() == []
    assert job is not None
    assert (job.completed_segments, job.progress_percent) == (2, 63.33)


def test_a_complete_job_sends_one_reassembly_request(world: World) -> None:
    world.create()
    world.start_processing(total=3)
    for index in range(3):
        world.complete_segment(index)

    assert world.trigger.evaluate("j1", "completion") is True
    assert world.sent() == [ReassemblyPayload(job_id="j1", total_segments=3, reason="completion")]
    assert world.jobs.get("j1").completed_segments == 3  # type: ignore[union-attr]


def test_no_flag_is_written_so_each_evaluation_may_send_again(world: World) -> None:
    world.create()
    world.start_processing(total=1)
    world.complete_segment(0, total=1)

    # A redelivered message evaluates again: a duplicate request, by design (the media-worker's
    # lease absorbs it), rather than a flag that a crash could leave set forever.
    assert world.trigger.evaluate("j1", "completion") is True
    assert world.trigger.evaluate("j1", "completion") is True
    assert [p.reason for p in world.sent()] == ["completion", "completion"]


def test_a_job_being_reassembled_may_be_triggered_again(world: World) -> None:
    world.create()
    world.start_processing(total=1)
    world.complete_segment(0, total=1)
    world.jobs.claim_reassembly("j1", "media-1", 60)

    # The sweeper re-triggers a job whose media-worker died holding the lease.
    assert world.trigger.evaluate("j1", "sweeper") is True


def test_completions_before_the_total_are_counted_when_chunking_evaluates(world: World) -> None:
    world.create()
    world.jobs.transition("j1", from_statuses={S.CREATED}, to_status=S.CHUNKING)
    # Video-workers finish every segment before chunking records the total: each of their
    # evaluations finds nothing to do...
    for index in (2, 0, 1):
        assert world.complete_segment(index) is True
        assert world.trigger.evaluate("j1", "completion") is False
    assert world.sent() == []

    # ...then chunking records the total and evaluates: the stored completions count.
    world.jobs.transition(
        "j1", from_statuses={S.CREATED, S.CHUNKING}, to_status=S.PROCESSING, total_segments=3
    )
    assert world.trigger.evaluate("j1", "chunking") is True
    assert world.sent() == [ReassemblyPayload(job_id="j1", total_segments=3, reason="chunking")]


def test_a_redelivered_completion_still_evaluates(world: World) -> None:
    world.create()
    world.start_processing(total=2)
    world.complete_segment(0, total=2)
    world.complete_segment(1, total=2)

    # The worker crashed after its put and before the trigger: on redelivery put says
    # "already there", and the trigger still runs and sends.
    assert world.complete_segment(1, total=2) is False
    assert world.trigger.evaluate("j1", "completion") is True


class CountingJobStore(InMemoryJobStore):
    def __init__(self) -> None:
        super().__init__(clock=lambda: NOW)
        self.reads = 0

    def get(self, job_id: str) -> Job | None:
        self.reads += 1
        return super().get(job_id)


def test_a_known_job_with_its_total_is_not_read_again() -> None:
    jobs = CountingJobStore()
    completions = InMemorySegmentCompletionStore()
    queue = InMemoryQueue(name="reassembly")
    world = World(jobs, completions, queue, ReassemblyTrigger(jobs, completions, queue))
    world.create()
    world.start_processing(total=1)
    known = jobs.get("j1")
    world.complete_segment(0, total=1)
    jobs.reads = 0

    assert world.trigger.evaluate("j1", "completion", known=known)

    assert jobs.reads == 0  # neither the trigger nor the progress write read the job
    assert [p.total_segments for p in world.sent()] == [1]
    stored = jobs.get("j1")
    assert stored is not None and stored.completed_segments == 1


def test_a_known_job_without_its_total_is_read_again(world: World) -> None:
    world.create()
    known = world.jobs.get("j1")  # read before chunking recorded the total
    world.start_processing(total=1)
    world.complete_segment(0, total=1)

    assert world.trigger.evaluate("j1", "completion", known=known)


def test_a_stale_known_progress_is_never_lowered(world: World) -> None:
    world.create()
    world.start_processing(total=3)
    stale = world.jobs.get("j1")
    for index in range(3):
        world.complete_segment(index)
    world.jobs.record_progress("j1", 3)

    assert not world.jobs.record_progress("j1", 2, known=stale)
    stored = world.jobs.get("j1")
    assert stored is not None and stored.completed_segments == 3
