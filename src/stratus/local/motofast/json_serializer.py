"""JSON-protocol responses built by a shape walk compiled once per operation (moto 5.2.5 patch).

What upstream lacks: moto's `JSONSerializer` re-derives everything per value. For every
member of every structure it builds an `AttributePickerContext`, asks six alias providers
for candidate keys (each probing `hasattr`, `xform_name`, the shape's parent), keeps a key
path, and dispatches on `getattr(self, "_serialize_type_" + type_name)`. A DynamoDB Query
of 20 small items (8 attributes) spends ~20 ms there (half of the request) while `json.dumps` of the
result takes 0.05 ms; SQS, Cognito, Logs and every other `json` service pay the same.

The patch compiles, per output shape, the same walk with everything that does not depend on
the value precomputed: for a plain `dict` the alias providers' candidate keys are a fixed
tuple per (structure, member) (`ExplicitAlias` needs a `Meta` attribute a dict lacks,
`ClassPrefixAlias` a key starting with "dict", the others read only the shapes), and each
shape type converts its value exactly as moto's `_serialize_type_*` method does (strings via
`str` unless None/{}/[], blobs base64, integers `int`, floats `float`, timestamps through
moto's own `TimestampSerializer`, lists keep an item as is when its member serializes to
nothing, maps keyed by their own keys). The body is then `json.dumps` as in moto.

It applies only where that equivalence holds and otherwise runs moto's serializer
unchanged: `JSONSerializer` itself (not rest-json or service-specific subclasses), a result
that is not an error, no response transformers on the handler, no event-stream output, and
values whose structures are plain dicts and whose lists are lists or tuples (anything else,
e.g. a model object read by attribute, abandons the fast walk for the whole response). Tests
compare both outputs byte for byte over real responses.

Lazy conversion (`Lazy`): some handlers (DynamoDB's `DynamoResult`) hand the serializer a
copy of their result converted to plain types (`dynamo_to_dict`), which costs as much as the
walk itself. Given the conversion function, the walk can read the unconverted result instead:
at every node it either walks the container types the conversion only copies (dicts and lists
whose items it converts), or applies the conversion to that node and continues with the plain
walk. Since the conversion works node by node, the answer is the serialization of the
converted result; a service may add encoders that turn one of its model objects straight
into the serialized form of its converted value (tested against the two-step path).

DynamoDB bodies by orjson (`COMPACT_SERVICES`). Once the walk was compiled, `json.dumps`
was the largest single cost left: 485 us of a 100-item Query's ~2.4 ms of CPU (a 35 KB body)
against 36 us for `orjson.dumps` of the same value. orjson writes compact JSON (no space
after `,` and `:`) with non-ASCII characters as UTF-8 rather than escaped (`\\u00e9`): the same
JSON value, and what DynamoDB itself sends (its examples are compact:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html).
A value orjson does not write as `json.dumps` would -- a Decimal, an integer beyond 64
bits, a non-string key, a datetime or dataclass (passed through, so refused) -- makes it
raise, and `json.dumps` writes the body as before; NaN (which orjson writes as null) cannot
occur in a DynamoDB answer, whose only floats are consumed capacity units. Other services
keep moto's exact bytes. Tests check that a DynamoDB body is, byte for byte, the compact
UTF-8 form of moto's own answer.

Upstream note: moto could cache the candidate keys per (shape, member, object type) inside
`AttributePicker` and skip the key path when no transformer is registered; that keeps its
design and removes nearly all of the cost.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from enum import Enum
from typing import Any

import orjson
from botocore import xform_name

_PATCHED = "_stratus_compiled_json"
_MISSING = object()
_EMPTY: list[Any] = [None, {}, []]

Put = Callable[[dict[Any, Any], Any, Any], None]


class _NotPlain(Exception):
    """A value the compiled walk does not cover; moto's serializer answers instead."""


_PRIMITIVES = frozenset({str, int, float, bool, bytes, type(None)})


class Lazy:
    """How to serialize a result that moto would first convert with `convert`.

    `convert` must work node by node: it returns a dict of the types in `dicts` as a plain
    dict of its converted values, a list of the types in `lists` as a list of its converted
    items, and the primitive types unchanged. `encoders` maps a shape name to (a model type,
    a function returning the serialized form of the converted object, or None to decline).
    """

    def __init__(
        self,
        convert: Callable[[Any], Any],
        dicts: tuple[type, ...] = (dict,),
        lists: tuple[type, ...] = (list,),
        encoders: dict[str, tuple[type, Callable[[Any], Any]]] | None = None,
    ) -> None:
        self.convert = convert
        self.dicts = frozenset(dicts)
        self.lists = frozenset(lists)
        self.encoders = encoders or {}
        self.compiled: dict[tuple[str, str], Put | None] = {}


