"""The runner's part in "no job stays non-final" (the last receive fails the job) and ECS
task scale-in protection while messages are held (against a loopback fake of the agent)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from runner_support import PollingQueue, make_settings, running, wait_until

from vidpipe_aws import NotifyingFailureRecorder, TaskProtection, WebhookNotifier, bind_log_context
from vidpipe_aws.fakes import InMemoryJobStore
from vidpipe_aws.queue import ReceivedMessage
from vidpipe_aws.runner import Runner
from vidpipe_types import Job, JobOptions, JobStatus

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def processing_job(jobs: InMemoryJobStore) -> None:
    jobs.create_if_absent(Job.new("j1", "in", "input/j1.mp4", JobOptions(), NOW))
    jobs.transition(
        "j1", from_statuses={JobStatus.CREATED}, to_status=JobStatus.PROCESSING, total_segments=2
    )


def failing(message: ReceivedMessage) -> None:
    bind_log_context(job_id="j1")
    raise RuntimeError("the model crashed")


def queue_received(times: int) -> PollingQueue:
    queue = PollingQueue()
    queue.send("segment")
    for _ in range(times):
        (earlier,) = queue.receive(1, 0)
        queue.change_visibility(earlier.receipt_handle, 0)
    queue.visibility_changes.clear()  # so that the run below is what the test waits for
    return queue


def run_once(queue: PollingQueue, jobs: InMemoryJobStore) -> None:
    failures = NotifyingFailureRecorder(jobs, WebhookNotifier(None))
    runner = Runner(queue, failing, make_settings(), failures=failures, worker_name="video-worker")
    with running(runner):
        wait_until(lambda: bool(queue.visibility_changes))


def test_the_last_allowed_receive_fails_the_job_with_the_stage_and_the_error() -> None:
    jobs = InMemoryJobStore()
    processing_job(jobs)

    run_once(queue_received(4), jobs)  # the runner's receive is the fifth

    job = jobs.get("j1")
    assert job is not None and job.status is JobStatus.FAILED and job.error is not None
    assert job.error.stage == "processing"
    assert job.error.reason.startswith(
        "processing failed 5 times: RuntimeError: the model crashed; "
        "the segment event is on the processing dead-letter queue"
    )
    # A redrive after a fix resumes it where it stopped.
    reopened = jobs.reopen("j1")
    assert reopened is not None and reopened.status is JobStatus.PROCESSING


def test_an_earlier_failure_leaves_the_job_to_its_retries() -> None:
    jobs = InMemoryJobStore()
    processing_job(jobs)

    run_once(queue_received(2), jobs)

    job = jobs.get("j1")
    assert job is not None and job.status is JobStatus.PROCESSING


class FakeAgent:
    """The ECS agent's task-protection endpoint on loopback: records every PUT body."""

    def __init__(self) -> None:
        self.states: list[dict[str, object]] = []
        agent = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:  # noqa: N802 - the name http.server calls
                assert self.path == "/v1/abc/task-protection/v1/state"
                body = self.rfile.read(int(self.headers["Content-Length"]))
                agent.states.append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"protection": {}}')

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.uri = f"http://127.0.0.1:{self.server.server_address[1]}/v1/abc"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def agent() -> Iterator[FakeAgent]:
    made = FakeAgent()
    yield made
    made.server.shutdown()
    made.server.server_close()


def test_protected_while_holding_a_message_and_released_when_idle(agent: FakeAgent) -> None:
    queue = PollingQueue()
    queue.send("segment")
    holding, release = threading.Event(), threading.Event()

    def handler(message: ReceivedMessage) -> None:
        holding.set()
        release.wait(10)

    settings = make_settings(ECS_AGENT_URI=agent.uri, TASK_PROTECTION_MINUTES=30)
    runner = Runner(queue, handler, settings)
    with running(runner):
        wait_until(holding.is_set)
        wait_until(lambda: bool(agent.states))
        assert agent.states == [{"ProtectionEnabled": True, "ExpiresInMinutes": 30}]
        release.set()
        wait_until(lambda: len(agent.states) == 2)

    assert agent.states[-1] == {"ProtectionEnabled": False}


def test_renewed_before_it_expires_and_not_repeated_otherwise(agent: FakeAgent) -> None:
    now = [0.0]
    protection = TaskProtection(agent.uri, expires_in_minutes=10, clock=lambda: now[0])

    protection.update(True)
    protection.update(True)  # unchanged: no request
    now[0] = 301.0  # past half the expiry
    protection.update(True)

    assert [s["ProtectionEnabled"] for s in agent.states] == [True, True]


def test_off_ecs_nothing_is_called() -> None:
    protection = TaskProtection(None)
    protection.update(True)
    assert not protection.active


def test_an_unreachable_agent_never_fails_a_message() -> None:
    protection = TaskProtection("http://127.0.0.1:9", timeout_seconds=0.5)
    protection.update(True)  # logged, not raised
    assert protection.active
