import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vidpipe_types import (
    ChunkingPayload,
    ObjectCreated,
    parse_s3_event_body,
    parse_segment_key,
)

FIXTURES = Path(__file__).parent / "fixtures" / "s3_events"


def body(name: str) -> str:
    return (FIXTURES / name).read_text()


def record_with_key(encoded_key: str, event_name: str = "ObjectCreated:Put") -> str:
    return json.dumps(
        {
            "Records": [
                {
                    "eventName": event_name,
                    "s3": {"bucket": {"name": "vidpipe-input"}, "object": {"key": encoded_key}},
                }
            ]
        }
    )


def test_aws_put_decodes_plus_and_percent_and_keeps_every_field() -> None:
    [event] = parse_s3_event_body(body("aws_put.json"))
    assert event == ObjectCreated(
        bucket="vidpipe-input",
        key="input/holiday clip (1).mp4",
        size=10485760,
        etag="0123456789abcdef0123456789abcdef",
        version_id="096fKKXTRTtl3on89fVO.nfljtsv6qko",
        event_name="ObjectCreated:Put",
        event_time=datetime(2024, 5, 1, 12, 34, 56, 789000, tzinfo=UTC),
    )
    assert event.version_token == "096fKKXTRTtl3on89fVO.nfljtsv6qko"


def test_moto_put_decodes_an_encoded_slash() -> None:
    [event] = parse_s3_event_body(body("moto_put.json"))
    assert event.key == "input/my video.mp4"
    assert event.version_id is None
    assert event.version_token == "5d41402abc4b2a76b9719d911017c592"
    assert event.size == 52340


def test_localstack_percent_20_is_a_space() -> None:
    [event] = parse_s3_event_body(body("localstack_space.json"))
    assert event.key == "input/my video (1).mp4"


def test_localstack_segment_event_feeds_the_segment_key_parser() -> None:
    [event] = parse_s3_event_body(body("localstack_segment.json"))
    # LocalStack quotes the ETag and writes versionId null.
    assert event.etag == "7e5f1ac3b2d94f0c8a6e2b1d3c4f5a6b"
    assert event.version_id is None
    payload = parse_segment_key(event.bucket, event.key)
    assert payload is not None
    assert (payload.job_id, payload.segment_index, payload.total_segments) == (
        "je17b154473d06c30eb339d2",
        2,
        10,
    )


def test_only_object_created_records_count() -> None:
    [event] = parse_s3_event_body(body("aws_multipart_and_delete.json"))
    assert event.event_name == "ObjectCreated:CompleteMultipartUpload"
    assert event.key == "input/long talk.mov"
    assert event.size == 734003200


def test_sns_envelope_is_unwrapped() -> None:
    assert parse_s3_event_body(body("sns_aws_put.json")) == parse_s3_event_body(
        body("aws_put.json")
    )


@pytest.mark.parametrize(
    "text",
    [
        body("test_event.json"),
        body("sns_test_event.json"),
        "",
        "not json",
        "{",
        "null",
        "42",
        '"Records"',
        "[]",
        "{}",
        '{"Records": null}',
        '{"Records": {"eventName": "ObjectCreated:Put"}}',
        '{"Records": [1, "x", null, []]}',
        '{"Type": "Notification", "Message": "not json"}',
        '{"Type": "Notification", "Message": 7}',
        '{"Type": "Notification"}',
        "[" * 100_000 + "]" * 100_000,
        '{"Records": [' + "9" * 5000 + "]}",
    ],
)
def test_nothing_to_do(text: str) -> None:
    assert parse_s3_event_body(text) == []


@pytest.mark.parametrize(
    "event_name",
    ["ObjectRemoved:Delete", "ObjectRestore:Completed", "LifecycleExpiration:Delete", "", "Put"],
)
def test_other_event_names_give_nothing(event_name: str) -> None:
    assert parse_s3_event_body(record_with_key("input/a.mp4", event_name)) == []


def test_an_s3_prefixed_event_name_is_accepted() -> None:
    [event] = parse_s3_event_body(record_with_key("input/a.mp4", "s3:ObjectCreated:Copy"))
    assert event.event_name == "ObjectCreated:Copy"


def test_missing_size_etag_and_time_take_defaults() -> None:
    [event] = parse_s3_event_body(record_with_key("input/a.mp4"))
    assert (event.size, event.etag, event.version_id, event.event_time) == (0, "", None, None)


@pytest.mark.parametrize(
    "obj",
    [
        {"size": -1, "eTag": 5, "versionId": ""},
        {"size": True, "eTag": None, "versionId": 3},
        {"size": "12", "eTag": ["x"], "versionId": None},
    ],
)
def test_malformed_optional_fields_are_defaulted_not_fatal(obj: dict[str, object]) -> None:
    record = {
        "eventName": "ObjectCreated:Put",
        "eventTime": "yesterday",
        "s3": {"bucket": {"name": "b"}, "object": {"key": "input/a.mp4", **obj}},
    }
    [event] = parse_s3_event_body(json.dumps({"Records": [record]}))
    assert (event.size, event.etag, event.version_id, event.event_time) == (0, "", None, None)


