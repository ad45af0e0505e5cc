import pytest
from pydantic import ValidationError

from vidpipe_types import (
    API_KEYS_TABLE,
    JOBS_TABLE,
    MAX_RECEIVE_COUNT,
    MODEL_GROUPS,
    NOTIFICATION_RULES,
    NOTIFICATIONS,
    QUEUES,
    SEGMENT_COMPLETIONS_TABLE,
    TABLES,
    KeyAttribute,
    Mode,
    NotificationRule,
    OverlappingNotificationsError,
    StackNames,
    TableRole,
    Worker,
    assert_notifications_disjoint,
    build_segment_key,
    derive_job_id,
    format_modes,
    model_group,
    parse_modes,
    queue_spec,
)


def test_default_names() -> None:
    names = StackNames()
    assert (names.input_bucket, names.output_bucket) == ("vidpipe-input", "vidpipe-output")
    assert names.jobs_table == "vidpipe-jobs"
    assert names.segment_completions_table == "vidpipe-segment-completions"
    assert [names.queue(w) for w in Worker] == [
        "vidpipe-chunking",
        "vidpipe-video",
        "vidpipe-reassembly",
        "vidpipe-detection",
        "vidpipe-video-gpu",
        "vidpipe-import",
    ]
    assert [names.dlq(w) for w in Worker] == [
        "vidpipe-chunking-dlq",
        "vidpipe-video-dlq",
        "vidpipe-reassembly-dlq",
        "vidpipe-detection-dlq",
        "vidpipe-video-gpu-dlq",
        "vidpipe-import-dlq",
    ]
    assert (names.chunking_queue, names.video_queue) == ("vidpipe-chunking", "vidpipe-video")
    assert (names.reassembly_queue, names.detection_queue) == (
        "vidpipe-reassembly",
        "vidpipe-detection",
    )
    assert names.import_queue == "vidpipe-import"
    assert (names.bucket("input"), names.bucket("output")) == ("vidpipe-input", "vidpipe-output")


def test_custom_prefix() -> None:
    names = StackNames(prefix="acme-dev")
    assert names.input_bucket == "acme-dev-input"
    assert names.dlq(Worker.VIDEO) == "acme-dev-video-dlq"
    assert names.table(TableRole.JOBS) == "acme-dev-jobs"


@pytest.mark.parametrize("prefix", ["", "a", "Vidpipe", "vid_pipe", "-vid", "vid-", "a" * 41])
def test_prefixes_that_would_make_invalid_names_are_rejected(prefix: str) -> None:
    with pytest.raises(ValidationError):
        StackNames(prefix=prefix)


def test_every_worker_has_one_queue_with_a_dlq_redrive() -> None:
    assert [spec.worker for spec in QUEUES] == list(Worker)
    for spec in QUEUES:
        assert spec.max_receive_count == MAX_RECEIVE_COUNT == 5
        assert 0 < spec.visibility_timeout_seconds <= 43_200
        assert spec.dlq_retention_seconds >= spec.message_retention_seconds
    assert queue_spec(Worker.VIDEO).worker is Worker.VIDEO


def test_notification_rules() -> None:
    assert NOTIFICATIONS is NOTIFICATION_RULES
    assert [(r.bucket_role, r.prefix, r.suffix, r.queue_worker) for r in NOTIFICATION_RULES] == [
        ("input", "input/", "", Worker.CHUNKING),
        ("input", "segments/", "_passthrough.mp4", Worker.VIDEO),
        ("input", "segments/", "_grayscale.mp4", Worker.VIDEO),
        ("input", "segments/", "_sam2.mp4", Worker.VIDEO_GPU),
    ]
    assert_notifications_disjoint(NOTIFICATION_RULES)


@pytest.mark.parametrize("mode", list(Mode))
def test_each_segment_key_matches_exactly_the_rule_of_its_model_group(mode: Mode) -> None:
    key = build_segment_key(derive_job_id("b", "input/a.mp4", "e"), 3, 10, mode)
    matching = [
        r.queue_worker
        for r in NOTIFICATION_RULES
        if key.startswith(r.prefix) and key.endswith(r.suffix)
    ]
    assert matching == [model_group(mode).queue_worker]


