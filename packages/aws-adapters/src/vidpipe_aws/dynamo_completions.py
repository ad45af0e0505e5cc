"""DynamoCompletionStore: the SegmentCompletionStore port on an injected DynamoDB client.

Items are keyed `job_id` (S) + `segment_index` (N), as `vidpipe_types.topology` defines the
table; `completed_at` is an ISO-8601 UTC string.
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
        if expires_at is not None:
            item[TTL_ATTRIBUTE] = {"N": str(expires_at)}
        try:
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(segment_index)",
            )
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def _query(self, job_id: str, cursor: Cursor | None, **extra: Any) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "job_id = :job",
            "ExpressionAttributeValues": {":job": {"S": job_id}},
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
