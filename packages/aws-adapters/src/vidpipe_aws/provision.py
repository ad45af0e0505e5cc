"""Create vidpipe's resources from `vidpipe_types.topology`: the local (moto, LocalStack) twin
of what `infra/` deploys, from the same definition so the two cannot drift.

Every step is idempotent: provisioning an existing stack changes nothing and returns the same
names and URLs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import BotoCoreError, ClientError

from vidpipe_aws._translate import translate_client_error
from vidpipe_aws.settings import AwsSettings, queue_url_field
from vidpipe_types.topology import (
    NOTIFICATION_RULES,
    QUEUES,
    TABLES,
    IndexSpec,
    NotificationRule,
    QueueSpec,
    StackNames,
    TableSpec,
    Worker,
    assert_notifications_disjoint,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.literals import EventType
    from mypy_boto3_s3.type_defs import (
        CORSRuleTypeDef,
        FilterRuleTypeDef,
        QueueConfigurationTypeDef,
    )
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType

    QueueAttributes = dict[QueueAttributeNameType, str]

    from vidpipe_aws.clients import AwsClients

_BUCKET_EXISTS = {"BucketAlreadyOwnedByYou"}
_TABLE_EXISTS = {"ResourceInUseException"}
_QUEUE_EXISTS = {"QueueAlreadyExists", "QueueNameExists"}


@dataclass(frozen=True)
class ProvisionedStack:
    """What `provision` created: names and URLs, and the environment a worker needs."""

    names: StackNames
    queue_urls: dict[Worker, str] = field(default_factory=dict)
    dlq_urls: dict[Worker, str] = field(default_factory=dict)

    @property
    def input_bucket(self) -> str:
        return self.names.input_bucket

    @property
    def output_bucket(self) -> str:
        return self.names.output_bucket

    @property
    def jobs_table(self) -> str:
        return self.names.jobs_table

    @property
    def segment_completions_table(self) -> str:
        return self.names.segment_completions_table

    def queue_url(self, worker: Worker) -> str:
        return self.queue_urls[Worker(worker)]

    def dlq_url(self, worker: Worker) -> str:
        return self.dlq_urls[Worker(worker)]

    def env(self) -> dict[str, str]:
        """The resource variables of AwsSettings (INPUT_BUCKET_NAME, ..., CHUNKING_QUEUE_URL,
        ...), under the names AwsSettings reads. Region and endpoint are the caller's."""
        values: dict[str, str] = {
            "input_bucket": self.input_bucket,
            "output_bucket": self.output_bucket,
            "jobs_table": self.jobs_table,
            "segment_completions_table": self.segment_completions_table,
        }
        for worker, url in self.queue_urls.items():
            values[queue_url_field(worker)] = url
        return {_env_name(name): value for name, value in values.items()}


def _env_name(settings_field: str) -> str:
    alias = AwsSettings.model_fields[settings_field].validation_alias
    assert isinstance(alias, str), f"AwsSettings.{settings_field} has no env name"
    return alias


def provision(
    clients: AwsClients,
    names: StackNames,
    *,
    queues: Iterable[QueueSpec] = QUEUES,
    rules: Iterable[NotificationRule] = NOTIFICATION_RULES,
    tables: Iterable[TableSpec] = TABLES,
) -> ProvisionedStack:
    """Create (or find) buckets, queues with their DLQs, S3 notifications and tables."""
    rules = tuple(rules)
    # Real S3 refuses overlapping rules and moto does not: check here, so local set-ups fail
    # the way a deployment would.
    assert_notifications_disjoint(rules)
    try:
        for bucket in (names.input_bucket, names.output_bucket):
            ensure_bucket(clients.s3, bucket)
        configure_browser_cors(clients.s3, names)
        stack = ProvisionedStack(names=names)
        for spec in queues:
            dlq_url, url = ensure_queue(clients.sqs, names, spec)
            stack.dlq_urls[spec.worker] = dlq_url
            stack.queue_urls[spec.worker] = url
        _configure_notifications(clients, names, stack, rules)
        for table in tables:
            ensure_table(clients.dynamodb, table, names.table(table.role))
    except (ClientError, BotoCoreError) as exc:
        raise translate_client_error(exc, f"provision stack {names.prefix!r}") from exc
    return stack


