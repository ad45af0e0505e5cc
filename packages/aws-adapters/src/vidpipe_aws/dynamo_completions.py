"""DynamoCompletionStore: the SegmentCompletionStore port on an injected DynamoDB client.

Items are keyed `job_id` (S) + `segment_index` (N), as `vidpipe_types.topology` defines the
table; `completed_at` is an ISO-8601 UTC string. Each job's count is one more item of the same
table, at `segment_index` -1 (`COUNT_INDEX`, below every real index, so queries for records
start at 0), with the attribute `completed_count`; a new record and its count are written in
one TransactWriteItems (a conditional Put and an ADD), which a duplicate cancels as a whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from botocore.exceptions import BotoCoreError, ClientError

from vidpipe_aws._dynamo import from_item, is_condition_failure, to_item
from vidpipe_aws.completions import SegmentCompletionStore
from vidpipe_aws.retention import KEEP_FOREVER
from vidpipe_types.payloads import SegmentCompletion
from vidpipe_types.topology import TTL_ATTRIBUTE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from vidpipe_aws._paging import Cursor, Page
    from vidpipe_aws.retention import RecordRetention


#: The sort key of a job's count item: below every segment index (those start at 0).
COUNT_INDEX = -1
_COUNT_ATTRIBUTE = "completed_count"


class DynamoCompletionStore(SegmentCompletionStore):
    """`page_size` is the Limit of each Query page (tests make it small to force paging)."""

    _native_errors: ClassVar[tuple[type[Exception], ...]] = (ClientError, BotoCoreError)

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        page_size: int = 500,
        retention: RecordRetention = KEEP_FOREVER,
    ) -> None:
        super().__init__(retention=retention)
        self._client = client
        self._table = table_name
        self._page_size = page_size

    def _put_new(self, completion: SegmentCompletion, expires_at: int | None) -> bool:
        item = to_item(completion.model_dump(mode="json"))
        count_update = f"ADD {_COUNT_ATTRIBUTE} :one"
        values: dict[str, Any] = {":one": {"N": "1"}}
        if expires_at is not None:
            item[TTL_ATTRIBUTE] = {"N": str(expires_at)}
            count_update += f" SET {TTL_ATTRIBUTE} = :expires"
            values[":expires"] = {"N": str(expires_at)}
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": item,
                            "ConditionExpression": "attribute_not_exists(segment_index)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": self._count_key(completion.job_id),
                            "UpdateExpression": count_update,
                            "ExpressionAttributeValues": values,
                        }
                    },
                ]
            )
        except ClientError as exc:
            if _record_exists(exc):
                return False
            raise
        return True

    def _read_count(self, job_id: str) -> int | None:
        response = self._client.get_item(
            TableName=self._table, Key=self._count_key(job_id), ConsistentRead=True
        )
        item = response.get("Item")
        if item is None or _COUNT_ATTRIBUTE not in item:
            return None
        return int(item[_COUNT_ATTRIBUTE]["N"])

    def _delete_count(self, job_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key=self._count_key(job_id))

    @staticmethod
    def _count_key(job_id: str) -> dict[str, Any]:
        return {"job_id": {"S": job_id}, "segment_index": {"N": str(COUNT_INDEX)}}

    def _query(self, job_id: str, cursor: Cursor | None, **extra: Any) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            # From index 0: the job's count item (at -1) is not a record.
            "KeyConditionExpression": "job_id = :job AND segment_index >= :first",
            "ExpressionAttributeValues": {":job": {"S": job_id}, ":first": {"N": "0"}},
            # Strongly consistent: a completion written just before the count must be counted.
            "ConsistentRead": True,
            "Limit": self._page_size,
            **extra,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = cursor
        response: dict[str, Any] = dict(self._client.query(**kwargs))
        return response

    def _count_page(self, job_id: str, cursor: Cursor | None) -> Page[int]:
        response = self._query(job_id, cursor, Select="COUNT")
        return int(response.get("Count", 0)), response.get("LastEvaluatedKey")

    def _list_page(self, job_id: str, cursor: Cursor | None) -> Page[list[SegmentCompletion]]:
        response = self._query(job_id, cursor)
        completions = [
            # The TTL attribute is the store's, not the completion's.
            SegmentCompletion.model_validate(
                from_item({k: v for k, v in item.items() if k != TTL_ATTRIBUTE})
            )
            for item in response.get("Items", [])
        ]
        return completions, response.get("LastEvaluatedKey")

    def _delete_one(self, job_id: str, segment_index: int) -> None:
        self._client.delete_item(
            TableName=self._table,
            Key={"job_id": {"S": job_id}, "segment_index": {"N": str(segment_index)}},
        )


def _record_exists(exc: ClientError) -> bool:
    """The transaction was cancelled because the record's Put found one already there."""
    if is_condition_failure(exc):
        return True
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return False
    reasons = exc.response.get("CancellationReasons") or []
    return bool(reasons) and reasons[0].get("Code") == "ConditionalCheckFailed"
