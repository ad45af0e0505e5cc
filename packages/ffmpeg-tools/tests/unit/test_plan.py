import pytest
from hypothesis import given
from hypothesis import strategies as st

from vidpipe_ffmpeg.plan import plan_forced_cuts, plan_keyframe_cuts, segment_spans

BIKES_KEYFRAMES = [0.0, 1.2, 3.04, 5.48, 7.48, 9.68]


def test_bikes_keyframes_allow_copy_cuts_near_every_two_seconds() -> None:
    assert plan_keyframe_cuts(BIKES_KEYFRAMES, 10.0, 2.0) == [1.2, 3.04, 5.48, 7.48]


def test_bikes_with_longer_segments_picks_nearest_keyframes() -> None:
    assert plan_keyframe_cuts(BIKES_KEYFRAMES, 10.0, 4.0) == [3.04, 7.48]


def test_single_keyframe_cannot_be_cut_by_copy() -> None:
    assert plan_keyframe_cuts([0.0], 5.312, 2.0) is None


def test_relaxed_plan_takes_what_the_keyframes_offer() -> None:
    assert plan_keyframe_cuts([0.0, 10.0], 20.0, 4.0, strict=False) == [10.0]
    assert plan_keyframe_cuts([0.0], 20.0, 4.0, strict=False) == []


def test_short_video_is_one_segment() -> None:
    assert plan_keyframe_cuts([0.0, 1.0, 2.0], 2.9, 2.0) == []
    assert plan_forced_cuts(2.9, 2.0) == []


def test_no_stub_segment_at_the_end() -> None:
    # A keyframe 0.2 s before the end must not become a cut.
    assert plan_keyframe_cuts([0.0, 2.0, 3.8], 4.0, 2.0) == [2.0]


def test_forced_cuts_are_multiples_of_the_segment_length() -> None:
    assert plan_forced_cuts(5.312, 2.0) == [2.0, 4.0]
    assert plan_forced_cuts(4.1, 2.0) == [2.0]


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_rejects_nonsense_segment_lengths(bad: float) -> None:
    with pytest.raises(ValueError, match="segment_seconds"):
        plan_forced_cuts(10.0, bad)


def test_segment_spans_cover_the_duration() -> None:
    assert segment_spans([2.0, 4.0], 5.0) == [(0.0, 2.0), (2.0, 2.0), (4.0, 1.0)]


durations = st.floats(min_value=0.1, max_value=10_000, allow_nan=False)
lengths = st.floats(min_value=0.5, max_value=120, allow_nan=False)


@given(durations, lengths)
def test_forced_plan_segments_are_about_the_segment_length(duration: float, t: float) -> None:
    spans = segment_spans(plan_forced_cuts(duration, t), duration)
    assert sum(length for _, length in spans) == pytest.approx(duration)
    if len(spans) > 1:
        assert all(t / 2 - 1e-6 <= length < 1.5 * t + 1e-6 for _, length in spans)


@given(
    st.lists(st.floats(min_value=0, max_value=600, allow_nan=False), max_size=80),
    st.floats(min_value=1, max_value=600, allow_nan=False),
    lengths,
)
def test_keyframe_plans_cut_only_at_keyframes_into_sane_segments(
    keyframes: list[float], duration: float, t: float
) -> None:
    for strict in (True, False):
        cuts = plan_keyframe_cuts(keyframes, duration, t, strict=strict)
        if cuts is None:
            assert strict
            continue
        assert set(cuts) <= set(keyframes)
        assert cuts == sorted(set(cuts))
        spans = segment_spans(cuts, duration)
        assert all(length >= t / 2 - 1e-9 for _, length in spans[1:] + spans[:1] if len(spans) > 1)
        if strict and len(spans) > 1:
            assert all(length <= 1.5 * t + 1e-9 for _, length in spans[:-1])
            assert spans[-1][1] < 1.5 * t
