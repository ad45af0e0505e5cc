"""How long job and segment-completion records live (JOB_RETENTION_DAYS).

The stores stamp each new record with the tables' TTL attribute (``expires_at``, epoch
seconds), counted from when the record was made: the job's ``created_at``, the completion's
``completed_at``. DynamoDB deletes expired records itself, within a few days of the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime


@dataclass(frozen=True)
class RecordRetention:
    """``days`` after a record is made it may be deleted; 0 keeps every record forever."""

    days: int = 0

    def __post_init__(self) -> None:
        if self.days < 0:
            raise ValueError(f"JOB_RETENTION_DAYS must be 0 (keep) or more, got {self.days}")

    def expires_at(self, made_at: datetime) -> int | None:
        """The epoch second the record made at ``made_at`` expires; None: kept."""
        if self.days == 0:
            return None
        return int((made_at + timedelta(days=self.days)).timestamp())


#: Keep every record (the default).
KEEP_FOREVER = RecordRetention()
