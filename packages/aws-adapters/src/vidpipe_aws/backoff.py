"""Capped exponential backoff, the one formula behind every retry pause in vidpipe.

The runner backs messages off with it, the webhook sender, the SQS batch send and the
media-worker's Gemini calls retry with it; only the jitter differs, and each caller names it:

- ``"full"``: a uniform pick between 0 and the capped exponential. It spreads the retries of
  messages that failed together (after an outage, say) instead of moving the herd in step.
- ``"equal"``: half the capped exponential plus a random half. Never zero, so a loop that keeps
  failing in place cannot spin, which full jitter's picks near zero would allow.
- ``"none"``: the capped exponential itself, for a pause a test or a log line should predict.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Callable

Jitter = Literal["full", "equal", "none"]

# Bounded so that 2**exponent stays a sane float, whatever attempt count a caller passes.
_MAX_EXPONENT = 62


def backoff_delay(
    attempt: int,
    *,
    base_seconds: float,
    max_seconds: float,
    jitter: Jitter,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait after the `attempt`-th failure (1 = the first try failed).

    The ceiling is `base_seconds` doubled per failure, capped at `max_seconds`; `jitter` picks
    within it (see the module docstring). `rand` returns a float in [0, 1): tests inject one.
    """
    exponent = min(max(attempt, 1) - 1, _MAX_EXPONENT)
    ceiling = min(max_seconds, base_seconds * 2.0**exponent)
    if jitter == "full":
        return ceiling * rand()
    if jitter == "equal":
        return ceiling / 2 + ceiling / 2 * rand()
    return ceiling
