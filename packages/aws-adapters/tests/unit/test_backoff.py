import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vidpipe_aws.runner import backoff_seconds, retry_delay_seconds


def always(value: float):
    return lambda: value


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [(1, 5), (2, 10), (3, 20), (4, 40), (8, 640), (9, 900), (10_000, 900)],
)
def test_ceiling_doubles_per_receive_and_is_capped(attempt: int, expected: int) -> None:
    assert backoff_seconds(attempt, base_seconds=5, max_seconds=900, rand=always(1.0)) == expected


def test_full_jitter_can_pick_anything_down_to_zero() -> None:
    assert backoff_seconds(3, base_seconds=5, max_seconds=900, rand=always(0.0)) == 0
    assert backoff_seconds(3, base_seconds=5, max_seconds=900, rand=always(0.5)) == 10


def test_attempts_below_one_count_as_the_first() -> None:
    for attempt in (0, -3):
        assert backoff_seconds(attempt, base_seconds=5, max_seconds=900, rand=always(1.0)) == 5


def test_seeded_random_gives_a_reproducible_pick() -> None:
    expected = round(40 * random.Random(11).random())
    got = backoff_seconds(4, base_seconds=5, max_seconds=900, rand=random.Random(11).random)
    assert got == expected


@given(
    attempt=st.integers(min_value=-5, max_value=100_000),
    base=st.floats(min_value=0.01, max_value=100),
    cap=st.floats(min_value=0.01, max_value=43_200),
    pick=st.floats(min_value=0, max_value=1),
)
def test_backoff_stays_within_zero_and_the_cap(
    attempt: int, base: float, cap: float, pick: float
) -> None:
    delay = backoff_seconds(attempt, base_seconds=base, max_seconds=cap, rand=always(pick))
    assert 0 <= delay <= cap + 0.5  # rounding to whole seconds moves it by half a second


@given(
    attempt=st.integers(min_value=1, max_value=1000),
    pick=st.floats(min_value=0, max_value=1),
)
def test_retry_delay_is_never_zero_and_never_above_the_cap(attempt: int, pick: float) -> None:
    delay = retry_delay_seconds(attempt, base_seconds=0.5, max_seconds=60, rand=always(pick))
    ceiling = min(60, 0.5 * 2 ** (attempt - 1))
    assert ceiling / 2 <= delay <= ceiling
