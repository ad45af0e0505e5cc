"""provision's pure parts: the environment it hands to workers, and refusing overlapping rules."""

from __future__ import annotations

import pytest

from vidpipe_aws.clients import AwsClients
from vidpipe_aws.provision import ProvisionedStack, provision
from vidpipe_aws.settings import AwsSettings
from vidpipe_types.errors import OverlappingNotificationsError
from vidpipe_types.topology import NotificationRule, StackNames, Worker


def stack() -> ProvisionedStack:
    names = StackNames(prefix="demo")
    return ProvisionedStack(
        names=names,
        queue_urls={w: f"http://sqs.local/{names.queue(w)}" for w in Worker},
        dlq_urls={w: f"http://sqs.local/{names.dlq(w)}" for w in Worker},
    )


def test_env_uses_the_names_aws_settings_reads() -> None:
    env = stack().env()

    assert env == {
        "INPUT_BUCKET_NAME": "demo-input",
        "OUTPUT_BUCKET_NAME": "demo-output",
        "JOBS_TABLE_NAME": "demo-jobs",
        "SEGMENT_COMPLETIONS_TABLE_NAME": "demo-segment-completions",
        "CHUNKING_QUEUE_URL": "http://sqs.local/demo-chunking",
        "VIDEO_QUEUE_URL": "http://sqs.local/demo-video",
        "REASSEMBLY_QUEUE_URL": "http://sqs.local/demo-reassembly",
        "DETECTION_QUEUE_URL": "http://sqs.local/demo-detection",
        "VIDEO_GPU_QUEUE_URL": "http://sqs.local/demo-video-gpu",
        "IMPORT_QUEUE_URL": "http://sqs.local/demo-import",
    }
    settings = AwsSettings(**env)  # type: ignore[arg-type]
    assert settings.video_queue_url == "http://sqs.local/demo-video"
    assert settings.queue_url(Worker.VIDEO_GPU) == "http://sqs.local/demo-video-gpu"
    assert settings.segment_completions_table == "demo-segment-completions"
    assert settings.import_queue_url == "http://sqs.local/demo-import"


def test_overlapping_notification_rules_are_refused_before_any_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    # Nothing listens on port 9: any AWS call would fail with a connection error instead.
    clients = AwsClients.from_settings(AwsSettings(AWS_ENDPOINT_URL="http://127.0.0.1:9"))
    rules = [
        NotificationRule(prefix="input/", queue_worker=Worker.CHUNKING),
        NotificationRule(prefix="input/videos/", queue_worker=Worker.VIDEO),
    ]

    with pytest.raises(OverlappingNotificationsError):
        provision(clients, StackNames(), rules=rules)