def _candidate_keys(parent: Any, key: str, shape: Any) -> tuple[str, ...]:
    """moto's XFormedAttributePicker keys for member `key` of `parent`, read from a dict."""
    keys: list[str] = []

    def add(alias: str) -> None:
        keys.append(alias)
        keys.append(xform_name(alias))

    # ExplicitAlias: a dict has no `Meta`.
    # ShapeNameAlias
    if (
        shape.type_name in ("list", "structure")
        and shape.name not in parent.members
        and key != shape.name
    ):
        add(shape.name)
    # NoAlias
    add(key)
    # ShapePrefixAlias
    if parent.type_name == "structure" and key.lower().startswith(parent.name.lower()):
        alias = key[len(parent.name) :]
        if alias not in parent.members:
            add(alias)
    # ClassPrefixAlias: the object's class is `dict`.
    if key.lower().startswith("dict"):
        add(key[len("dict") :])
    # ModelAlias
    name = shape.serialization.get("name", key)
    if name != key:
        add(name)
    if any("." in k for k in keys):  # moto would read a dotted path; not compiled
        raise _NotPlain(key)
    return tuple(keys)


class _Compiler:
    def __init__(self, lazy: Lazy | None = None) -> None:
        # botocore builds new Shape objects on each access: shapes are known by name and by
        # the member-level traits a reference adds (a serialized name).
        self._puts: dict[tuple[str, str], Put] = {}
        self._lazy = lazy
        self._plain = _Compiler() if lazy is not None else self
        from moto.core.serialize import TimestampSerializer

        self._timestamps = TimestampSerializer(TimestampSerializer.TIMESTAMP_FORMAT_UNIX)

    def put(self, shape: Any) -> Put:
        """A function doing what moto's `_serialize(out, value, shape, key)` does."""
        ident = (shape.name, repr(sorted(shape.serialization.items())))
        found = self._puts.get(ident)
        if found is not None:
            return found
        cell: list[Put] = []

        def late(out: dict[Any, Any], value: Any, key: Any) -> None:  # recursive shapes
            cell[0](out, value, key)

        self._puts[ident] = late
        built = self._build(shape) if self._lazy is None else self._build_lazy(shape, self._lazy)
        cell.append(built)
        self._puts[ident] = built
        return built

    def _build(self, shape: Any) -> Put:
        name = shape.serialization.get("name")
        type_name = shape.type_name

        def out_key(key: Any) -> Any:
            return key if name is None else name

        if type_name == "structure":
            return self._structure(shape, out_key)
        if type_name == "list":
            return self._list(shape, out_key)
        if type_name == "map":
            return self._map(shape, out_key)
        if type_name == "string":

            def put_string(out: dict[Any, Any], value: Any, key: Any) -> None:
                if isinstance(value, Enum):
                    value = value.value
                out[out_key(key)] = str(value) if value not in _EMPTY else value

            return put_string
        if type_name == "blob":

            def put_blob(out: dict[Any, Any], value: Any, key: Any) -> None:
                raw = value.encode("utf-8") if isinstance(value, str) else value
                out[out_key(key)] = base64.b64encode(raw).strip().decode("utf-8")

            return put_blob
        if type_name in ("integer", "long"):

            def put_int(out: dict[Any, Any], value: Any, key: Any) -> None:
                out[out_key(key)] = int(value)

            return put_int
        if type_name in ("float", "double"):

            def put_float(out: dict[Any, Any], value: Any, key: Any) -> None:
                out[out_key(key)] = float(value)

            return put_float
        if type_name == "timestamp":
            stamps = self._timestamps

            def put_timestamp(out: dict[Any, Any], value: Any, key: Any) -> None:
                wrapper: dict[str, Any] = {}
                stamps.serialize(wrapper, value, shape, "timestamp")
                out[out_key(key)] = wrapper["timestamp"]

            return put_timestamp

        def put_plain(out: dict[Any, Any], value: Any, key: Any) -> None:
            out[out_key(key)] = value

        return put_plain

    def _build_lazy(self, shape: Any, lazy: Lazy) -> Put:
        """The put for an unconverted value: `plain(out, lazy.convert(value), key)`."""
        plain = self._plain.put(shape)
        convert = lazy.convert
        type_name = shape.type_name
        name = shape.serialization.get("name")

        def out_key(key: Any) -> Any:
            return key if name is None else name

        if type_name == "structure" and not shape.is_document_type:
            walk = self._structure(shape, out_key)
            encoder = lazy.encoders.get(shape.name)
            model, encode = encoder if encoder is not None else (None, None)
            dicts = lazy.dicts

            def put_structure(out: dict[Any, Any], value: Any, key: Any) -> None:
                kind = type(value)
                if kind in dicts:
                    walk(out, value, key)
                    return
                if kind is model and key:
                    encoded = encode(value)  # type: ignore[misc]
                    if encoded is not None:
                        out[out_key(key)] = encoded
                        return
                plain(out, convert(value), key)

            return put_structure
        if type_name == "list":
            put_item = self.put(shape.member)
            item_key = shape.member.name
            lists = lazy.lists

            def put_list(out: dict[Any, Any], value: Any, key: Any) -> None:
                if type(value) not in lists:
                    plain(out, convert(value), key)
                    return
                items = []
                for item in value:
                    wrapper: dict[Any, Any] = {}
                    put_item(wrapper, item, item_key)
                    found = wrapper.get(item_key, _MISSING)
                    items.append(convert(item) if found is _MISSING else found)
                out[out_key(key)] = items

            return put_list
        if type_name == "map":
            put_value = self.put(shape.value)
            dicts = lazy.dicts
            encoder = lazy.encoders.get(shape.name)
            model, encode = encoder if encoder is not None else (None, None)

            def put_map(out: dict[Any, Any], value: Any, key: Any) -> None:
                kind = type(value)
                if kind is model:
                    encoded = encode(value)  # type: ignore[misc]
                    if encoded is not None:
                        out[out_key(key)] = encoded
                        return
                if kind not in dicts:
                    plain(out, convert(value), key)
                    return
                map_obj: dict[Any, Any] = {}
                out[out_key(key)] = map_obj
                for sub_key, sub_value in value.items():
                    put_value(map_obj, sub_value, sub_key)

            return put_map

        def put_scalar(out: dict[Any, Any], value: Any, key: Any) -> None:
            plain(out, value if type(value) in _PRIMITIVES else convert(value), key)

        return put_scalar

    def _structure(self, shape: Any, out_key: Callable[[Any], Any]) -> Put:
        if shape.is_document_type:

            def put_document(out: dict[Any, Any], value: Any, key: Any) -> None:
                out[key] = value  # as moto: no None check, no serialized name

            return put_document
        members = [
            (key, _candidate_keys(shape, key, member), self.put(member))
            for key, member in shape.members.items()
        ]

        # Which members may read a key: a member none of whose candidate keys is in the
        # value reads nothing (moto skips it), so a small value (a DynamoDB AttributeValue
        # holds one of ten members) only visits the members its keys name, in shape order.
        readers: dict[str, list[int]] = {}
        for i, (_, candidates, _) in enumerate(members):
            for candidate in candidates:
                if i not in readers.setdefault(candidate, []):
                    readers[candidate].append(i)
        every = range(len(members))

        dicts = self._lazy.dicts if self._lazy is not None else frozenset({dict})

        def put_structure(out: dict[Any, Any], value: Any, key: Any) -> None:
            if value is None:
                return
            if type(value) not in dicts:
                raise _NotPlain(type(value).__name__)
            wrapper: dict[Any, Any] = {} if key else out
            if len(value) * 4 < len(members):
                visit: Any = sorted({i for k in value for i in readers.get(k, ())})
            else:
                visit = every
            for i in visit:
                member_key, candidates, put = members[i]
                member_value = None
                for candidate in candidates:
                    member_value = value.get(candidate, _MISSING)
                    if member_value is not _MISSING:
                        break
                else:
                    member_value = None
                if member_value is not None:
                    put(wrapper, member_value, member_key)
            if key:
                out[out_key(key)] = wrapper

        return put_structure

    def _list(self, shape: Any, out_key: Callable[[Any], Any]) -> Put:
        member = shape.member
        item_key = member.name
        put_item = self.put(member)

        def put_list(out: dict[Any, Any], value: Any, key: Any) -> None:
            if type(value) not in (list, tuple):
                raise _NotPlain(type(value).__name__)
            items = []
            for item in value:
                wrapper: dict[Any, Any] = {}
                put_item(wrapper, item, item_key)
                items.append(wrapper.get(item_key, item))
            out[out_key(key)] = items

        return put_list

    def _map(self, shape: Any, out_key: Callable[[Any], Any]) -> Put:
        put_value = self.put(shape.value)

        def put_map(out: dict[Any, Any], value: Any, key: Any) -> None:
            if type(value) is not dict:
                raise _NotPlain(type(value).__name__)
            map_obj: dict[Any, Any] = {}
            out[out_key(key)] = map_obj
            for sub_key, sub_value in value.items():
                put_value(map_obj, sub_value, sub_key)

        return put_map


