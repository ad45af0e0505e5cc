"""A worker's task role gets exactly what its ``WorkerSpec`` lists, action by action.

The CDK ``grant*`` helpers are broader than vidpipe needs (``grantReadWriteData`` includes
Scan, BatchWrite and DeleteItem), so the statements are written out here from the calls the
adapters in ``vidpipe_aws`` make.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Aws
from aws_cdk import aws_iam as iam

from vidpipe_aws import is_s3_location
from vidpipe_infra.settings_schema import WEIGHTS_SETTINGS
from vidpipe_types.keys import parse_s3_uri

if TYPE_CHECKING:
    from collections.abc import Mapping

    from vidpipe_infra.queues import WorkQueues
    from vidpipe_infra.storage import Buckets
    from vidpipe_infra.tables import Tables
    from vidpipe_infra.workers import WorkerSpec
    from vidpipe_types.topology import Worker

# head_object needs s3:GetObject too; download_file uses ranged GetObject.
OBJECT_READ = ["s3:GetObject"]
# upload_file switches to a multipart upload for large files, which PutObject covers; an
# upload with object tags (the retention tag of intermediate keys) needs PutObjectTagging too.
OBJECT_WRITE = ["s3:PutObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload"]
TABLE_READ = ["dynamodb:GetItem", "dynamodb:Query"]
TABLE_WRITE = [*TABLE_READ, "dynamodb:PutItem", "dynamodb:UpdateItem"]
QUEUE_CONSUME = [
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
]
QUEUE_SEND = ["sqs:SendMessage"]
OBJECT_DELETE = ["s3:DeleteObject"]
# The ECS agent's task-protection endpoint calls these with the task role's credentials.
TASK_PROTECTION = ["ecs:UpdateTaskProtection", "ecs:GetTaskProtection"]


def worker_statements(
    spec: WorkerSpec,
    *,
    buckets: Buckets,
    tables: Tables,
    queues: WorkQueues,
    available: frozenset[Worker],
    cluster_tasks_arn: str,
) -> list[iam.PolicyStatement]:
    """The statements of ``spec``'s task role; queues of workers not in ``available`` are
    left out (nothing would consume what is sent there). ``cluster_tasks_arn`` (the cluster's
    ``task/<cluster>/*``) is where every worker may set its own scale-in protection."""
    statements: list[iam.PolicyStatement] = [
        iam.PolicyStatement(actions=TASK_PROTECTION, resources=[cluster_tasks_arn])
    ]
    for access in spec.reads:
        statements.append(
            iam.PolicyStatement(
                actions=OBJECT_READ,
                resources=[buckets.bucket(access.bucket).arn_for_objects(access.pattern)],
            )
        )
    for access in spec.writes:
        statements.append(
            iam.PolicyStatement(
                actions=OBJECT_WRITE,
                resources=[buckets.bucket(access.bucket).arn_for_objects(access.pattern)],
            )
        )
    for access in spec.deletes:
        statements.append(
            iam.PolicyStatement(
                actions=OBJECT_DELETE,
                resources=[buckets.bucket(access.bucket).arn_for_objects(access.pattern)],
            )
        )
    for roles, actions in ((spec.table_reads, TABLE_READ), (spec.table_writes, TABLE_WRITE)):
        for role in roles:
            table = tables[role]
            statements.append(
                iam.PolicyStatement(
                    actions=actions,
                    # Query on an index (the sweeper's by-status listing) names the index ARN.
                    resources=[table.table_arn, f"{table.table_arn}/index/*"],
                )
            )
    statements.append(
        iam.PolicyStatement(actions=QUEUE_CONSUME, resources=[queues[spec.queue].queue.queue_arn])
    )
    targets = [queues[worker].queue.queue_arn for worker in spec.sends if worker in available]
    if targets:
        statements.append(iam.PolicyStatement(actions=QUEUE_SEND, resources=targets))
    return statements


def weights_statements(environment: Mapping[str, str]) -> list[iam.PolicyStatement]:
    """s3:GetObject on exactly the objects that a service's weights settings name as
    ``s3://`` URIs (SAM2_CHECKPOINT, YOLO_MODEL_PATH): the worker downloads them at warm-up."""
    objects = sorted(
        {
            "/".join(parse_s3_uri(environment[name]))
            for name in WEIGHTS_SETTINGS
            if is_s3_location(environment.get(name))
        }
    )
    if not objects:
        return []
    return [
        iam.PolicyStatement(
            actions=OBJECT_READ, resources=[f"arn:{Aws.PARTITION}:s3:::{obj}" for obj in objects]
        )
    ]


def grant_worker(role: iam.IRole, statements: list[iam.PolicyStatement]) -> None:
    for statement in statements:
        role.add_to_principal_policy(statement)
