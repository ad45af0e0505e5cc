"""DynamoApiKeyStore: the ApiKeyStore port on an injected DynamoDB client (the api-keys table
of `vidpipe_types.topology`, keyed by `key_id`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from botocore.exceptions import BotoCoreError, ClientError

from vidpipe_aws._dynamo import attribute, from_item, is_condition_failure, to_item
from vidpipe_aws.api_keys import ApiKeyStore
from vidpipe_aws.jobs import utc_now
from vidpipe_types.api_keys import ApiKey

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from mypy_boto3_dynamodb import DynamoDBClient

    from vidpipe_aws._paging import Cursor, Page


class DynamoApiKeyStore(ApiKeyStore):
    _native_errors: ClassVar[tuple[type[Exception], ...]] = (ClientError, BotoCoreError)

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        page_size: int = 100,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(clock=clock)
        self._client = client
        self._table = table_name
        self._page_size = page_size

    def _put_new(self, record: ApiKey) -> bool:
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(record.model_dump(mode="json")),
                ConditionExpression="attribute_not_exists(key_id)",
            )
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def _get(self, key_id: str) -> ApiKey | None:
        response = self._client.get_item(
            TableName=self._table, Key={"key_id": {"S": key_id}}, ConsistentRead=True
        )
        item = response.get("Item")
        return ApiKey.model_validate(from_item(item)) if item else None

    def _set_revoked(self, key_id: str, at: datetime) -> ApiKey | None:
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"key_id": {"S": key_id}},
                UpdateExpression="SET revoked_at = :at",
                ConditionExpression="attribute_exists(key_id) AND attribute_not_exists(revoked_at)",
                ExpressionAttributeValues={":at": attribute(at)},
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if is_condition_failure(exc):
                return None
            raise
        return ApiKey.model_validate(from_item(response["Attributes"]))

    def _scan_page(self, cursor: Cursor | None) -> Page[list[ApiKey]]:
        if cursor:
            response = self._client.scan(
                TableName=self._table, Limit=self._page_size, ExclusiveStartKey=dict(cursor)
            )
        else:
            response = self._client.scan(TableName=self._table, Limit=self._page_size)
        keys = [ApiKey.model_validate(from_item(item)) for item in response.get("Items", [])]
        return keys, response.get("LastEvaluatedKey")