_COMPILED: dict[tuple[str, str], tuple[Put | None, str]] = {}


def _compiled(operation_model: Any) -> tuple[Put | None, str]:
    """The operation's compiled walk (None: not compiled) and its Content-Type."""
    cache_key = (operation_model.service_model.service_name, operation_model.name)
    found = _COMPILED.get(cache_key)
    if found is None:
        from moto.core.serialize import JSONSerializer

        content_type = JSONSerializer(operation_model)._get_protocol_specific_content_type()
        output = operation_model.output_shape
        try:
            put = _Compiler().put(output) if output is not None else None
        except _NotPlain:
            put = None
        found = _COMPILED[cache_key] = (put, content_type)
    return found


def compiled_put(operation_model: Any) -> Put | None:
    """The compiled walk of `operation_model`'s output (None where moto's own serializer
    would have to run): for a direct route that answers what the serializer would."""
    return _compiled(operation_model)[0]


def _compiled_lazy(operation_model: Any, lazy: Lazy) -> Put | None:
    cache_key = (operation_model.service_model.service_name, operation_model.name)
    if cache_key not in lazy.compiled:
        output = operation_model.output_shape
        try:
            lazy.compiled[cache_key] = _Compiler(lazy).put(output) if output is not None else None
        except _NotPlain:
            lazy.compiled[cache_key] = None
    return lazy.compiled[cache_key]


