"""The one backoff formula: capped doubling, and the three jitters its callers choose from."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vidpipe_aws import Jitter, backoff_delay


def always(value: float):
    return lambda: value


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [(1, 5), (2, 10), (3, 20), (4, 40), (8, 640), (9, 900), (10_000, 900)],
)
def test_the_ceiling_doubles_per_failure_and_is_capped(attempt: int, expected: float) -> None:
    delay = backoff_delay(attempt, base_seconds=5, max_seconds=900, jitter="none")
    assert delay == expected


def test_attempts_below_one_count_as_the_first() -> None:
    for attempt in (0, -3):
        assert backoff_delay(attempt, base_seconds=5, max_seconds=900, jitter="none") == 5


def test_full_jitter_picks_anywhere_from_zero_to_the_ceiling() -> None:
    picks = [
        backoff_delay(3, base_seconds=5, max_seconds=900, jitter="full", rand=always(pick))
        for pick in (0.0, 0.5, 0.999)
    ]
    assert picks == [0.0, 10.0, pytest.approx(19.98)]


def test_equal_jitter_picks_in_the_upper_half_of_the_ceiling() -> None:
    picks = [
        backoff_delay(3, base_seconds=5, max_seconds=900, jitter="equal", rand=always(pick))
        for pick in (0.0, 0.5, 1.0)
    ]
    assert picks == [10.0, 15.0, 20.0]


def test_no_jitter_never_asks_for_a_random_number() -> None:
    def refuse() -> float:
        raise AssertionError("jitter='none' must be deterministic")

    assert backoff_delay(2, base_seconds=0.5, max_seconds=1.5, jitter="none", rand=refuse) == 1.0


def test_a_seeded_random_gives_a_reproducible_pick() -> None:
    expected = 40 * random.Random(11).random()
    got = backoff_delay(
        4, base_seconds=5, max_seconds=900, jitter="full", rand=random.Random(11).random
    )
    assert got == expected


@given(
    attempt=st.integers(min_value=-5, max_value=100_000),
    base=st.floats(min_value=0.01, max_value=100),
    cap=st.floats(min_value=0.01, max_value=43_200),
    pick=st.floats(min_value=0, max_value=1, exclude_max=True),
    jitter=st.sampled_from(["full", "equal", "none"]),
)
def test_every_delay_stays_between_zero_and_the_cap(
    attempt: int, base: float, cap: float, pick: float, jitter: Jitter
) -> None:
    delay = backoff_delay(
        attempt, base_seconds=base, max_seconds=cap, jitter=jitter, rand=always(pick)
    )
    assert 0 <= delay <= cap
    if jitter != "full":
        assert delay >= min(cap, base * 2.0 ** min(max(attempt, 1) - 1, 62)) / 2
