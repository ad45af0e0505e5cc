import pytest
from hypothesis import given
from hypothesis import strategies as st

from vidpipe_types import (
    INPUT_PREFIX,
    JOB_ID_PATTERN,
    JOBS_PREFIX,
    MAX_SEGMENTS,
    SEGMENTS_PREFIX,
    InvalidKeyError,
    JobArtifact,
    Mode,
    VideoWorkerPayload,
    build_frame_key,
    build_frame_scores_key,
    build_job_output_key,
    build_output_segment_key,
    build_segment_key,
    is_input_key,
    job_output_prefix,
    job_segments_prefix,
    parse_frame_key,
    parse_job_output_key,
    parse_output_segment_key,
    parse_s3_uri,
    parse_segment_key,
    s3_uri,
)

job_ids = st.from_regex(JOB_ID_PATTERN, fullmatch=True)
buckets = st.from_regex(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", fullmatch=True)
s3_keys = st.text(st.characters(codec="utf-8"), min_size=1, max_size=200)


@st.composite
def segment_positions(draw: st.DrawFn) -> tuple[int, int]:
    total = draw(st.integers(1, MAX_SEGMENTS))
    return draw(st.integers(0, total - 1)), total


def test_prefixes() -> None:
    assert (INPUT_PREFIX, SEGMENTS_PREFIX, JOBS_PREFIX) == ("input/", "segments/", "jobs/")


def test_segment_key_format() -> None:
    key = build_segment_key("job-1", 3, 12, Mode.GRAYSCALE)
    assert key == "segments/job-1/00003_00012_grayscale.mp4"
    assert parse_segment_key("vidpipe-input", key) == VideoWorkerPayload(
        job_id="job-1",
        segment_index=3,
        total_segments=12,
        segment_s3_uri="s3://vidpipe-input/segments/job-1/00003_00012_grayscale.mp4",
        mode=Mode.GRAYSCALE,
    )


@given(buckets, job_ids, segment_positions(), st.sampled_from(Mode))
def test_segment_key_round_trips(
    bucket: str, job_id: str, position: tuple[int, int], mode: Mode
) -> None:
    index, total = position
    key = build_segment_key(job_id, index, total, mode)
    payload = parse_segment_key(bucket, key)
    assert payload is not None
    assert (payload.job_id, payload.segment_index, payload.total_segments, payload.mode) == (
        job_id,
        index,
        total,
        mode,
    )
    assert parse_s3_uri(payload.segment_s3_uri) == (bucket, key)


@pytest.mark.parametrize(
    "key",
    [
        "segments/job-1/00003_00003_grayscale.mp4",  # index == total
        "segments/job-1/00004_00003_grayscale.mp4",  # index > total
        "segments/job-1/00000_00000_grayscale.mp4",  # total 0
        "segments/job-1/00001_00003_blur.mp4",  # unknown mode
        "segments/job-1/00001_00003_Grayscale.mp4",  # not the canonical spelling
        "segments/job-1/0001_00003_grayscale.mp4",  # not five digits
        "segments/job-1/000001_00003_grayscale.mp4",
        "segments/job-1/00001_00003_grayscale.mov",
        "segments/job-1/00001_0000\u0663_grayscale.mp4",  # an Arabic-Indic digit
        "segments/job-1/00001_00003_grayscale.mp4.tmp",
        "segments/-job/00001_00003_grayscale.mp4",  # invalid job id
        "segments/" + "j" * 65 + "/00001_00003_grayscale.mp4",
        "segments/../00001_00003_grayscale.mp4",
        "segments/job-1/../00001_00003_grayscale.mp4",
        "/segments/job-1/00001_00003_grayscale.mp4",
        "segments//00001_00003_grayscale.mp4",
        "segments/job-1//00001_00003_grayscale.mp4",
        "segments/job-1/sub/00001_00003_grayscale.mp4",
        "input/job-1/00001_00003_grayscale.mp4",
        "jobs/job-1/segments/1.mp4",
        "segments/job-1/",
        "",
    ],
)
def test_parse_segment_key_rejects(key: str) -> None:
    assert parse_segment_key("vidpipe-input", key) is None


@pytest.mark.parametrize("bucket", ["", "a/b"])
def test_parse_segment_key_rejects_bad_buckets(bucket: str) -> None:
    assert parse_segment_key(bucket, "segments/job-1/00001_00003_grayscale.mp4") is None


@pytest.mark.parametrize(
    ("job_id", "index", "total", "mode"),
    [
        ("job/1", 0, 1, "grayscale"),
        ("job-1", 1, 1, "grayscale"),
        ("job-1", -1, 1, "grayscale"),
        ("job-1", 0, 0, "grayscale"),
        ("job-1", 0, MAX_SEGMENTS + 1, "grayscale"),
        ("job-1", 0, 1, "blur"),
    ],
)
def test_build_segment_key_rejects(job_id: str, index: int, total: int, mode: str) -> None:
    with pytest.raises(InvalidKeyError):
        build_segment_key(job_id, index, total, mode)


def test_build_segment_key_accepts_a_mode_string() -> None:
    assert build_segment_key("j", 0, 1, "passthrough") == "segments/j/00000_00001_passthrough.mp4"


near_segment_keys = st.from_regex(
    r"/?segments/[A-Za-z0-9_.-]{0,66}/\d{4,6}_\d{4,6}_(passthrough|grayscale|[A-Za-z]{0,12})\.mp4",
    fullmatch=True,
)


@given(buckets, near_segment_keys | st.text(max_size=300))
def test_segment_parser_accepts_only_canonical_keys(bucket: str, key: str) -> None:
    payload = parse_segment_key(bucket, key)
    if payload is not None:
        rebuilt = build_segment_key(
            payload.job_id, payload.segment_index, payload.total_segments, payload.mode
        )
        assert rebuilt == key


def test_output_segment_key_is_unpadded() -> None:
    assert build_output_segment_key("job-1", 7) == "jobs/job-1/segments/7.mp4"
    assert parse_output_segment_key("jobs/job-1/segments/7.mp4") == ("job-1", 7)


@given(job_ids, st.integers(0, MAX_SEGMENTS - 1))
def test_output_segment_key_round_trips(job_id: str, index: int) -> None:
    assert parse_output_segment_key(build_output_segment_key(job_id, index)) == (job_id, index)


@pytest.mark.parametrize(
    "key",
    [
        "jobs/job-1/segments/007.mp4",
        "jobs/job-1/segments/-1.mp4",
        "jobs/job-1/segments/x.mp4",
        "jobs/job-1/segments/\u0663.mp4",
        "jobs/job-1/segments/.mp4",
        f"jobs/job-1/segments/{MAX_SEGMENTS}.mp4",
        "jobs/../segments/1.mp4",
        "/jobs/job-1/segments/1.mp4",
        "jobs//segments/1.mp4",
        "segments/job-1/segments/1.mp4",
        "jobs/job-1/segments/1.mp4/",
    ],
)
def test_parse_output_segment_key_rejects(key: str) -> None:
    assert parse_output_segment_key(key) is None


@pytest.mark.parametrize("index", [-1, MAX_SEGMENTS])
def test_build_output_segment_key_rejects_out_of_range(index: int) -> None:
    with pytest.raises(InvalidKeyError):
        build_output_segment_key("job-1", index)


def test_job_artifacts() -> None:
    assert [a.value for a in JobArtifact] == [
        "final.mp4",
        "thumbnail.jpg",
        "metadata.json",
        "detections.json",
        "detections-preview.mp4",
        "analysis.json",
    ]
    assert build_job_output_key("job-1", JobArtifact.FINAL) == "jobs/job-1/final.mp4"


@given(job_ids, st.sampled_from(JobArtifact))
def test_job_output_key_round_trips(job_id: str, artifact: JobArtifact) -> None:
    assert parse_job_output_key(build_job_output_key(job_id, artifact)) == (job_id, artifact)


@pytest.mark.parametrize(
    "key", ["jobs/job-1/other.mp4", "jobs/job-1/segments", "jobs/../final.mp4", "final.mp4"]
)
def test_parse_job_output_key_rejects(key: str) -> None:
    assert parse_job_output_key(key) is None


def test_build_job_output_key_rejects_unknown_artifacts() -> None:
    with pytest.raises(InvalidKeyError, match="final.mp4"):
        build_job_output_key("job-1", "video.avi")  # type: ignore[arg-type]


def test_frame_key_format() -> None:
    assert build_frame_key("job-1", 7) == "jobs/job-1/frames/frame_0007.png"
    assert build_frame_key("job-1", 12345) == "jobs/job-1/frames/frame_12345.png"


@given(job_ids, st.integers(0, 10**7))
def test_frame_key_round_trips(job_id: str, n: int) -> None:
    assert parse_frame_key(build_frame_key(job_id, n)) == (job_id, n)


@pytest.mark.parametrize(
    "key",
    [
        "jobs/job-1/frames/frame_007.png",
        "jobs/job-1/frames/frame_01234.png",
        "jobs/job-1/frames/frame_0007.jpg",
        "jobs/job-1/frames/frame_000\u0663.png",
        "jobs/../frames/frame_0007.png",
    ],
)
def test_parse_frame_key_rejects(key: str) -> None:
    assert parse_frame_key(key) is None


def test_build_frame_key_rejects_negative() -> None:
    with pytest.raises(InvalidKeyError):
        build_frame_key("job-1", -1)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("input/a.mp4", True),
        ("input/my video (1).mp4", True),
        ("input/nested/dir/a.mov", True),
        ("input/", False),  # the console's folder marker
        ("input/dir/", False),
        ("input", False),
        ("inputs/a.mp4", False),
        ("/input/a.mp4", False),
        ("input/../jobs/a.mp4", False),
        ("input/./a.mp4", False),
        ("input//a.mp4", False),
        ("segments/j/00000_00001_grayscale.mp4", False),
        ("input/" + "a" * 1018, True),  # exactly 1024 bytes
        ("input/" + "a" * 1019, False),
        ("input/" + "é" * 509, True),  # 1024 bytes in UTF-8
        ("input/" + "é" * 510, False),
    ],
)
def test_is_input_key(key: str, expected: bool) -> None:
    assert is_input_key(key) is expected