def serialize(
    context: Any, result: Any, lazy: Lazy | None = None
) -> tuple[int, dict[str, str], str] | None:
    """What moto's JSONSerializer answers for `result` (converted by `lazy.convert` first,
    when given), or None where that is not proven."""
    from moto import settings
    from moto.core.serialize import JSONSerializer

    operation_model = context.operation_model
    if (
        context.serializer_class is not JSONSerializer
        or isinstance(result, Exception)
        or getattr(context.response, "RESPONSE_KEY_PATH_TO_TRANSFORMER", None)
        or operation_model.has_event_stream_output
    ):
        return None
    put, content_type = _compiled(operation_model)
    if lazy is not None and put is not None:
        put = _compiled_lazy(operation_model, lazy)
    serialized: dict[Any, Any] = {}
    if operation_model.output_shape is not None:
        if put is None:
            return None
        try:
            put(serialized, result, "")
        except Exception:  # _NotPlain, or an error moto's own walk will raise again
            return None
    if settings.PRETTIFY_RESPONSES:
        body = json.dumps(serialized, indent=4)
    elif context.service_model.service_name in COMPACT_SERVICES:
        body = _compact(serialized)
    else:
        body = json.dumps(serialized)
    status = operation_model.http.get("responseCode", JSONSerializer.DEFAULT_RESPONSE_CODE)
    return status, {"Content-Type": content_type}, body


# Services whose bodies are written compact by orjson (see the module docstring).
COMPACT_SERVICES = frozenset({"dynamodb"})
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _compact(value: Any) -> str:
    """`value` as compact UTF-8 JSON (`json.dumps(value, separators=(",", ":"),
    ensure_ascii=False)`), by orjson where it writes the same; by json otherwise."""
    try:
        return orjson.dumps(value, option=_ORJSON_OPTIONS).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError: a type orjson does not write as json does
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def install() -> None:
    from moto.core.responses import ActionResult

    original = ActionResult.execute_result
    if getattr(original, _PATCHED, False):
        return

    def execute_result(self: Any, context: Any) -> Any:
        fast = serialize(context, self.result)
        if fast is not None:
            return fast
        return original(self, context)

    setattr(execute_result, _PATCHED, True)
    execute_result.__wrapped__ = original  # type: ignore[attr-defined]
    ActionResult.execute_result = execute_result  # type: ignore[method-assign]
