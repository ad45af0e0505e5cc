"""GET /v1/jobs/{id}/events: one event per change, then `end` at a final status."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from vidpipe_api import ApiSettings
from vidpipe_aws.fakes import InMemoryJobStore
from vidpipe_types.job import Job, JobStatus

from .conftest import Api, make_api

S = JobStatus


class ScriptedJobStore(InMemoryJobStore):
    """Moves the job one step each time the event stream reads it: deterministic changes."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[Any] = []
        self.watching: str | None = None
        self._stepping = False

    def get(self, job_id: str) -> Job | None:
        # A step's own reads (transition reads the job first) must not take further steps.
        if job_id == self.watching and self.steps and not self._stepping:
            self._stepping = True
            try:
                self.steps.pop(0)()
            finally:
                self._stepping = False
        return super().get(job_id)


@pytest.fixture
def scripted() -> Iterator[tuple[Api, ScriptedJobStore]]:
    store = ScriptedJobStore()
    settings = ApiSettings(EVENTS_POLL_SECONDS=0.01)
    for api in make_api(settings, jobs=store):
        yield api, store


def read_events(api: Api, job_id: str) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = []
    with api.client.stream("GET", f"/v1/jobs/{job_id}/events", headers=api.acme) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name = ""
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((name, json.loads(line.removeprefix("data: "))))
    return events


def test_every_change_is_an_event_and_the_stream_ends_when_final(
    scripted: tuple[Api, ScriptedJobStore],
) -> None:
    api, store = scripted
    job_id = api.upload_job()["job_id"]
    store.watching = job_id
    noop = lambda: None  # noqa: E731 - a poll where nothing changed
    store.steps = [
        noop,  # the route's own 404 check
        noop,  # first snapshot: created
        noop,  # unchanged: no event
        lambda: store.transition(
            job_id, from_statuses={S.CREATED}, to_status=S.PROCESSING, total_segments=2
        ),
        lambda: store.record_progress(job_id, 1),
        lambda: store.cancel(job_id),
    ]

    events = read_events(api, job_id)

    assert [name for name, _ in events] == ["job", "job", "job", "job", "end"]
    assert [data.get("status") for _, data in events] == [
        "created",
        "processing",
        "processing",
        "cancelled",
        "cancelled",
    ]
    assert [data.get("progress_percent") for _, data in events[:3]] == [0.0, 10.0, 50.0]


def test_a_deleted_job_ends_the_stream(scripted: tuple[Api, ScriptedJobStore]) -> None:
    api, store = scripted
    job_id = api.upload_job()["job_id"]
    store.watching = job_id
    store.steps = [lambda: None, lambda: None, lambda: store.delete(job_id)]

    events = read_events(api, job_id)

    assert [name for name, _ in events] == ["job", "deleted"]


def test_the_stream_stops_after_events_max_seconds() -> None:
    for api in make_api(ApiSettings(EVENTS_POLL_SECONDS=0.01, EVENTS_MAX_SECONDS=0.05)):
        job_id = api.upload_job()["job_id"]
        events = read_events(api, job_id)
        assert [name for name, _ in events] == ["job"]
