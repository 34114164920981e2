"""DynamoDB for the tables pages: a table's description made readable, its page token
(LastEvaluatedKey as a `tokens` token, checked against the table's key attributes on the
way back), and item values shown by type.

Attribute values are the low-level client's typed form (`{"S": ...}`, `{"N": ...}`,
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html),
so the page can say what type each value has, which the resource layer would hide.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from stratus.local.console.data import tokens

MAX_SHOWN = 120  # characters of one value in a cell
MAX_COLUMNS = 40
KEY_TYPES = ("S", "N", "B")  # what a key attribute can be (AttributeDefinition)


# -- page tokens -----------------------------------------------------------------------------
def key_token(key: dict[str, Any]) -> str:
    """LastEvaluatedKey as a URL-safe token (binary key values as base64)."""
    plain: dict[str, dict[str, str]] = {}
    for name, value in key.items():
        kind, raw = next(iter(value.items()))
        if kind == "B":
            raw = base64.b64encode(bytes(raw)).decode()
        plain[name] = {kind: str(raw)}
    return tokens.encode(plain)


def start_key(token: str, allowed: set[str]) -> dict[str, Any] | None:
    """ExclusiveStartKey from a token: only key attributes of the table (or index), each a
    single S, N or B value. TokenError otherwise; None for the first page."""
    if not token:
        return None
    value = tokens.decode(token)
    if not isinstance(value, dict) or not 0 < len(value) <= 4:
        raise tokens.TokenError("The page token is not a table key")
    key: dict[str, Any] = {}
    for name, typed in value.items():
        if name not in allowed:
            raise tokens.TokenError(f"the page token names {name!r}, not a key of this table")
        if not isinstance(typed, dict) or len(typed) != 1:
            raise tokens.TokenError("The page token is not a table key")
        kind, raw = next(iter(typed.items()))
        if kind not in KEY_TYPES or not isinstance(raw, str):
            raise tokens.TokenError("The page token is not a table key")
        if kind == "B":
            try:
                key[name] = {"B": base64.b64decode(raw, validate=True)}
            except (binascii.Error, ValueError):
                raise tokens.TokenError("The page token is not a table key") from None
        else:
            key[name] = {kind: raw}
    return key


# -- values ----------------------------------------------------------------------------------
def _plain(value: dict[str, Any]) -> Any:
    """A typed value as plain JSON-able data (for M and L shown as JSON)."""
    kind, raw = next(iter(value.items()))
    if kind == "M":
        return {k: _plain(v) for k, v in raw.items()}
    if kind == "L":
        return [_plain(v) for v in raw]
    if kind == "N":
        return _number(raw)
    if kind in ("B", "BS"):
        blobs = [raw] if kind == "B" else list(raw)
        shown = [f"<{len(bytes(b))} bytes>" for b in blobs]
        return shown[0] if kind == "B" else shown
    if kind in ("SS", "NS"):
        return sorted(raw)
    if kind == "NULL":
        return None
    return raw


def _number(raw: str) -> int | float | str:
    try:
        number = float(raw)
    except ValueError:
        return raw
    return int(number) if number.is_integer() and "e" not in raw.lower() else number


def cut(text: str, limit: int = MAX_SHOWN) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Shown:
    type: str  # S, N, B, BOOL, NULL, M, L, SS, NS, BS
    text: str  # readable, at most MAX_SHOWN characters
    full: str  # the whole value (a cell's tooltip), bounded too
    cut: bool


def show(value: dict[str, Any]) -> Shown:
    """A typed attribute value as text: strings and numbers as they are, binary as its size
    and first bytes in hex, BOOL and NULL as words, M, L and sets as compact JSON."""
    if not isinstance(value, dict) or len(value) != 1:
        return Shown("?", "?", "?", False)
    kind, raw = next(iter(value.items()))
    if kind in ("S", "N"):
        text = str(raw)
    elif kind == "B":
        data = bytes(raw)
        text = f"{len(data)} bytes: {data[:24].hex(' ')}" + (" …" if len(data) > 24 else "")
    elif kind == "BOOL":
        text = "true" if raw else "false"
    elif kind == "NULL":
        text = "null"
    else:
        text = json.dumps(_plain(value), ensure_ascii=False, default=str)
    full = cut(text, 4000)
    return Shown(kind, cut(text), full, len(text) > MAX_SHOWN)


def columns(items: list[dict[str, Any]], keys: list[str]) -> list[str]:
    """Key attributes first, then every other attribute of the page's items by name."""
    others = sorted({name for item in items for name in item} - set(keys))
    return [*keys, *others][:MAX_COLUMNS]