#: What a browser (the API's web console) needs from the buckets, from any origin: POST of a
#: presigned upload form to the input bucket (with upload progress, so after a preflight), GET of
#: presigned outputs from the output bucket (detections.json, analysis.json read by scripts).
#: A deployment narrows AllowedOrigins to the console's own origin (infra/).
BROWSER_CORS: dict[str, list[CORSRuleTypeDef]] = {
    "input": [
        {
            "AllowedMethods": ["POST"],
            "AllowedOrigins": ["*"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag", "Location"],
            "MaxAgeSeconds": 3000,
        }
    ],
    "output": [
        {
            "AllowedMethods": ["GET", "HEAD"],
            "AllowedOrigins": ["*"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag", "Content-Length", "Content-Type"],
            "MaxAgeSeconds": 3000,
        }
    ],
}


def configure_browser_cors(s3: S3Client, names: StackNames) -> None:
    """Let browsers upload through presigned forms and read presigned outputs (real S3 and
    LocalStack enforce CORS; moto's server answers any origin)."""
    for role, bucket in (("input", names.input_bucket), ("output", names.output_bucket)):
        s3.put_bucket_cors(
            Bucket=bucket,
            CORSConfiguration={"CORSRules": BROWSER_CORS[role]},
        )


def ensure_bucket(s3: S3Client, bucket: str) -> None:
    region = s3.meta.region_name
    kwargs: dict[str, Any] = {"Bucket": bucket}
    # us-east-1 is the one region that refuses an explicit LocationConstraint.
    if region and region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        s3.create_bucket(**kwargs)
    except ClientError as exc:
        if _code(exc) not in _BUCKET_EXISTS:
            raise


def ensure_queue(sqs: SQSClient, names: StackNames, spec: QueueSpec) -> tuple[str, str]:
    """Create the DLQ and the queue that redrives into it; return (dlq_url, queue_url)."""
    dlq_url = _ensure_queue(
        sqs,
        names.dlq(spec.worker),
        {"MessageRetentionPeriod": str(spec.dlq_retention_seconds)},
    )
    redrive = {
        "deadLetterTargetArn": _queue_arn(sqs, dlq_url),
        "maxReceiveCount": str(spec.max_receive_count),
    }
    url = _ensure_queue(
        sqs,
        names.queue(spec.worker),
        {
            "VisibilityTimeout": str(spec.visibility_timeout_seconds),
            "MessageRetentionPeriod": str(spec.message_retention_seconds),
            "RedrivePolicy": json.dumps(redrive),
        },
    )
    return dlq_url, url


def _ensure_queue(sqs: SQSClient, name: str, attributes: QueueAttributes) -> str:
    try:
        return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    except ClientError as exc:
        if _code(exc) not in _QUEUE_EXISTS:
            raise
    # It exists with other attributes (an older topology): bring it up to date.
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return url


def _queue_arn(sqs: SQSClient, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return attributes["Attributes"]["QueueArn"]


def _allow_s3_to_send(sqs: SQSClient, queue_url: str, queue_arn: str, buckets: set[str]) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowS3Notifications",
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {
                    "ArnLike": {"aws:SourceArn": [f"arn:aws:s3:::{b}" for b in sorted(buckets)]}
                },
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})


def _configure_notifications(
    clients: AwsClients,
    names: StackNames,
    stack: ProvisionedStack,
    rules: tuple[NotificationRule, ...],
) -> None:
    senders: dict[Worker, set[str]] = {}
    by_bucket: dict[str, list[QueueConfigurationTypeDef]] = {}
    for rule in rules:
        bucket = names.bucket(rule.bucket_role)
        url = stack.queue_url(rule.queue_worker)
        senders.setdefault(rule.queue_worker, set()).add(bucket)
        filters: list[FilterRuleTypeDef] = [{"Name": "prefix", "Value": rule.prefix}]
        if rule.suffix:
            filters.append({"Name": "suffix", "Value": rule.suffix})
        by_bucket.setdefault(bucket, []).append(
            {
                # One rule per mode shares worker and prefix: the suffix keeps the ids apart.
                "Id": "-".join(
                    part
                    for part in (
                        rule.queue_worker.value,
                        rule.prefix.strip("/") or "all",
                        rule.suffix.removeprefix("_").removesuffix(".mp4"),
                    )
                    if part
                ),
                "QueueArn": _queue_arn(clients.sqs, url),
                # topology's event names are plain strings; S3 validates them.
                "Events": cast("list[EventType]", list(rule.events)),
                "Filter": {"Key": {"FilterRules": filters}},
            }
        )
    # The queue policy first: real S3 checks that it may send before accepting the rules.
    for worker, buckets in senders.items():
        url = stack.queue_url(worker)
        _allow_s3_to_send(clients.sqs, url, _queue_arn(clients.sqs, url), buckets)
    for bucket, configurations in by_bucket.items():
        # Replaces the whole configuration, which is what makes a second run a no-op.
        clients.s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={"QueueConfigurations": configurations},
        )


def ensure_table(dynamodb: DynamoDBClient, spec: TableSpec, name: str) -> None:
    """Create the table (on-demand capacity, indexes projecting everything) and wait for it."""
    key_schema: list[dict[str, str]] = [
        {"AttributeName": spec.partition_key.name, "KeyType": "HASH"}
    ]
    if spec.sort_key is not None:
        key_schema.append({"AttributeName": spec.sort_key.name, "KeyType": "RANGE"})
    kwargs: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": a.name, "AttributeType": a.type} for a in spec.attributes
        ],
        "KeySchema": key_schema,
    }
    if spec.indexes:
        kwargs["GlobalSecondaryIndexes"] = [_index(index) for index in spec.indexes]
    try:
        dynamodb.create_table(**kwargs)
    except ClientError as exc:
        if _code(exc) not in _TABLE_EXISTS:
            raise
    dynamodb.get_waiter("table_exists").wait(
        TableName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 60}
    )
    if spec.ttl_attribute:
        _ensure_ttl(dynamodb, name, spec.ttl_attribute)


def _index(index: IndexSpec) -> dict[str, Any]:
    keys = [{"AttributeName": index.partition_key.name, "KeyType": "HASH"}]
    if index.sort_key is not None:
        keys.append({"AttributeName": index.sort_key.name, "KeyType": "RANGE"})
    return {"IndexName": index.name, "KeySchema": keys, "Projection": {"ProjectionType": "ALL"}}


def _ensure_ttl(dynamodb: DynamoDBClient, table: str, attribute: str) -> None:
    current = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    if current.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        return
    dynamodb.update_time_to_live(
        TableName=table,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute},
    )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
