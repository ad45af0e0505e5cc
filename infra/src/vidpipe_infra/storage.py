"""The input and output buckets, and the S3 -> SQS notifications of ``topology``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from vidpipe_infra.checks import accept_findings
from vidpipe_infra.errors import InfraError
from vidpipe_types.keys import ATTEMPTS_PREFIX
from vidpipe_types.topology import (
    INTERMEDIATE_TAG_VALUE,
    NOTIFICATION_RULES,
    RETENTION_TAG,
    BucketRole,
    NotificationRule,
    StackNames,
    assert_notifications_disjoint,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from vidpipe_infra.queues import WorkQueues


def intermediate_rule(days: int) -> s3.LifecycleRule:
    """Expire what ``ObjectStorage`` tagged as intermediate at upload (input and processed
    segments, frame scores): once a job is complete nothing reads them again. Uploads and
    final outputs carry no tag and are kept."""
    return s3.LifecycleRule(
        id="expire-intermediate",
        tag_filters={RETENTION_TAG: INTERMEDIATE_TAG_VALUE},
        expiration=Duration.days(days),
    )


class Buckets(Construct):
    """Encrypted, private, TLS-only buckets named by ``StackNames``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: StackNames,
        intermediate_retention_days: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.names = names
        self.input = self._bucket(
            "Input", names.input_bucket, [intermediate_rule(intermediate_retention_days)]
        )
        self.output = self._bucket(
            "Output",
            names.output_bucket,
            [
                intermediate_rule(intermediate_retention_days),
                # A reassembly's staged artifacts: the winner's are copied to jobs/ within
                # seconds, a loser deletes its own; this catches what a killed attempt left.
                s3.LifecycleRule(
                    id="expire-attempts",
                    prefix=ATTEMPTS_PREFIX,
                    expiration=Duration.days(1),
                ),
            ],
        )

    def bucket(self, role: BucketRole) -> s3.Bucket:
        return self.input if role == "input" else self.output

    def allow_browser_uploads(self, origins: str) -> None:
        """CORS on the input bucket for the HTTP API's presigned POST forms, sent by browsers.
        Only POST: what may be uploaded is still bound by each form's signed policy."""
        allowed = [origin.strip() for origin in origins.split(",") if origin.strip()]
        self.input.add_cors_rule(
            allowed_methods=[s3.HttpMethods.POST],
            allowed_origins=allowed or ["*"],
            allowed_headers=["*"],
            exposed_headers=["ETag", "Location"],
            max_age=3000,
        )

    def _bucket(self, label: str, name: str, rules: list[s3.LifecycleRule]) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            label,
            bucket_name=name,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                *rules,
                s3.LifecycleRule(
                    id="abort-incomplete-uploads",
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                ),
            ],
            # Uploads and results belong to the users: a stack deletion leaves them behind.
            removal_policy=RemovalPolicy.RETAIN,
        )
        accept_findings(bucket, "CKV_AWS_18", "CKV_AWS_21")
        return bucket

    def add_notifications(
        self, queues: WorkQueues, rules: Iterable[NotificationRule] = NOTIFICATION_RULES
    ) -> None:
        """Send object-created events to the workers' queues, as ``vidpipe provision`` does.

        The notifications are part of each bucket's own CloudFormation resource (no custom
        resource): S3 checks the destination queue's policy when it saves them, so the bucket
        depends on that policy, whose source condition names the bucket by its fixed name to
        avoid a dependency cycle.
        """
        rules = tuple(rules)
        # Real S3 rejects overlapping rules ("Configuration is ambiguously defined").
        assert_notifications_disjoint(rules)
        by_bucket: dict[BucketRole, list[s3.CfnBucket.QueueConfigurationProperty]] = {}
        for rule in rules:
            queue = queues[rule.queue_worker].queue
            bucket = self.bucket(rule.bucket_role)
            queue.add_to_resource_policy(
                iam.PolicyStatement(
                    principals=[iam.ServicePrincipal("s3.amazonaws.com")],
                    actions=["sqs:SendMessage"],
                    resources=[queue.queue_arn],
                    conditions={
                        "ArnLike": {
                            "aws:SourceArn": (
                                f"arn:{Aws.PARTITION}:s3:::{self.names.bucket(rule.bucket_role)}"
                            )
                        },
                        "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    },
                )
            )
            policy = queue.node.try_find_child("Policy")
            if policy is not None:
                bucket.node.add_dependency(policy)
            by_bucket.setdefault(rule.bucket_role, []).extend(
                s3.CfnBucket.QueueConfigurationProperty(
                    event=event,
                    queue=queue.queue_arn,
                    filter=_filter(rule),
                )
                for event in rule.events
            )
        for role, configurations in by_bucket.items():
            cfn_bucket = self.bucket(role).node.default_child
            if not isinstance(cfn_bucket, s3.CfnBucket):
                raise InfraError(f"the {role} bucket has no CfnBucket to configure")
            cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
                queue_configurations=configurations
            )


def _filter(rule: NotificationRule) -> s3.CfnBucket.NotificationFilterProperty:
    filter_rules = [s3.CfnBucket.FilterRuleProperty(name="prefix", value=rule.prefix)]
    if rule.suffix:
        filter_rules.append(s3.CfnBucket.FilterRuleProperty(name="suffix", value=rule.suffix))
    return s3.CfnBucket.NotificationFilterProperty(
        s3_key=s3.CfnBucket.S3KeyFilterProperty(rules=filter_rules)
    )
