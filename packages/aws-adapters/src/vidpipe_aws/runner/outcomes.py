"""How a handler tells the runner what to do with its message: by raising one of these.

Returning normally means done (the message is deleted). Any exception that is not a
HandlerSignal counts as retryable, like RetryLater.
"""

from __future__ import annotations


class HandlerSignal(Exception):
    """Root of the outcomes a handler can raise."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryLater(HandlerSignal):
    """Try this message again later: after `delay_seconds`, or after the runner's backoff."""

    def __init__(self, reason: str, delay_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.delay_seconds = delay_seconds


class BadInput(HandlerSignal):
    """The input can never succeed: mark the job failed with a reason a person can act on.

    `stage` defaults to the worker's name. Without a job id, only the log line remains.
    """

    def __init__(self, reason: str, *, job_id: str | None, stage: str | None = None) -> None:
        super().__init__(reason)
        self.job_id = job_id
        self.stage = stage


class Unparseable(HandlerSignal):
    """The message itself is not something this worker understands: log it and drop it."""
