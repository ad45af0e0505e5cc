"""Queues, dead-letter queues, alarms and S3 notifications, against the topology."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template
from infra_helpers import resources

from vidpipe_infra.queues import WorkQueues
from vidpipe_infra.storage import Buckets
from vidpipe_types.errors import OverlappingNotificationsError
from vidpipe_types.topology import (
    NOTIFICATION_RULES,
    QUEUES,
    NotificationRule,
    StackNames,
    Worker,
    rules_overlap,
)

NAMES = StackNames()


def _queue_ids(template: Template) -> dict[str, str]:
    """Queue name -> logical id."""
    return {
        props["Properties"]["QueueName"]: logical_id
        for logical_id, props in resources(template, "AWS::SQS::Queue").items()
    }


def _alarms_on(template: Template, metric_name: str, queue_id: str) -> list[dict[str, Any]]:
    found = []
    for alarm in resources(template, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        dimensions = props.get("Dimensions", [])
        if props.get("MetricName") == metric_name and any(
            d["Value"] == {"Fn::GetAtt": [queue_id, "QueueName"]} for d in dimensions
        ):
            found.append(props)
    return found


def test_every_topology_queue_has_a_dlq_with_the_topology_receive_count(
    template: Template,
) -> None:
    ids = _queue_ids(template)
    assert set(ids) == {NAMES.queue(s.worker) for s in QUEUES} | {
        NAMES.dlq(s.worker) for s in QUEUES
    }
    for spec in QUEUES:
        queue = resources(template, "AWS::SQS::Queue")[ids[NAMES.queue(spec.worker)]]
        redrive = queue["Properties"]["RedrivePolicy"]
        assert redrive["maxReceiveCount"] == spec.max_receive_count == 5
        assert redrive["deadLetterTargetArn"] == {
            "Fn::GetAtt": [ids[NAMES.dlq(spec.worker)], "Arn"]
        }


def test_queue_visibility_and_retention_come_from_the_topology(template: Template) -> None:
    for spec in QUEUES:
        template.has_resource_properties(
            "AWS::SQS::Queue",
            {
                "QueueName": NAMES.queue(spec.worker),
                "VisibilityTimeout": spec.visibility_timeout_seconds,
                "MessageRetentionPeriod": spec.message_retention_seconds,
                "ReceiveMessageWaitTimeSeconds": 20,
                "SqsManagedSseEnabled": True,
            },
        )
        template.has_resource_properties(
            "AWS::SQS::Queue",
            {
                "QueueName": NAMES.dlq(spec.worker),
                "MessageRetentionPeriod": spec.dlq_retention_seconds,
            },
        )


def test_every_dlq_alarms_on_any_message_and_every_queue_on_age(template: Template) -> None:
    ids = _queue_ids(template)
    for spec in QUEUES:
        dlq_alarms = _alarms_on(
            template, "ApproximateNumberOfMessagesVisible", ids[NAMES.dlq(spec.worker)]
        )
        assert len(dlq_alarms) == 1
        assert dlq_alarms[0]["Threshold"] == 0
        assert dlq_alarms[0]["ComparisonOperator"] == "GreaterThanThreshold"
        assert dlq_alarms[0]["AlarmActions"], "a DLQ alarm must notify someone"
        age_alarms = _alarms_on(
            template, "ApproximateAgeOfOldestMessage", ids[NAMES.queue(spec.worker)]
        )
        assert len(age_alarms) == 1
        assert age_alarms[0]["Threshold"] == 3600
        assert age_alarms[0]["AlarmActions"]


def test_queues_accept_only_tls(template: Template) -> None:
    policies = resources(template, "AWS::SQS::QueuePolicy").values()
    queues_with_tls_only = set()
    for policy in policies:
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}:
                assert statement["Effect"] == "Deny"
                queues_with_tls_only.update(ref["Ref"] for ref in policy["Properties"]["Queues"])
    assert queues_with_tls_only == set(_queue_ids(template).values())


def test_notifications_are_the_topology_rules(template: Template) -> None:
    ids = _queue_ids(template)
    buckets = {
        b["Properties"]["BucketName"]: b for b in resources(template, "AWS::S3::Bucket").values()
    }
    configured = buckets[NAMES.input_bucket]["Properties"]["NotificationConfiguration"]
    expected = [
        {
            "Event": event,
            "Queue": {"Fn::GetAtt": [ids[NAMES.queue(rule.queue_worker)], "Arn"]},
            "Filter": {
                "S3Key": {
                    "Rules": [
                        {"Name": "prefix", "Value": rule.prefix},
                        *([{"Name": "suffix", "Value": rule.suffix}] if rule.suffix else []),
                    ]
                }
            },
        }
        for rule in NOTIFICATION_RULES
        for event in rule.events
    ]
    assert configured["QueueConfigurations"] == expected
    assert "NotificationConfiguration" not in buckets[NAMES.output_bucket]["Properties"]


def test_deployed_notifications_do_not_overlap(template: Template) -> None:
    configured = []
    for bucket in resources(template, "AWS::S3::Bucket").values():
        props = bucket["Properties"]
        for config in props.get("NotificationConfiguration", {}).get("QueueConfigurations", []):
            filters = {r["Name"]: r["Value"] for r in config["Filter"]["S3Key"]["Rules"]}
            configured.append(
                NotificationRule(
                    bucket_role="input" if props["BucketName"] == NAMES.input_bucket else "output",
                    prefix=filters.get("prefix", ""),
                    suffix=filters.get("suffix", ""),
                    queue_worker=Worker.CHUNKING,  # the destination does not decide overlap
                    events=(config["Event"],),
                )
            )
    assert len(configured) == len(NOTIFICATION_RULES)
    for index, first in enumerate(configured):
        for second in configured[index + 1 :]:
            assert not rules_overlap(first, second)


def test_queue_policies_let_only_this_bucket_send_events(template: Template) -> None:
    template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": "sqs:SendMessage",
                                "Principal": {"Service": "s3.amazonaws.com"},
                                "Condition": Match.object_like(
                                    {
                                        "StringEquals": {
                                            "aws:SourceAccount": {"Ref": "AWS::AccountId"}
                                        }
                                    }
                                ),
                            }
                        )
                    ]
                )
            }
        },
    )


@pytest.mark.parametrize(
    "rules",
    [
        # `segments/` nested under a broader rule on the same bucket.
        (
            NotificationRule(prefix="", queue_worker=Worker.CHUNKING),
            NotificationRule(prefix="segments/", queue_worker=Worker.VIDEO),
        ),
        # The same prefix to two queues, one of the events a subset of the other.
        (
            NotificationRule(prefix="input/", queue_worker=Worker.CHUNKING),
            NotificationRule(
                prefix="input/", queue_worker=Worker.VIDEO, events=("s3:ObjectCreated:Put",)
            ),
        ),
    ],
)
def test_overlapping_rules_fail_before_any_notification_is_created(
    rules: tuple[NotificationRule, ...],
) -> None:
    stack = Stack(App(), "Overlap")
    queues = WorkQueues(
        stack,
        "Queues",
        names=NAMES,
        alarm_topic=sns.Topic(stack, "Alarms"),
        oldest_message_alarm_seconds=3600,
    )
    buckets = Buckets(stack, "Buckets", names=NAMES, intermediate_retention_days=7)
    with pytest.raises(OverlappingNotificationsError, match="overlap"):
        buckets.add_notifications(queues, rules)
    cfn_bucket = buckets.input.node.default_child
    assert cfn_bucket.notification_configuration is None  # type: ignore[union-attr]
