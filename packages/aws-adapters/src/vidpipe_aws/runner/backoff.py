"""Capped exponential backoff with full jitter, from a message's receive count."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


def backoff_seconds(
    attempt: int,
    *,
    base_seconds: float,
    max_seconds: float,
    rand: Callable[[], float] = random.random,
) -> int:
    """Seconds to wait after the `attempt`-th failure (1 = the first receive failed).

    Full jitter (a uniform pick between 0 and the capped exponential) spreads retries of
    messages that failed together, e.g. after an outage, instead of moving the herd in step.
    SQS visibility is in whole seconds, so the pick is rounded.
    """
    exponent = min(max(attempt, 1) - 1, 62)  # bounded so 2**exponent stays a sane float
    ceiling = min(max_seconds, base_seconds * 2.0**exponent)
    return round(ceiling * rand())


def retry_delay_seconds(
    attempt: int,
    *,
    base_seconds: float,
    max_seconds: float,
    rand: Callable[[], float] = random.random,
) -> float:
    """A pause for retrying a call in place (e.g. a failed receive); never zero.

    Half the capped exponential plus a random half ("equal jitter"): a loop that keeps
    failing must not spin, which full jitter's picks near zero would allow.
    """
    exponent = min(max(attempt, 1) - 1, 62)
    ceiling = min(max_seconds, base_seconds * 2.0**exponent)
    return ceiling / 2 + ceiling / 2 * rand()
