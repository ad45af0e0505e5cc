"""Buckets and tables: names, encryption, access, lifecycle, keys, recovery, TTL."""

from __future__ import annotations

from aws_cdk.assertions import Match, Template
from infra_helpers import resources

from vidpipe_infra import VidpipeStack, build_app
from vidpipe_types.ids import derive_job_id
from vidpipe_types.keys import ATTEMPTS_PREFIX, JobArtifact, build_job_output_key, build_segment_key
from vidpipe_types.topology import (
    INTERMEDIATE_TAG_VALUE,
    RETENTION_TAG,
    TABLES,
    StackNames,
    retention_tags,
)

NAMES = StackNames()
JOB = derive_job_id("bucket", "input/a.mp4", "etag")


def test_buckets_are_encrypted_private_and_kept(template: Template) -> None:
    buckets = resources(template, "AWS::S3::Bucket")
    assert {b["Properties"]["BucketName"] for b in buckets.values()} == {
        NAMES.input_bucket,
        NAMES.output_bucket,
    }
    for bucket in buckets.values():
        props = bucket["Properties"]
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        ]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert bucket["DeletionPolicy"] == "Retain"


def test_buckets_deny_requests_without_tls(template: Template) -> None:
    policies = resources(template, "AWS::S3::BucketPolicy")
    assert len(policies) == 2
    for policy in policies.values():
        template_statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny"
            and s["Action"] == "s3:*"
            and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in template_statements
        )


def test_each_bucket_expires_only_what_is_tagged_intermediate(template: Template) -> None:
    for name in (NAMES.input_bucket, NAMES.output_bucket):
        bucket = next(
            b
            for b in resources(template, "AWS::S3::Bucket").values()
            if b["Properties"]["BucketName"] == name
        )
        rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
        expiring = [
            rule
            for rule in rules
            if "ExpirationInDays" in rule and rule.get("Prefix") != ATTEMPTS_PREFIX
        ]
        # One rule, filtered by the tag `ObjectStorage` sets on intermediate keys only: no
        # prefix, so uploads under input/ and a job's final outputs are never expired (the
        # output bucket's attempts/ rule is checked below).
        assert expiring == [
            {
                "Id": "expire-intermediate",
                "ExpirationInDays": 7,
                "Status": "Enabled",
                "TagFilters": [{"Key": RETENTION_TAG, "Value": INTERMEDIATE_TAG_VALUE}],
            }
        ]
        assert retention_tags(build_segment_key(JOB, 0, 1, "passthrough")) == {
            RETENTION_TAG: INTERMEDIATE_TAG_VALUE
        }
        assert retention_tags(build_job_output_key(JOB, JobArtifact.FINAL)) == {}


def test_the_intermediate_retention_follows_the_config() -> None:
    app = build_app({"intermediate_retention_days": "2"})
    stack = next(c for c in app.node.children if isinstance(c, VidpipeStack))
    rules = [
        rule
        for bucket in resources(Template.from_stack(stack), "AWS::S3::Bucket").values()
        for rule in bucket["Properties"]["LifecycleConfiguration"]["Rules"]
        if rule.get("TagFilters")
    ]
    assert [rule["ExpirationInDays"] for rule in rules] == [2, 2]


def test_tables_follow_the_topology(template: Template) -> None:
    tables = {
        t["Properties"]["TableName"]: t
        for t in resources(template, "AWS::DynamoDB::Table").values()
    }
    assert set(tables) == {NAMES.table(spec.role) for spec in TABLES}
    for spec in TABLES:
        table = tables[NAMES.table(spec.role)]
        props = table["Properties"]
        assert table["DeletionPolicy"] == "Retain"
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        expected_keys = [{"AttributeName": spec.partition_key.name, "KeyType": "HASH"}]
        if spec.sort_key is not None:
            expected_keys.append({"AttributeName": spec.sort_key.name, "KeyType": "RANGE"})
        assert props["KeySchema"] == expected_keys
        assert {
            (a["AttributeName"], a["AttributeType"]) for a in props["AttributeDefinitions"]
        } == {(a.name, a.type) for a in spec.attributes}
        if spec.ttl_attribute:
            assert props["TimeToLiveSpecification"] == {
                "AttributeName": spec.ttl_attribute,
                "Enabled": True,
            }
        else:
            assert "TimeToLiveSpecification" not in props
        indexes = {i["IndexName"]: i for i in props.get("GlobalSecondaryIndexes", [])}
        assert set(indexes) == {index.name for index in spec.indexes}
        for index in spec.indexes:
            assert indexes[index.name]["Projection"] == {"ProjectionType": "ALL"}
            assert indexes[index.name]["KeySchema"][0] == {
                "AttributeName": index.partition_key.name,
                "KeyType": "HASH",
            }


def test_staged_reassembly_attempts_expire_after_a_day(template: Template) -> None:
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketName": NAMES.output_bucket,
            "LifecycleConfiguration": {
                "Rules": Match.array_with(
                    [
                        Match.object_like(
                            {"Prefix": ATTEMPTS_PREFIX, "ExpirationInDays": 1, "Status": "Enabled"}
                        )
                    ]
                )
            },
        },
    )