def test_prefix_helpers() -> None:
    assert job_output_prefix("job-1") == "jobs/job-1/"
    assert job_segments_prefix("job-1") == "segments/job-1/"
    with pytest.raises(InvalidKeyError):
        job_output_prefix("../x")


@given(buckets, s3_keys)
def test_s3_uri_round_trips(bucket: str, key: str) -> None:
    assert parse_s3_uri(s3_uri(bucket, key)) == (bucket, key)


@pytest.mark.parametrize(
    "uri",
    ["", "s3://", "s3://bucket", "s3://bucket/", "s3:///key", "https://bucket/key", "bucket/key"],
)
def test_parse_s3_uri_rejects(uri: str) -> None:
    with pytest.raises(InvalidKeyError):
        parse_s3_uri(uri)


@pytest.mark.parametrize(("bucket", "key"), [("", "k"), ("a/b", "k"), ("b", "")])
def test_s3_uri_rejects(bucket: str, key: str) -> None:
    with pytest.raises(InvalidKeyError):
        s3_uri(bucket, key)


@given(st.text(max_size=300))
def test_parsers_never_raise(key: str) -> None:
    assert parse_segment_key("b", key) is None or key.startswith(SEGMENTS_PREFIX)
    assert parse_output_segment_key(key) is None or key.startswith(JOBS_PREFIX)
    assert parse_job_output_key(key) is None or key.startswith(JOBS_PREFIX)
    assert parse_frame_key(key) is None or key.startswith(JOBS_PREFIX)
    assert is_input_key(key) in (True, False)


def test_frame_scores_key_format() -> None:
    assert build_frame_scores_key("job-1", 3) == "jobs/job-1/frames/segment_3.json"
    with pytest.raises(InvalidKeyError, match="must not be negative"):
        build_frame_scores_key("job-1", -1)
    with pytest.raises(InvalidKeyError):
        build_frame_scores_key("job/1", 0)
