"""Timezone-aware UTC datetimes for every timestamp we store or send."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, PlainSerializer


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def format_utc(value: datetime) -> str:
    """``2024-01-01T00:00:00.000000Z``: always the same width, so that stored timestamps sort
    as strings (the jobs table's ``by-status`` index sorts on ``updated_at``). pydantic's own
    format drops the fraction when it is zero, which would break that order."""
    # isoformat, unlike strftime("%Y"), pads years below 1000 to four digits.
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


#: Rejects naive datetimes (their zone is a guess), normalises aware ones to UTC so records
#: compare the same whatever zone a writer used, and writes fixed-width ISO-8601 in JSON.
UtcDatetime = Annotated[
    AwareDatetime,
    AfterValidator(_to_utc),
    PlainSerializer(format_utc, return_type=str, when_used="json"),
]


def utc_now() -> datetime:
    return datetime.now(UTC)
