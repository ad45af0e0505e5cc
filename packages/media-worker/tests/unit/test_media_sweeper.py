"""The sweeper on in-memory stores: which stale jobs it re-triggers, and which it leaves alone."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from media_world import World

from vidpipe_aws.errors import RetryableAwsError
from vidpipe_aws.fakes import InMemoryQueue
from vidpipe_aws.reassembly import ReassemblyTrigger
from vidpipe_media import MediaSettings, Sweeper
from vidpipe_types import JobStatus, ReassemblyPayload

STALE = 300.0


class Setup:
    def __init__(self, work_dir: Path) -> None:
        self.world = World(work_dir)
        self.queue = InMemoryQueue(name="reassembly")
        self.trigger = ReassemblyTrigger(self.world.jobs, self.world.completions, self.queue)
        self.settings = MediaSettings(sweep_stale_seconds=STALE, sweep_interval_seconds=60)
        self.sweeper = Sweeper(self.world.jobs, self.trigger, self.settings, self.world.clock)

    def sent(self) -> list[ReassemblyPayload]:
        return [ReassemblyPayload.model_validate_json(body) for body in self.queue.bodies()]


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return Setup(tmp_path)


def test_a_stale_processing_job_with_every_segment_done_is_retriggered(
    setup: Setup, segments: list[Path]
) -> None:
    world = setup.world
    world.ready_job("stuck", segments)  # the trigger never ran: a crash before the send
    world.clock.advance(STALE + 1)

    assert setup.sweeper.sweep_once() == 1

    assert setup.sent() == [
        ReassemblyPayload(job_id="stuck", total_segments=len(segments), reason="sweeper")
    ]


def test_a_fresh_job_is_left_alone(setup: Setup, segments: list[Path]) -> None:
    setup.world.ready_job("fresh", segments)
    setup.world.clock.advance(STALE - 10)

    assert setup.sweeper.sweep_once() == 0
    assert setup.sent() == []


def test_a_stale_job_with_segments_still_running_sends_nothing(
    setup: Setup, segments: list[Path]
) -> None:
    world = setup.world
    world.add_job("slow", total=len(segments))
    world.add_processed("slow", segments, range(2))
    world.clock.advance(STALE + 1)

    assert setup.sweeper.sweep_once() == 0
    assert setup.sent() == []
    assert world.job("slow").completed_segments == 2  # the trigger counted them


def test_a_reassembling_job_with_a_live_lease_is_left_alone(
    setup: Setup, segments: list[Path]
) -> None:
    world = setup.world
    world.ready_job("busy", segments)
    assert world.jobs.claim_reassembly("busy", "worker-a", 900) is not None
    world.clock.advance(STALE + 1)  # stale, but the lease runs until 900 s

    assert [job.job_id for job in setup.sweeper.stale_jobs()] == []
    assert setup.sweeper.sweep_once() == 0
    assert setup.sent() == []


def test_a_reassembling_job_whose_worker_died_is_retriggered_and_then_completed(
    setup: Setup, segments: list[Path]
) -> None:
    world = setup.world
    world.ready_job("orphan", segments)
    assert world.jobs.claim_reassembly("orphan", "worker-dead", 900) is not None
    world.clock.advance(901)

    assert setup.sweeper.sweep_once() == 1

    (received,) = setup.queue.receive(10, 0)
    world.handler("worker-b")(received)
    assert world.job("orphan").status is JobStatus.COMPLETED
    assert len(world.notifier.sent) == 1
    world.clock.advance(STALE + 1)
    assert setup.sweeper.sweep_once() == 0  # completed jobs are not swept


def test_final_and_early_jobs_are_not_swept(setup: Setup, segments: list[Path]) -> None:
    world = setup.world
    world.ready_job("done", segments)
    world.jobs.fail("done", "processing", "bad")
    world.add_job("chunking-no-total")
    world.clock.advance(STALE + 1)

    assert setup.sweeper.sweep_once() == 0
    assert setup.sent() == []


class FlakyTrigger:
    """Fails on the first job it sees, sends for the others."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def evaluate(self, job_id: str, reason: str) -> bool:
        self.calls.append(job_id)
        if len(self.calls) == 1:
            raise RetryableAwsError("throttled")
        return True


def test_one_failing_job_does_not_stop_the_sweep(setup: Setup, segments: list[Path]) -> None:
    world = setup.world
    world.ready_job("a", segments)
    world.ready_job("b", segments)
    world.clock.advance(STALE + 1)
    trigger = FlakyTrigger()
    sweeper = Sweeper(world.jobs, trigger, setup.settings, world.clock)  # type: ignore[arg-type]

    assert sweeper.sweep_once() == 1
    assert sorted(trigger.calls) == ["a", "b"]


class StoppingTrigger:
    """Raises something unexpected on the first sweep, stops the loop on the second."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.calls = 0

    def evaluate(self, job_id: str, reason: str) -> bool:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("unexpected")
        self.stop.set()
        return True


def test_the_background_loop_survives_errors_and_ends_on_stop(
    setup: Setup, segments: list[Path]
) -> None:
    world = setup.world
    world.ready_job("a", segments)
    world.clock.advance(STALE + 1)
    stop = threading.Event()
    trigger = StoppingTrigger(stop)
    settings = MediaSettings(sweep_stale_seconds=STALE, sweep_interval_seconds=0.001)
    sweeper = Sweeper(world.jobs, trigger, settings, world.clock)  # type: ignore[arg-type]

    thread = sweeper.start(stop)
    thread.join(timeout=30)

    assert not thread.is_alive() and thread.daemon
    assert trigger.calls == 2


def test_interval_zero_turns_the_loop_off(setup: Setup) -> None:
    settings = MediaSettings(sweep_interval_seconds=0)
    assert not settings.sweeper_enabled
    sweeper = Sweeper(setup.world.jobs, setup.trigger, settings, setup.world.clock)
    sweeper.run_until(threading.Event())  # returns at once instead of looping
