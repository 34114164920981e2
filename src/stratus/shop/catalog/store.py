"""The products table (partition key `id`), read and written through an injected client.

Listing is a Scan: the catalog is small and read-mostly, and API Gateway fronts it. A
page's cursor is the last key the Scan evaluated (`LastEvaluatedKey`), as base64url JSON:
it names only a public product id, so it needs no signature; anything else is a 400, and
so is a cursor naming no product (DynamoDB would start a Scan after any key, so a forged
cursor would silently give a wrong page; a genuine one names the last product read).
Prices are stored as DynamoDB numbers (exact decimals), never floats.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from stratus.runtime.errors import ValidationError
from stratus.shop.catalog.domain import Product, check_id

_SERIALIZE = TypeSerializer()
_DESERIALIZE = TypeDeserializer()
MAX_LIMIT = 100


def encode_cursor(last_key: dict[str, Any]) -> str:
    product_id = str(_DESERIALIZE.deserialize(last_key["id"]))
    raw = json.dumps({"id": product_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError("cursor: not a cursor this API returned", field="cursor") from exc
    if not isinstance(data, dict) or set(data) != {"id"} or not isinstance(data["id"], str):
        raise ValidationError("cursor: not a cursor this API returned", field="cursor")
    return {"id": {"S": check_id(data["id"], "cursor")}}


class ProductStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put(self, product: Product) -> bool:
        """Create `product` unless its id exists; True when it was created."""
        item = product.model_dump(mode="python")
        item["tags"] = list(product.tags)
        try:
            self._client.put_item(
                TableName=self._table,
                Item={k: _SERIALIZE.serialize(v) for k, v in item.items()},
                ConditionExpression="attribute_not_exists(id)",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get(self, product_id: str) -> Product | None:
        answer = self._client.get_item(TableName=self._table, Key={"id": {"S": product_id}})
        item = answer.get("Item")
        return _product(item) if item else None

    def many(self, ids: Sequence[str]) -> list[Product]:
        """Products for up to 100 ids (one BatchGetItem, unprocessed keys retried)."""
        keys: list[dict[str, Any]] = [{"id": {"S": i}} for i in ids]
        found: list[Product] = []
        while keys:
            answer = self._client.batch_get_item(RequestItems={self._table: {"Keys": keys}})
            found += [_product(item) for item in answer["Responses"].get(self._table, [])]
            keys = answer.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", [])
        return found

    def page(self, limit: int, cursor: str | None = None) -> tuple[list[Product], str | None]:
        """Up to `limit` products and the cursor of the next page (None on the last)."""
        args: dict[str, Any] = {"TableName": self._table, "Limit": limit}
        if cursor:
            start = decode_cursor(cursor)
            if self.get(start["id"]["S"]) is None:
                raise ValidationError("cursor: not a cursor this API returned", field="cursor")
            args["ExclusiveStartKey"] = start
        answer = self._client.scan(**args)
        last = answer.get("LastEvaluatedKey")
        return [_product(i) for i in answer.get("Items", [])], encode_cursor(last) if last else None

    def all(self) -> list[Product]:
        """Every product, sorted by id."""
        products: list[Product] = []
        cursor: str | None = None
        while True:
            page, cursor = self.page(MAX_LIMIT, cursor)
            products += page
            if cursor is None:
                return sorted(products, key=lambda p: p.id)


def _product(item: dict[str, Any]) -> Product:
    data = {k: _DESERIALIZE.deserialize(v) for k, v in item.items()}
    data["tags"] = tuple(data.get("tags") or ())
    return Product.model_validate(data)
