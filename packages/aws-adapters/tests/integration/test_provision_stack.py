"""provision against a moto server: every resource of the topology, and idempotence."""

from __future__ import annotations

import json

import pytest

from vidpipe_aws.clients import AwsClients
from vidpipe_aws.provision import ProvisionedStack, provision
from vidpipe_types.topology import MAX_RECEIVE_COUNT, QUEUES, StackNames, Worker

pytestmark = pytest.mark.integration

NAMES = StackNames(prefix="vp-test")


@pytest.fixture
def stack(aws_clients: AwsClients) -> ProvisionedStack:
    return provision(aws_clients, NAMES)


def test_buckets_and_tables_exist(aws_clients: AwsClients, stack: ProvisionedStack) -> None:
    buckets = {b["Name"] for b in aws_clients.s3.list_buckets()["Buckets"]}
    tables = set(aws_clients.dynamodb.list_tables()["TableNames"])

    assert {"vp-test-input", "vp-test-output"} <= buckets
    assert {stack.jobs_table, stack.segment_completions_table} <= tables


def test_queues_redrive_to_their_dead_letter_queues(
    aws_clients: AwsClients, stack: ProvisionedStack
) -> None:
    for spec in QUEUES:
        attributes = aws_clients.sqs.get_queue_attributes(
            QueueUrl=stack.queue_url(spec.worker), AttributeNames=["All"]
        )["Attributes"]
        dlq_arn = aws_clients.sqs.get_queue_attributes(
            QueueUrl=stack.dlq_url(spec.worker), AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        redrive = json.loads(attributes["RedrivePolicy"])

        assert redrive["deadLetterTargetArn"] == dlq_arn
        assert int(redrive["maxReceiveCount"]) == MAX_RECEIVE_COUNT
        assert int(attributes["VisibilityTimeout"]) == spec.visibility_timeout_seconds
        assert dlq_arn.endswith(f":vp-test-{spec.worker.value}-dlq")


def test_s3_may_send_to_the_notified_queues(
    aws_clients: AwsClients, stack: ProvisionedStack
) -> None:
    policy = json.loads(
        aws_clients.sqs.get_queue_attributes(
            QueueUrl=stack.queue_url(Worker.CHUNKING), AttributeNames=["Policy"]
        )["Attributes"]["Policy"]
    )
    statement = policy["Statement"][0]

    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"] == ["arn:aws:s3:::vp-test-input"]


def test_jobs_table_is_on_demand_with_the_status_index(
    aws_clients: AwsClients, stack: ProvisionedStack
) -> None:
    table = aws_clients.dynamodb.describe_table(TableName=stack.jobs_table)["Table"]
    ttl = aws_clients.dynamodb.describe_time_to_live(TableName=stack.jobs_table)

    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    index = table["GlobalSecondaryIndexes"][0]
    assert index["IndexName"] == "by-status"
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["status", "updated_at"]
    assert ttl["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"


def test_notifications_route_uploads_and_each_mode_to_its_queue(
    aws_clients: AwsClients, stack: ProvisionedStack
) -> None:
    config = aws_clients.s3.get_bucket_notification_configuration(Bucket=stack.input_bucket)
    routes = sorted(
        (
            *(
                rule["Value"]
                for name in ("prefix", "suffix")
                for rule in queue["Filter"]["Key"]["FilterRules"]
                if rule["Name"].lower() == name
            ),
            queue["QueueArn"].rsplit(":", 1)[1],
        )
        for queue in config["QueueConfigurations"]
    )

    assert routes == [
        ("input/", "vp-test-chunking"),
        ("segments/", "_grayscale.mp4", "vp-test-video"),
        ("segments/", "_passthrough.mp4", "vp-test-video"),
        ("segments/", "_sam2.mp4", "vp-test-video-gpu"),
    ]


def test_provisioning_twice_is_harmless_and_gives_the_same_stack(
    aws_clients: AwsClients, stack: ProvisionedStack
) -> None:
    again = provision(aws_clients, NAMES)

    assert again.env() == stack.env()
    assert again.dlq_urls == stack.dlq_urls
    queue_names = [url.rsplit("/", 1)[1] for url in aws_clients.sqs.list_queues()["QueueUrls"]]
    assert len(queue_names) == 2 * len(QUEUES)


def test_buckets_let_browsers_upload_and_read_outputs(
    aws_clients: AwsClients, stack: ProvisionedStack
) -> None:
    upload = aws_clients.s3.get_bucket_cors(Bucket=stack.input_bucket)["CORSRules"]
    read = aws_clients.s3.get_bucket_cors(Bucket=stack.output_bucket)["CORSRules"]

    assert [rule["AllowedMethods"] for rule in upload] == [["POST"]]
    assert [sorted(rule["AllowedMethods"]) for rule in read] == [["GET", "HEAD"]]
