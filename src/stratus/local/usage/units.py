"""DynamoDB's request units, counted as AWS bills them.

Item sizes follow "DynamoDB item sizes and formats"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
attribute name bytes + value bytes; a number ~1 byte per two significant digits + 1; a
binary value its raw (not base64) length; null and Boolean 1 byte; a List or Map 3 bytes of
overhead + 1 byte per element. moto's own `DynamoType.size()` exists but counts a number by
its text length and leaves the List/Map overheads out (it only guards the 400 KB limit), so
the rules are written out here.

Units follow "DynamoDB read and write operations"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html):
a strongly consistent read is 1 unit per 4 KB (rounded up), eventually consistent half of
that, transactional twice; a write is 1 unit per 1 KB (rounded up), transactional twice.
BatchGetItem/BatchWriteItem round each item on its own; Query and Scan round the sum of the
items read once, and always cost at least the minimum of one read.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Iterable, Mapping
from typing import Any

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024


def _number_size(text: str) -> int:
    digits = text.lstrip("+-").lower().split("e", 1)[0].replace(".", "")
    significant = digits.strip("0") or "0"
    return (len(significant) + 1) // 2 + 1


def _binary_size(value: Any) -> int:
    if isinstance(value, bytes | bytearray):
        return len(value)
    try:
        return len(base64.b64decode(str(value), validate=False))
    except (binascii.Error, ValueError):
        return len(str(value).encode())


def value_size(value: Mapping[str, Any]) -> int:
    """The size of one typed value ({"S": "x"}, {"N": "1"}, {"M": {...}}...), name excluded."""
    if type(value) is not dict and not isinstance(value, Mapping):  # dict: no ABC check
        return 0
    if len(value) != 1:
        return 0
    kind, inner = next(iter(value.items()))
    if kind == "S":
        if type(inner) is str and inner.isascii():
            return len(inner)
        return len(str(inner).encode())
    if kind == "N":
        return _number_size(str(inner))
    if kind == "B":
        return _binary_size(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(v).encode()) for v in inner or ())
    if kind == "NS":
        return sum(_number_size(str(v)) for v in inner or ())
    if kind == "BS":
        return sum(_binary_size(v) for v in inner or ())
    if kind == "L":
        elements = list(inner or ())
        return 3 + sum(value_size(v) + 1 for v in elements)
    if kind == "M":
        members = dict(inner or {})
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in members.items())
    return 0


def item_size(item: Mapping[str, Any] | None) -> int:
    """An item's size in bytes (attribute names + values). A Query answer's items are sized
    on every call (usage metering), hence the ASCII shortcuts: an ASCII string's UTF-8 length
    is its length."""
    if not item:
        return 0
    return sum(
        (len(name) if type(name) is str and name.isascii() else len(str(name).encode()))
        + value_size(value)
        for name, value in item.items()
    )


def read_units(size: int, *, consistent: bool = False, transactional: bool = False) -> float:
    """Read request units for `size` bytes read as one unit of rounding (at least one)."""
    blocks = max(1, math.ceil(size / READ_UNIT_BYTES))
    if transactional:
        return 2.0 * blocks
    return float(blocks) if consistent else blocks / 2.0


def write_units(size: int, *, transactional: bool = False) -> float:
    """Write request units for one item of `size` bytes (at least one)."""
    blocks = max(1, math.ceil(size / WRITE_UNIT_BYTES))
    return 2.0 * blocks if transactional else float(blocks)


def items_read_units(
    items: Iterable[Mapping[str, Any]], *, consistent: bool = False, each: bool = False
) -> float:
    """Units for reading `items`: rounded per item (`each`, BatchGetItem) or on their sum
    (Query, Scan)."""
    sizes = [item_size(i) for i in items]
    if each:
        return sum(read_units(s, consistent=consistent) for s in sizes)
    return read_units(sum(sizes), consistent=consistent)
