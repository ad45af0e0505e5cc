"""A clock that moves only when a test moves it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

#: Where a FakeClock starts unless told otherwise: a fixed, timezone-aware instant.
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    """`clock()` is the current aware datetime; `advance(seconds)` moves it on.

    Pass it wherever the code takes `clock: Callable[[], datetime]` (handlers, job stores):
    leases, timings and staleness then follow the test instead of the wall clock.
    """

    def __init__(self, start: datetime = START) -> None:
        if start.tzinfo is None:
            raise ValueError("a FakeClock needs an aware datetime")
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        """Move on by `seconds` (never back) and return the new time."""
        if seconds < 0:
            raise ValueError(f"a clock does not go back ({seconds} s)")
        self.now += timedelta(seconds=seconds)
        return self.now