def test_model_groups_split_the_modes_between_the_cpu_and_gpu_queues() -> None:
    assert [(g.name, g.queue_worker, g.modes) for g in MODEL_GROUPS] == [
        ("cpu", Worker.VIDEO, (Mode.PASSTHROUGH, Mode.GRAYSCALE)),
        ("gpu", Worker.VIDEO_GPU, (Mode.SAM2,)),
    ]


def test_parse_and_format_modes() -> None:
    assert parse_modes(" Grayscale,passthrough ") == {Mode.GRAYSCALE, Mode.PASSTHROUGH}
    assert format_modes({Mode.SAM2, Mode.PASSTHROUGH}) == "passthrough,sam2"
    with pytest.raises(ValueError, match="unknown mode 'blur' in DEPLOYED_MODES"):
        parse_modes("passthrough,blur")
    with pytest.raises(ValueError, match="names no mode"):
        parse_modes(" , ")


def rule(prefix: str, suffix: str = "", **kwargs: object) -> NotificationRule:
    return NotificationRule.model_validate(
        {"prefix": prefix, "suffix": suffix, "queue_worker": Worker.VIDEO, **kwargs}
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (rule("input/"), rule("input/")),
        (rule("input/"), rule("input/videos/")),
        (rule(""), rule("segments/")),
        (rule("input/", ".mp4"), rule("input/")),
        (rule("input/", ".mp4"), rule("input/a", "a.mp4")),
        (rule("input/"), rule("input/", events=("s3:ObjectCreated:Put",))),
    ],
)
def test_overlapping_rules_are_rejected(first: NotificationRule, second: NotificationRule) -> None:
    with pytest.raises(OverlappingNotificationsError, match="overlap"):
        assert_notifications_disjoint([first, second])


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (rule("input/"), rule("segments/")),
        (rule("input/a"), rule("input/b")),
        (rule("input/", ".mp4"), rule("input/", ".mov")),
        (rule("input/"), rule("input/", bucket_role="output")),
        (rule("input/"), rule("input/", events=("s3:ObjectRemoved:*",))),
    ],
)
def test_disjoint_rules_pass(first: NotificationRule, second: NotificationRule) -> None:
    assert_notifications_disjoint([first, second])


def test_a_third_overlapping_rule_is_caught() -> None:
    with pytest.raises(OverlappingNotificationsError, match="segments/"):
        assert_notifications_disjoint([*NOTIFICATION_RULES, rule("segments/job-1/")])


def test_tables() -> None:
    assert TABLES == (JOBS_TABLE, SEGMENT_COMPLETIONS_TABLE, API_KEYS_TABLE)
    assert JOBS_TABLE.partition_key == KeyAttribute(name="job_id", type="S")
    assert JOBS_TABLE.sort_key is None
    assert JOBS_TABLE.ttl_attribute == "expires_at"
    by_status, by_tenant, by_outbox = JOBS_TABLE.indexes
    assert (by_outbox.name, by_outbox.partition_key.name) == ("by-outbox", "outbox_pending")
    assert (by_status.name, by_status.partition_key, by_status.sort_key) == (
        "by-status",
        KeyAttribute(name="status", type="S"),
        KeyAttribute(name="updated_at", type="S"),
    )
    assert (by_tenant.name, by_tenant.partition_key, by_tenant.sort_key) == (
        "by-tenant",
        KeyAttribute(name="tenant_id", type="S"),
        KeyAttribute(name="created_at", type="S"),
    )
    assert [a.name for a in JOBS_TABLE.attributes] == [
        "job_id",
        "status",
        "updated_at",
        "tenant_id",
        "created_at",
        "outbox_pending",
    ]
    assert API_KEYS_TABLE.partition_key == KeyAttribute(name="key_id", type="S")
    assert API_KEYS_TABLE.sort_key is None
    assert API_KEYS_TABLE.indexes == ()
    assert SEGMENT_COMPLETIONS_TABLE.partition_key == KeyAttribute(name="job_id", type="S")
    assert SEGMENT_COMPLETIONS_TABLE.sort_key == KeyAttribute(name="segment_index", type="N")
    assert [a.type for a in SEGMENT_COMPLETIONS_TABLE.attributes] == ["S", "N"]
    names = StackNames()
    assert [names.table(t.role) for t in TABLES] == [
        names.jobs_table,
        names.segment_completions_table,
        names.api_keys_table,
    ]
    assert names.api_keys_table == "vidpipe-api-keys"
