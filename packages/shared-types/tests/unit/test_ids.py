import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from vidpipe_types import (
    JOB_ID_PATTERN,
    InvalidJobIdError,
    JobId,
    VidpipeTypesError,
    derive_job_id,
    is_valid_job_id,
    job_id_from_metadata,
)


class HasJobId(BaseModel):
    job_id: JobId


@pytest.mark.parametrize("job_id", ["a", "0", "job-1", "My_Job_2", "j" + "0" * 63])
def test_valid_job_ids(job_id: str) -> None:
    assert is_valid_job_id(job_id)
    assert HasJobId(job_id=job_id).job_id == job_id


@pytest.mark.parametrize(
    "job_id",
    ["", "-a", "_a", "a/b", "..", "a.b", "a b", "a\n", "é", "j" + "0" * 64, "a\x00"],
)
def test_invalid_job_ids(job_id: str) -> None:
    assert not is_valid_job_id(job_id)
    with pytest.raises(ValidationError):
        HasJobId(job_id=job_id)


def test_derived_id_is_deterministic_and_well_formed() -> None:
    job_id = derive_job_id("vidpipe-input", "input/a.mp4", "abc")
    assert job_id == derive_job_id("vidpipe-input", "input/a.mp4", "abc")
    assert len(job_id) == 24
    assert job_id.startswith("j")
    assert is_valid_job_id(job_id)


def test_derived_id_ignores_etag_quotes() -> None:
    # head_object returns '"abc"', the event carries 'abc': both are the same upload.
    assert derive_job_id("b", "k", '"abc"') == derive_job_id("b", "k", "abc")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("b", "input/a.mp4", "e1"), ("b", "input/a.mp4", "e2")),
        (("b1", "input/a.mp4", "e"), ("b2", "input/a.mp4", "e")),
        (("b", "input/a.mp4", "e"), ("b", "input/b.mp4", "e")),
        # Moving characters between parts must not give the same id.
        (("a", "b/c", "e"), ("a/b", "c", "e")),
        (("a", "b", "c|d"), ("a", "b|c", "d")),
        (("a", "b\x00", "c"), ("a", "b", "\x00c")),
    ],
)
def test_derived_ids_differ_when_any_part_differs(
    first: tuple[str, str, str], second: tuple[str, str, str]
) -> None:
    assert derive_job_id(*first) != derive_job_id(*second)


@given(st.text(), st.text(), st.text())
def test_derived_ids_are_always_valid(bucket: str, key: str, etag: str) -> None:
    assert is_valid_job_id(derive_job_id(bucket, key, etag))


@given(st.from_regex(JOB_ID_PATTERN, fullmatch=True))
def test_pattern_and_validator_agree(job_id: str) -> None:
    assert is_valid_job_id(job_id)


@pytest.mark.parametrize(
    "metadata",
    [{"job-id": "clip-7"}, {"x-amz-meta-job-id": "clip-7"}, {"Job-ID": "clip-7"}],
)
def test_job_id_from_metadata(metadata: dict[str, str]) -> None:
    assert job_id_from_metadata(metadata) == "clip-7"


def test_no_job_id_in_metadata() -> None:
    assert job_id_from_metadata({}) is None
    assert job_id_from_metadata({"mode": "grayscale"}) is None


@pytest.mark.parametrize("value", ["", "../etc", "a/b", "x" * 65])
def test_invalid_job_id_in_metadata_raises_with_a_reason(value: str) -> None:
    with pytest.raises(InvalidJobIdError, match="letters, digits") as info:
        job_id_from_metadata({"job-id": value})
    assert isinstance(info.value, VidpipeTypesError)
