"""DynamoDB results serialized straight from moto's items, without a converted copy (moto 5.2.5).

What upstream lacks: every DynamoDB handler wraps its answer in `DynamoResult`, whose
constructor converts the whole result with `dynamo_to_dict` (each `DynamoType` becomes a
`{type: value}` dict, recursively, through `isinstance`/`hasattr` chains; binaries are
base64-decoded) — and the serializer then walks that copy again to build the wire form
(binaries base64-encoded again). For a Query of 100 eight-attribute items the conversion
is a quarter of the request and the second walk another sixth.

The patch keeps the unconverted result (for a result that is a dict; others are converted as
moto does) and serializes it in one walk (`json_serializer.Lazy`): containers the conversion
only copies (dicts, moto's `LimitedSizeDict`, lists) are walked in place, a `DynamoType` where
the output shape is `AttributeValue` is encoded directly, anything else is converted with
moto's own `dynamo_to_dict` and serialized as before. The direct encoder returns exactly what
the serializer makes of `dynamo_to_dict(value)`: S and N strings as they are, BOOL and NULL as
they are, sets as lists of their strings, B/BS base64 of the bytes the conversion would hold
(a stored base64 string is decoded and encoded again, as moto does), M and L recursively; for
any other shape of value (an unknown type, a non-string number...) it declines and the
two-step path answers. If the one walk cannot answer, moto's conversion runs and then moto's
serializer (through the other motofast patches), as before.

Until serialization the `DynamoResult.result` property returns the handler's own dict: the only
reader in moto is `include_consumed_capacity`, which adds `ConsumedCapacity` (plain values that
the conversion would copy unchanged) before serialization — so the conversion at the end sees
what it saw at the start, plus that key, as in moto.

Nothing is cached: an item that UpdateItem changes in place is read afresh by the next answer.

Upstream note: `DynamoResult` could convert lazily and moto's serializer could accept a
`DynamoType` where it serializes an `AttributeValue`.
"""

from __future__ import annotations

import base64
from typing import Any

from stratus.local.motofast import json_serializer

_PATCHED = "_stratus_lazy_dynamo_result"
_RAW = "_stratus_raw"
_b64encode = base64.b64encode
_b64decode = base64.b64decode

_LAZY: json_serializer.Lazy | None = None
DynamoType: Any = None  # moto's, once `lazy()` ran


def _blob(value: Any) -> str | None:
    """The wire form of a B value as moto converts (to bytes) and serializes (base64) it."""
    kind = type(value)
    if kind is bytes:
        return _b64encode(value).strip().decode("utf-8")
    if kind is str:
        return _b64encode(_b64decode(value)).strip().decode("utf-8")
    return None


def encode(value: Any) -> dict[str, Any] | None:
    """The serialized AttributeValue of `dynamo_to_dict(value)` for a DynamoType, or None."""
    kind = value.type
    inner = value.value
    inner_type = type(inner)
    if kind == "S" or kind == "N":
        return {kind: inner} if inner_type is str else None
    if kind == "M":
        if inner_type is not dict:
            return None
        members: dict[str, Any] = {}
        for key, sub in inner.items():
            if type(sub) is not DynamoType or type(key) is not str:
                return None
            encoded = encode(sub)
            if encoded is None:
                return None
            members[key] = encoded
        return {kind: members}
    if kind == "L":
        if inner_type is not list:
            return None
        items = []
        for sub in inner:
            if type(sub) is not DynamoType:
                return None
            encoded = encode(sub)
            if encoded is None:
                return None
            items.append(encoded)
        return {kind: items}
    if kind == "BOOL" or kind == "NULL":
        return {kind: inner} if inner_type is bool else None
    if kind == "SS" or kind == "NS":
        if inner_type is not list:
            return None
        for sub in inner:
            if type(sub) is not str:
                return None
        return {kind: list(inner)}
    if kind == "B":
        blob = _blob(inner)
        return None if blob is None else {kind: blob}
    if kind == "BS":
        if inner_type is not list:
            return None
        blobs = []
        for sub in inner:
            blob = _blob(sub)
            if blob is None:
                return None
            blobs.append(blob)
        return {kind: blobs}
    return None


def encode_map(attrs: Any) -> dict[str, Any] | None:
    """The serialized AttributeMap of `dynamo_to_dict(attrs)` (an item's attributes), or None."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if type(value) is not DynamoType:
            return None
        kind = value.type
        inner = value.value
        if (kind == "S" or kind == "N") and type(inner) is str:  # `encode`'s first case inline
            out[key] = {kind: inner}
            continue
        encoded = encode(value)
        if encoded is None:
            return None
        out[key] = encoded
    return out


def lazy() -> json_serializer.Lazy:
    """How DynamoDB results are serialized before `dynamo_to_dict`."""
    global _LAZY, DynamoType
    if _LAZY is None:
        from moto.dynamodb.models.dynamo_type import DynamoType as model
        from moto.dynamodb.models.dynamo_type import LimitedSizeDict
        from moto.dynamodb.models.utilities import dynamo_to_dict

        DynamoType = model
        _LAZY = json_serializer.Lazy(
            dynamo_to_dict,
            dicts=(dict, LimitedSizeDict),
            lists=(list,),
            encoders={
                "AttributeValue": (model, encode),
                "AttributeMap": (LimitedSizeDict, encode_map),
            },
        )
    return _LAZY


def install() -> None:
    from moto.core.responses import ActionResult
    from moto.dynamodb.models.utilities import dynamo_to_dict
    from moto.dynamodb.responses import DynamoResult

    if getattr(DynamoResult.__init__, _PATCHED, False):
        return
    original_init = DynamoResult.__init__
    conversion = lazy()

    def __init__(self: Any, result: object) -> None:
        if type(result) is dict:
            ActionResult.__init__(self, result)  # converted when serialized
            setattr(self, _RAW, True)
        else:
            original_init(self, result)

    def execute_result(self: Any, context: Any) -> Any:
        if self.__dict__.pop(_RAW, False):
            fast = json_serializer.serialize(context, self._result, conversion)
            if fast is not None:
                return fast
            self._result = dynamo_to_dict(self._result)
        return ActionResult.execute_result(self, context)

    setattr(__init__, _PATCHED, True)
    __init__.__wrapped__ = original_init  # type: ignore[attr-defined]
    DynamoResult.__init__ = __init__  # type: ignore[method-assign]
    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]
