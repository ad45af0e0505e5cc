"""DynamoDB tables from ``topology.TABLES``: on demand, point-in-time recovery, TTL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from vidpipe_infra.checks import accept_findings
from vidpipe_types.topology import TABLES, KeyAttribute, StackNames, TableRole, TableSpec

if TYPE_CHECKING:
    from collections.abc import Iterable

_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}


def _key(key: KeyAttribute) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=_TYPES[key.type])


def _optional_key(key: KeyAttribute | None) -> dynamodb.Attribute | None:
    return None if key is None else _key(key)


class Tables(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: StackNames,
        specs: Iterable[TableSpec] = TABLES,
    ) -> None:
        super().__init__(scope, construct_id)
        self._tables: dict[TableRole, dynamodb.Table] = {}
        for spec in specs:
            self._tables[spec.role] = self._table(names, spec)

    def __getitem__(self, role: TableRole) -> dynamodb.Table:
        return self._tables[TableRole(role)]

    def _table(self, names: StackNames, spec: TableSpec) -> dynamodb.Table:
        label = "".join(part.capitalize() for part in spec.role.value.split("-"))
        table = dynamodb.Table(
            self,
            label,
            table_name=names.table(spec.role),
            partition_key=_key(spec.partition_key),
            sort_key=_optional_key(spec.sort_key),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=spec.ttl_attribute,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            # Job history is the users' record: deleting the stack keeps the tables.
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_key(index.partition_key),
                sort_key=_optional_key(index.sort_key),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        accept_findings(table, "CKV_AWS_119")
        return table
