from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from vidpipe_types import (
    JOBS_TABLE,
    Job,
    JobOptions,
    JobStatus,
    OutboxEntry,
    OutboxKind,
    WebhookEvent,
    new_entry_id,
    webhook_document,
)

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def entry(seq: int, entry_id: str) -> OutboxEntry:
    return OutboxEntry(id=entry_id, kind=OutboxKind.WEBHOOK, seq=seq, created_at=NOW, body="{}")


def test_pending_entries_come_in_the_order_they_were_written() -> None:
    job = Job.new("j1", "b", "input/a.mp4", JobOptions(), NOW).model_copy(
        update={"outbox": {"b": entry(2, "b"), "a": entry(1, "a"), "c": entry(3, "c")}}
    )
    assert [e.id for e in job.pending_entries()] == ["a", "b", "c"]


def test_an_entry_id_is_a_safe_map_key() -> None:
    assert new_entry_id(OutboxKind.WEBHOOK).startswith("evt_")
    with pytest.raises(ValidationError):
        entry(0, "a.b")  # a dot would read as a path in an update expression


def test_a_webhook_document_has_id_type_time_job_and_metadata() -> None:
    body = webhook_document(
        event_id="evt_1",
        event=WebhookEvent.COMPLETED,
        created_at=NOW,
        job_id="j1",
        status="completed",
        metadata={"order": "42"},
        result={"outputs": {"final": "jobs/j1/final.mp4"}},
    )
    document = json.loads(body)
    assert document == {
        "id": "evt_1",
        "type": "job.completed",
        "created_at": "2025-01-02T03:04:05.000000Z",
        "job_id": "j1",
        "status": "completed",
        "metadata": {"order": "42"},
        "result": {"outputs": {"final": "jobs/j1/final.mp4"}},
    }


def test_the_jobs_table_has_a_sparse_outbox_index() -> None:
    index = next(i for i in JOBS_TABLE.indexes if i.name == "by-outbox")
    assert index.partition_key.name == "outbox_pending"


def test_a_completed_job_is_settled_only_once_its_outputs_are_promoted() -> None:
    job = Job.new("j1", "b", "input/a.mp4", JobOptions(), NOW).model_copy(
        update={"status": JobStatus.COMPLETED}
    )
    promote = OutboxEntry(
        id=new_entry_id(OutboxKind.PROMOTE), kind=OutboxKind.PROMOTE, seq=1, created_at=NOW,
        body="{}",
    )  # fmt: skip
    pending = job.model_copy(update={"outbox": {promote.id: promote}})
    webhook_only = job.model_copy(update={"outbox": {"w": entry(2, "w")}})

    assert pending.outputs_pending and not pending.settled and not pending.finished
    assert job.settled and job.finished
    # A webhook still owed does not hold a reader back: the outputs are at their keys.
    assert webhook_only.settled and webhook_only.finished
