"""Plain JSON-able values <-> DynamoDB attribute values, shared by the DynamoDB adapters."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from vidpipe_types.timestamps import format_utc

if TYPE_CHECKING:
    from collections.abc import Mapping

    from botocore.exceptions import ClientError
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def _to_dynamo(value: Any) -> Any:
    # DynamoDB numbers are Decimals: a float would be refused by the serializer. Decimal(str(x))
    # keeps what the float prints as (10.25, not 10.2499999...).
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_to_dynamo(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """JSON-able form, with timestamps exactly as the models write them (fixed width, so
    they sort as strings); enums and other pydantic-known types as pydantic writes them."""
    if isinstance(value, datetime):
        return format_utc(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return to_jsonable_python(value)


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    return value


def attribute(value: Any) -> AttributeValueTypeDef:
    """One python or pydantic value as an attribute value (datetimes as ISO-8601 strings)."""
    serialized: AttributeValueTypeDef = _SERIALIZER.serialize(_to_dynamo(_plain(value)))
    return serialized


def to_item(data: Mapping[str, Any]) -> dict[str, AttributeValueTypeDef]:
    """A JSON-able dict as an item; None values are left out (never stored as NULL), so that
    `attribute_not_exists` is the one way to ask for "unset"."""
    return {name: attribute(value) for name, value in data.items() if value is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item back to plain python values (integral numbers as int, others as float)."""
    return {name: _from_dynamo(_DESERIALIZER.deserialize(value)) for name, value in item.items()}


def is_condition_failure(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
