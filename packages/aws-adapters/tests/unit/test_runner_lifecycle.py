"""Heartbeat and shutdown: visibility kept while a handler runs, drained or released at stop."""

import signal
import threading

import pytest
from runner_support import FakeClock, PollingQueue, make_settings, running, wait_until

from vidpipe_aws.queue import SQS_MAX_VISIBILITY_SECONDS, ReceivedMessage
from vidpipe_aws.runner import Runner


class BlockingHandler:
    """Signals when it starts, then waits for the test to let it finish."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.proceed = threading.Event()
        self.finished = threading.Event()

    def __call__(self, message: ReceivedMessage) -> None:
        self.started.set()
        self.proceed.wait(10)
        self.finished.set()


def test_heartbeat_keeps_a_long_handlers_message_hidden() -> None:
    clock = FakeClock()
    queue = PollingQueue(clock=clock)
    message_id = queue.send("long job")
    handler = BlockingHandler()
    runner = Runner(queue, handler, make_settings(MAX_CONCURRENT_JOBS=1), clock=clock)

    with running(runner):
        assert handler.started.wait(5)
        for _ in range(4):  # 200 s of handling, more than three base timeouts
            clock.advance(50)
            runner.heartbeat_once()
            assert queue.receive(10, 0) == []
        assert queue.visibility_changes == [(message_id, 60)] * 4
        handler.proceed.set()
        wait_until(lambda: queue.deleted == [message_id])


def test_heartbeat_stops_at_the_twelve_hour_cap(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    queue = PollingQueue(clock=clock)
    message_id = queue.send("very long job")
    handler = BlockingHandler()
    runner = Runner(queue, handler, make_settings(MAX_CONCURRENT_JOBS=1), clock=clock)

    with running(runner):
        assert handler.started.wait(5)
        clock.advance(SQS_MAX_VISIBILITY_SECONDS - 30)
        runner.heartbeat_once()
        assert queue.visibility_changes == [(message_id, 30)]  # up to the cap, not past it
        clock.advance(30)
        runner.heartbeat_once()
        clock.advance(60)
        runner.heartbeat_once()
        assert queue.visibility_changes == [(message_id, 30)]
        handler.proceed.set()
        wait_until(handler.finished.is_set)

    cap_lines = [r for r in caplog.records if "12 h" in r.getMessage()]
    assert len(cap_lines) == 1


def test_heartbeat_leaves_settled_messages_alone() -> None:
    queue = PollingQueue()
    message_id = queue.send("job")
    runner = Runner(queue, lambda m: None, make_settings())

    with running(runner):
        wait_until(lambda: queue.deleted == [message_id])
        runner.heartbeat_once()

    assert queue.visibility_changes == []


def test_stop_lets_a_running_handler_finish_within_the_grace_period() -> None:
    queue = PollingQueue()
    first = queue.send("first")
    queue.send("second")
    handler = BlockingHandler()
    runner = Runner(queue, handler, make_settings(MAX_CONCURRENT_JOBS=1))
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()

    assert handler.started.wait(5)
    runner.stop()
    handler.proceed.set()
    thread.join(10)

    assert not thread.is_alive()
    assert handler.finished.is_set()
    assert queue.deleted == [first]
    assert queue.visibility_changes == []  # nothing released: nothing was left running
    (untouched,) = queue.receive(10, 0)  # the second was never received by the runner
    assert (untouched.body, untouched.receive_count) == ("second", 1)


def test_a_handler_that_outlives_the_grace_period_has_its_message_released(
    caplog: pytest.LogCaptureFixture,
) -> None:
    queue = PollingQueue()
    message_id = queue.send("stuck job")
    handler = BlockingHandler()
    runner = Runner(queue, handler, make_settings(SHUTDOWN_GRACE_SECONDS=0.05))
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()

    assert handler.started.wait(5)
    runner.stop()
    thread.join(10)

    assert not thread.is_alive()
    assert not handler.finished.is_set()
    assert queue.visibility_changes == [(message_id, 0)]
    (again,) = queue.receive(10, 0)  # visible again at once, for another worker
    assert again.message_id == message_id
    assert any("released" in r.getMessage() for r in caplog.records)

    handler.proceed.set()  # the late handler's outcome must not delete the message
    assert handler.finished.wait(5)
    wait_until(lambda: runner.active_jobs == 0)
    assert queue.deleted == []


class StopDuringPollQueue(PollingQueue):
    """SIGTERM arrives while a long poll is open; the poll still returns a message."""

    runner: Runner

    def receive(
        self, max_messages: int, wait_seconds: int, visibility_timeout: int | None = None
    ) -> list[ReceivedMessage]:
        received = super().receive(max_messages, wait_seconds, visibility_timeout)
        if received:
            self.runner.stop()
        return received


def test_messages_received_after_stop_are_released_unhandled() -> None:
    queue = StopDuringPollQueue()
    message_id = queue.send("late")
    seen: list[str] = []
    runner = Runner(queue, lambda m: seen.append(m.body), make_settings())
    queue.runner = runner

    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    thread.join(10)

    assert not thread.is_alive()
    assert seen == []
    assert queue.visibility_changes == [(message_id, 0)]


def test_sigterm_and_sigint_stop_the_runner() -> None:
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for sig in previous:
            runner = Runner(PollingQueue(), lambda m: None, make_settings())
            runner.install_signal_handlers()
            signal.raise_signal(sig)
            assert runner.stopping
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