@pytest.mark.parametrize(
    "s3",
    [
        None,
        {},
        {"bucket": {"name": "b"}},
        {"object": {"key": "input/a.mp4"}},
        {"bucket": {"name": ""}, "object": {"key": "input/a.mp4"}},
        {"bucket": {"name": "b"}, "object": {"key": ""}},
        {"bucket": {"name": "b"}, "object": {"key": 5}},
        {"bucket": "b", "object": {"key": "input/a.mp4"}},
    ],
)
def test_records_missing_bucket_or_key_are_skipped(s3: object) -> None:
    good = json.loads(record_with_key("input/good.mp4"))["Records"][0]
    bad = {"eventName": "ObjectCreated:Put", "s3": s3}
    events = parse_s3_event_body(json.dumps({"Records": [bad, good]}))
    assert [e.key for e in events] == ["input/good.mp4"]


def test_event_time_without_zone_is_utc_and_offsets_are_converted() -> None:
    naive = json.loads(record_with_key("input/a.mp4"))
    naive["Records"][0]["eventTime"] = "2024-05-01T12:00:00"
    offset = json.loads(record_with_key("input/a.mp4"))
    offset["Records"][0]["eventTime"] = "2024-05-01T14:00:00+02:00"
    overflow = json.loads(record_with_key("input/a.mp4"))
    overflow["Records"][0]["eventTime"] = "0001-01-01T00:00:00+01:00"
    expected = datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert parse_s3_event_body(json.dumps(naive))[0].event_time == expected
    assert parse_s3_event_body(json.dumps(offset))[0].event_time == expected
    assert parse_s3_event_body(json.dumps(overflow))[0].event_time is None


def test_to_chunking_payload_carries_the_object_identity() -> None:
    [event] = parse_s3_event_body(body("aws_put.json"))
    assert event.to_chunking_payload() == ChunkingPayload(
        bucket="vidpipe-input",
        key="input/holiday clip (1).mp4",
        size=10485760,
        etag="0123456789abcdef0123456789abcdef",
        version_id="096fKKXTRTtl3on89fVO.nfljtsv6qko",
    )


# --- properties ------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
event_names = st.sampled_from(
    ["ObjectCreated:Put", "ObjectCreated:Post", "s3:ObjectCreated:Copy", "ObjectRemoved:Delete"]
) | st.text(max_size=30)


def leaf_or(strategy: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return strategy | json_values


s3_records = st.fixed_dictionaries(
    {
        "eventName": leaf_or(event_names),
        "eventTime": leaf_or(st.datetimes().map(lambda d: d.isoformat()) | st.text(max_size=30)),
        "s3": leaf_or(
            st.fixed_dictionaries(
                {
                    "bucket": leaf_or(st.fixed_dictionaries({"name": leaf_or(st.text())})),
                    "object": leaf_or(
                        st.fixed_dictionaries(
                            {"key": leaf_or(st.text())},
                            optional={
                                "size": json_values,
                                "eTag": json_values,
                                "versionId": json_values,
                            },
                        )
                    ),
                }
            )
        ),
    }
)
s3_bodies = st.fixed_dictionaries({"Records": leaf_or(st.lists(leaf_or(s3_records), max_size=4))})


def check_events(events: list[ObjectCreated]) -> None:
    assert isinstance(events, list)
    for event in events:
        assert isinstance(event, ObjectCreated)
        assert event.bucket
        assert event.key
        assert event.event_name.startswith("ObjectCreated:")
        assert event.size >= 0


@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    check_events(parse_s3_event_body(text))


@given(json_values)
def test_arbitrary_json_never_raises(value: object) -> None:
    check_events(parse_s3_event_body(json.dumps(value)))


@given(s3_bodies, st.booleans())
def test_s3_shaped_json_with_arbitrary_leaves_never_raises(value: object, wrap: bool) -> None:
    text = json.dumps(value)
    if wrap:
        text = json.dumps({"Type": "Notification", "Message": text})
    check_events(parse_s3_event_body(text))


keys = st.text(st.characters(codec="utf-8"), min_size=1)


@given(keys, st.sampled_from(["aws", "moto", "localstack"]))
def test_every_sender_encoding_decodes_to_the_original_key(key: str, sender: str) -> None:
    encoded = {
        "aws": quote_plus(key, safe="/"),
        "moto": quote_plus(key),
        "localstack": quote(key, safe="/"),
    }[sender]
    [event] = parse_s3_event_body(record_with_key(encoded))
    assert event.key == key