def typed_key_value(kind: str, text: str) -> dict[str, Any]:
    """A partition key value typed in the query form: S as is, N checked, B as base64."""
    if kind == "N":
        try:
            float(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a number") from None
        return {"N": text.strip()}
    if kind == "B":
        try:
            return {"B": base64.b64decode(text, validate=True)}
        except (binascii.Error, ValueError):
            raise ValueError("a binary key is entered as base64") from None
    return {"S": text}


# -- descriptions ----------------------------------------------------------------------------
@dataclass
class Index:
    name: str
    kind: str  # GSI | LSI
    keys: list[tuple[str, str]]  # (attribute, HASH | RANGE)
    projection: str


@dataclass
class TableInfo:
    name: str
    region: str
    keys: list[tuple[str, str]]  # (attribute, HASH | RANGE)
    types: dict[str, str]  # attribute -> S | N | B
    billing: str
    items: int
    size: int
    status: str
    indexes: list[Index] = field(default_factory=list)
    stream: str | None = None  # StreamViewType when enabled
    ttl: str | None = None  # the TTL attribute when enabled
    dax: list[str] = field(default_factory=list)  # DAX clusters whose role may read it
    arn: str = ""

    @property
    def partition_key(self) -> str:
        return next(name for name, role in self.keys if role == "HASH")

    def key_names(self, index: str | None = None) -> set[str]:
        names = {name for name, _ in self.keys}
        for found in self.indexes:
            if index is None or found.name == index:
                names |= {name for name, _ in found.keys}
        return names


def _keys(schema: list[dict[str, Any]]) -> list[tuple[str, str]]:
    order = {"HASH": 0, "RANGE": 1}
    pairs = [(str(k["AttributeName"]), str(k["KeyType"])) for k in schema]
    return sorted(pairs, key=lambda pair: order.get(pair[1], 2))


def table_info(description: dict[str, Any], region: str, ttl: dict[str, Any] | None) -> TableInfo:
    """DescribeTable's Table (and DescribeTimeToLive's description) as one summary."""
    billing = (description.get("BillingModeSummary") or {}).get("BillingMode")
    if not billing:
        throughput = description.get("ProvisionedThroughput") or {}
        read, write = throughput.get("ReadCapacityUnits"), throughput.get("WriteCapacityUnits")
        billing = f"PROVISIONED ({read} RCU, {write} WCU)" if read else "PAY_PER_REQUEST"
    info = TableInfo(
        name=str(description["TableName"]),
        region=region,
        keys=_keys(description.get("KeySchema") or []),
        types={
            str(a["AttributeName"]): str(a["AttributeType"])
            for a in description.get("AttributeDefinitions") or []
        },
        billing=str(billing),
        items=int(description.get("ItemCount") or 0),
        size=int(description.get("TableSizeBytes") or 0),
        status=str(description.get("TableStatus") or ""),
        arn=str(description.get("TableArn") or ""),
    )
    for kind, field_name in (("GSI", "GlobalSecondaryIndexes"), ("LSI", "LocalSecondaryIndexes")):
        for index in description.get(field_name) or []:
            projection = (index.get("Projection") or {}).get("ProjectionType") or ""
            info.indexes.append(
                Index(
                    str(index["IndexName"]),
                    kind,
                    _keys(index.get("KeySchema") or []),
                    str(projection),
                )
            )
    stream = description.get("StreamSpecification") or {}
    if stream.get("StreamEnabled"):
        info.stream = str(stream.get("StreamViewType") or "enabled")
    if ttl and ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        info.ttl = str(ttl.get("AttributeName") or "")
    return info


def size_text(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
