"""DynamoDB's attribute-value format, both ways (boto3's own (de)serializers, no Decimal leak)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in item.items():
        plain = _deserializer.deserialize(value)
        if isinstance(plain, Decimal):
            plain = int(plain) if plain == plain.to_integral_value() else float(plain)
        elif isinstance(plain, set):
            plain = sorted(plain)
        out[key] = plain
    return out


def key_to_cursor(key: Mapping[str, Any]) -> dict[str, str]:
    """LastEvaluatedKey (all string keys here) as a plain dict for a cursor."""
    return {name: str(value["S"]) for name, value in key.items()}


def cursor_to_key(values: Mapping[str, str]) -> dict[str, Any]:
    return {name: {"S": value} for name, value in values.items()}


def error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))
