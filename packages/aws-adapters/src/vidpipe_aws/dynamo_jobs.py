"""DynamoJobStore: the JobStore port on an injected boto3 DynamoDB client.

A job is stored as top-level attributes (its `model_dump(mode="json")`), so that conditions can
address `status`, `total_segments` and the lease. Timestamps are ISO-8601 UTC strings, which
sort as time does (the `by-status` index sorts on `updated_at`), except
`reassembly_lease_until`: it is stored as epoch seconds (N) so that "the lease has expired" is a
numeric comparison in a ConditionExpression. Absent values are absent attributes, never NULL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from botocore.exceptions import BotoCoreError, ClientError

from vidpipe_aws._conditions import (
    EXISTS,
    AllOf,
    AnyOf,
    Below,
    Condition,
    Equals,
    HasKey,
    IsEmpty,
    IsIn,
    IsSet,
    IsUnset,
)
from vidpipe_aws._dynamo import attribute, from_item, is_condition_failure, to_item
from vidpipe_aws.jobs import JobStore, utc_now
from vidpipe_aws.retention import KEEP_FOREVER
from vidpipe_types.job import Job, JobStatus
from vidpipe_types.outbox import OUTBOX_PENDING
from vidpipe_types.topology import (
    JOBS_BY_OUTBOX_INDEX,
    JOBS_BY_STATUS_INDEX,
    JOBS_BY_TENANT_INDEX,
    TTL_ATTRIBUTE,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

    from vidpipe_aws._paging import Cursor, Page
    from vidpipe_aws.jobs import JobUpdate
    from vidpipe_aws.retention import RecordRetention

#: Lease expiries compared with `Below` in conditions: stored as epoch numbers, so that the
#: comparison is numeric (an ISO string's ordering depends on its format).
LEASE_TIMES = frozenset({"reassembly_lease_until", "chunking_lease_until"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _epoch(moment: datetime) -> str:
    """Epoch seconds with exact microseconds (no float rounding on the way in or out)."""
    micros = (moment - _EPOCH) // timedelta(microseconds=1)
    return str(Decimal(micros).scaleb(-6))


def _from_epoch(number: str) -> datetime:
    return _EPOCH + timedelta(microseconds=int(Decimal(number).scaleb(6)))


def job_attribute(name: str, value: Any) -> AttributeValueTypeDef:
    """The stored form of one job field."""
    if name in LEASE_TIMES and isinstance(value, datetime):
        return {"N": _epoch(value)}
    return attribute(value)


def job_to_item(job: Job) -> dict[str, AttributeValueTypeDef]:
    item = to_item(job.model_dump(mode="json", exclude=set(LEASE_TIMES), exclude_none=True))
    for name in LEASE_TIMES:
        moment = getattr(job, name)
        if moment is not None:
            item[name] = {"N": _epoch(moment)}
    return item


def item_to_job(item: Mapping[str, Any]) -> Job:
    # The TTL attribute is the store's, not the job's.
    stored = {k: v for k, v in item.items() if k not in LEASE_TIMES and k != TTL_ATTRIBUTE}
    data = from_item(stored)
    for name in LEASE_TIMES & item.keys():
        data[name] = _from_epoch(item[name]["N"])
    return Job.model_validate(data)


class _Expression:
    """Collects placeholder names and values while an expression is written."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, AttributeValueTypeDef] = {}

    def name(self, attribute_name: str) -> str:
        placeholder = f"#n{len(self.names)}"
        self.names[placeholder] = attribute_name
        return placeholder

    def value(self, field: str, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = job_attribute(field, value)
        return placeholder

    def condition(self, condition: Condition) -> str:
        match condition:
            case Equals(field, value):
                return f"{self.name(field)} = {self.value(field, value)}"
            case IsIn(field, values) if values:
                options = ", ".join(self.value(field, v) for v in values)
                return f"{self.name(field)} IN ({options})"
            case IsSet(field):
                return f"attribute_exists({self.name(field)})"
            case IsUnset(field):
                return f"attribute_not_exists({self.name(field)})"
            case HasKey(field, key):
                return f"attribute_exists({self.name(field)}.{self.name(key)})"
            case IsEmpty(field):
                return f"size({self.name(field)}) = {self.value(field, 0)}"
            case Below(field, value, or_equal):
                operator = "<=" if or_equal else "<"
                return f"{self.name(field)} {operator} {self.value(field, value)}"
            case AllOf(parts) if parts:
                return " AND ".join(f"({self.condition(p)})" for p in parts)
            case AnyOf(parts) if parts:
                return " OR ".join(f"({self.condition(p)})" for p in parts)
        raise ValueError(f"cannot express {condition!r} in DynamoDB")


class DynamoJobStore(JobStore):
    """`page_size` is the Limit of each by-status Query page (tests make it small)."""

    _native_errors: ClassVar[tuple[type[Exception], ...]] = (ClientError, BotoCoreError)

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        index_name: str = JOBS_BY_STATUS_INDEX,
        tenant_index_name: str = JOBS_BY_TENANT_INDEX,
        outbox_index_name: str = JOBS_BY_OUTBOX_INDEX,
        page_size: int = 100,
        clock: Callable[[], datetime] = utc_now,
        retention: RecordRetention = KEEP_FOREVER,
    ) -> None:
        super().__init__(clock=clock, retention=retention)
        self._client = client
        self._table = table_name
        self._index = index_name
        self._tenant_index = tenant_index_name
        self._outbox_index = outbox_index_name
        self._page_size = page_size

    def _put_new(self, job: Job, expires_at: int | None) -> bool:
        item = job_to_item(job)
        if expires_at is not None:
            item[TTL_ATTRIBUTE] = {"N": str(expires_at)}
        try:
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(job_id)",
            )
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def _get(self, job_id: str) -> Job | None:
        response = self._client.get_item(
            TableName=self._table, Key={"job_id": {"S": job_id}}, ConsistentRead=True
        )
        item = response.get("Item")
        return item_to_job(item) if item else None

    def _update(self, job_id: str, update: JobUpdate, condition: Condition) -> Job | None:
        expression = _Expression()
        sets: list[str] = []
        removes: list[str] = []
        for field, value in update.values.items():
            if value is None:
                removes.append(expression.name(field))
            else:
                sets.append(f"{expression.name(field)} = {expression.value(field, value)}")
        if update.stage_timestamp is not None:
            stage, at = update.stage_timestamp
            path = f"{expression.name('stage_timestamps')}.{expression.name(stage)}"
            sets.append(f"{path} = {expression.value('stage_timestamps', at)}")
        # Outbox entries by id, as paths into the map: adding one never rewrites (and so
        # never loses) an entry another writer added or cleared meanwhile.
        for entry in update.outbox_add:
            path = f"{expression.name('outbox')}.{expression.name(entry.id)}"
            sets.append(f"{path} = {expression.value('outbox', entry)}")
        for entry_id in update.outbox_remove:
            removes.append(f"{expression.name('outbox')}.{expression.name(entry_id)}")
        clauses = [f"SET {', '.join(sets)}"] if sets else []
        if removes:
            clauses.append(f"REMOVE {', '.join(removes)}")
        condition_expression = f"attribute_exists({expression.name('job_id')})"
        if condition != EXISTS:
            condition_expression += f" AND ({expression.condition(condition)})"
        kwargs: dict[str, Any] = {}
        if expression.values:
            kwargs["ExpressionAttributeValues"] = expression.values
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"job_id": {"S": job_id}},
                UpdateExpression=" ".join(clauses),
                ConditionExpression=condition_expression,
                ExpressionAttributeNames=expression.names,
                ReturnValues="ALL_NEW",
                **kwargs,
            )
        except ClientError as exc:
            if is_condition_failure(exc):
                return None
            raise
        return item_to_job(response["Attributes"])

    def _status_page(
        self, status: JobStatus, updated_before: datetime | None, cursor: Cursor | None
    ) -> Page[list[Job]]:
        expression = _Expression()
        key_condition = f"{expression.name('status')} = {expression.value('status', status)}"
        if updated_before is not None:
            key_condition += (
                f" AND {expression.name('updated_at')}"
                f" < {expression.value('updated_at', updated_before)}"
            )
        return self._index_page(self._index, key_condition, expression, cursor)

    def _outbox_page(self, cursor: Cursor | None) -> Page[list[Job]]:
        # The index is eventually consistent: callers read each record again before acting.
        expression = _Expression()
        key_condition = (
            f"{expression.name('outbox_pending')}"
            f" = {expression.value('outbox_pending', OUTBOX_PENDING)}"
        )
        return self._index_page(self._outbox_index, key_condition, expression, cursor)

    def _index_page(
        self, index: str, key_condition: str, expression: _Expression, cursor: Cursor | None
    ) -> Page[list[Job]]:
        """One page of a Query on `index` (a page of `page_size` jobs and the next cursor)."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeNames": expression.names,
            "ExpressionAttributeValues": expression.values,
            "Limit": self._page_size,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = cursor
        response = self._client.query(**kwargs)
        jobs = [item_to_job(item) for item in response.get("Items", [])]
        return jobs, response.get("LastEvaluatedKey")

    def _delete(self, job_id: str) -> bool:
        response = self._client.delete_item(
            TableName=self._table, Key={"job_id": {"S": job_id}}, ReturnValues="ALL_OLD"
        )
        return bool(response.get("Attributes"))

    def _tenant_page(
        self, tenant_id: str, status: JobStatus | None, limit: int, cursor: Cursor | None
    ) -> Page[list[Job]]:
        expression = _Expression()
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": self._tenant_index,
            "KeyConditionExpression": (
                f"{expression.name('tenant_id')} = {expression.value('tenant_id', tenant_id)}"
            ),
            # Newest first: the index sorts on created_at, a fixed-width UTC string.
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if status is not None:
            kwargs["FilterExpression"] = (
                f"{expression.name('status')} = {expression.value('status', status)}"
            )
        kwargs["ExpressionAttributeNames"] = expression.names
        kwargs["ExpressionAttributeValues"] = expression.values
        if cursor:
            kwargs["ExclusiveStartKey"] = {name: {"S": str(cursor[name])} for name in cursor}
        response = self._client.query(**kwargs)
        jobs = [item_to_job(item) for item in response.get("Items", [])]
        last = response.get("LastEvaluatedKey")
        next_cursor = None if not last else {name: value["S"] for name, value in last.items()}
        return jobs, next_cursor
