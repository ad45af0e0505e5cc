"""The job record's outbox: effects that a transition owes the world, written with it.

A transition that must tell someone (a webhook) or start something (the detection request,
promoting the winning attempt's artifacts) writes an `OutboxEntry` in the same conditional
update that changes the status. A kill right after the update loses nothing: whoever reads
the job next (the worker that wrote it, any sweeper) performs the pending entries and clears
each one once it took effect. Delivery is therefore at least once: an entry performed and
not yet cleared when a worker dies is performed again.
"""

from __future__ import annotations

import secrets
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from vidpipe_types.timestamps import UtcDatetime

#: The value of `Job.outbox_pending` while the outbox holds anything: the partition of the
#: sparse `by-outbox` index through which sweepers find jobs with pending entries.
OUTBOX_PENDING = "pending"


class OutboxKind(StrEnum):
    #: A signed webhook POSTed to CALLBACK_URL; `body` is the event's JSON text.
    WEBHOOK = "webhook"
    #: A `DetectionRequest` sent to the detection queue; `body` is the message.
    DETECTION = "detection"
    #: Copy the winning attempt's staged artifacts to their fixed keys; `body` is a JSON
    #: object `{final_key: staged_key}` in the output bucket.
    PROMOTE = "promote"


class OutboxEntry(BaseModel):
    """One pending effect. `id` is stable (a webhook's event id); `seq` orders the entries of a
    job (promotion before the "completed" webhook, "processing" before "completed")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    kind: OutboxKind
    seq: int = Field(ge=0)
    created_at: UtcDatetime
    body: str
    attempts: int = Field(default=0, ge=0)
    next_attempt_at: UtcDatetime | None = None
    last_error: str | None = None


def new_entry_id(kind: OutboxKind) -> str:
    """A fresh id, prefixed by kind (`evt_...` for webhooks: the event id receivers see)."""
    prefix = "evt" if kind is OutboxKind.WEBHOOK else kind.value[:3]
    return f"{prefix}_{secrets.token_hex(12)}"
