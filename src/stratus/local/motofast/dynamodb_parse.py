"""DynamoDB request parameters by a shape walk compiled once per operation (moto 5.2.5).

What upstream lacks: moto's `JSONParser` turns the JSON body into parameters by walking
botocore's input shape anew for every request: per attribute value it looks up a method by
type name and asks the value for each of `AttributeValue`'s ten members in turn.

`parse` gives `parse_parameters`'s answer for a JSON-protocol request: each shape becomes
one small function, built once (`_compile`; recursive shapes such as `AttributeValue` refer
to themselves through a cell). Each does what `JSONParser` does for its type: a structure
keeps the members that are present and not null, under their member names, in the shape's
member order, and drops unknown keys; lists, maps, blobs (base64), timestamps, floats and
integers are converted with the same functions; strings and booleans stay as they are. A
value of an unexpected kind (a list where a structure belongs, a body that is not a JSON
object, any exception) is not guessed at: moto's own parser parses the request instead, so
odd input fails (or not) exactly as it does in moto.

Upstream note: `RequestParser` could cache a per-shape plan like this one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Parse = Callable[[Any], Any]


class _Unsure(Exception):
    """The compiled walk does not know what moto makes of this value."""


def parse(handler: Any, request: Any, body: bytes) -> Any:
    """`handler.parse_parameters(request)`'s result (`handler.params`)."""
    import moto.core.responses as responses
    from moto.core.parse import JSONParser

    service_model = responses.get_service_model(handler.boto3_service_name)
    operation_model = service_model.operation_model(handler._get_action())
    protocol = responses.determine_request_protocol(service_model, request.content_type)
    parser_cls = responses.PROTOCOL_PARSERS[protocol]
    map_type = handler.PROTOCOL_PARSER_MAP_TYPE
    if parser_cls is JSONParser and map_type is dict:
        fast = _fast(operation_model, body)
        if fast is not None:
            return fast
    parser = parser_cls(operation_model, map_type=map_type)
    return parser.parse(
        {
            "method": request.method,
            "values": request.values,
            "headers": request.headers,
            "body": request.data,
            "url_path": request.path,
            "url_params": handler.uri_match,
        }
    )


def _fast(operation_model: Any, body: bytes) -> dict[str, Any] | None:
    """The parameters, or None when moto's parser must answer."""
    key = (operation_model.service_model.service_name, operation_model.name)
    plan = _plans.get(key)
    if plan is None:
        shape = operation_model.input_shape
        try:
            plan = _compile(shape, {}) if shape is not None else _no_input
        except _Unsure:
            plan = _unknown
        _plans[key] = plan
    if plan is _unknown:
        return None
    if plan is _no_input:
        return {}
    if not body:
        document: Any = {}
    else:
        try:
            document = json.loads(body.decode("utf-8"))
        except ValueError:  # moto parses {"message": body}; rare, let it
            return None
    try:
        result = plan(document)
    except Exception:
        return None
    return result if type(result) is dict else None


def _no_input(value: Any) -> Any:
    return {}


def _unknown(value: Any) -> Any:
    raise _Unsure("a shape the compiled walk does not handle")


_plans: dict[tuple[str, str], Parse] = {}


def _compile(shape: Any, seen: dict[str, Parse]) -> Parse:
    """One function for `shape` (and the shapes inside it), as `JSONParser._parse_shape`."""
    from moto.core.parse import JSONParser, default_blob_parser, default_timestamp_parser

    kind = shape.type_name
    if kind == "structure":
        if shape.is_document_type:
            return _same
        name = shape.name
        if name in seen:  # a recursive shape: the function being built
            return seen[name]
        cell: list[Parse] = []
        seen[name] = lambda value: cell[0](value)
        members: dict[str, tuple[int, str, Parse]] = {}
        for index, (member, member_shape) in enumerate(shape.members.items()):
            json_name = member_shape.serialization.get("name", member)
            if json_name in members:
                raise _Unsure(f"two members named {json_name}")
            members[json_name] = (index, member, _compile(member_shape, seen))
        built = _structure(members)
        cell.append(built)
        seen[name] = built
        return built
    if kind == "list":
        return _list(_compile(shape.member, seen))
    if kind == "map":
        return _map(_compile(shape.key, seen), _compile(shape.value, seen))
    if kind == "blob":
        return default_blob_parser
    if kind == "timestamp":
        return default_timestamp_parser
    if kind in ("float", "double"):
        return float
    if kind in ("integer", "long", "byte", "short"):
        return int
    if hasattr(JSONParser, f"_parse_{kind}"):
        raise _Unsure(f"a shape of type {kind}")
    return _same  # `_default_handle`: strings, booleans


def _same(value: Any) -> Any:
    return value


def _structure(members: dict[str, tuple[int, str, Parse]]) -> Parse:
    def parse_structure(value: Any) -> Any:
        if type(value) is not dict:
            if value is None:
                return None
            raise _Unsure("not an object")
        found = []
        for key, raw in value.items():
            spec = members.get(key)
            if spec is not None and raw is not None:
                found.append((spec, raw))
        if len(found) > 1:
            found.sort(key=_order)
        return {name: parse_member(raw) for (_, name, parse_member), raw in found}

    return parse_structure


def _order(entry: tuple[tuple[int, str, Parse], Any]) -> int:
    return entry[0][0]


def _list(member: Parse) -> Parse:
    def parse_list(value: Any) -> Any:
        if type(value) is not list:
            raise _Unsure("not a list")
        return [member(item) for item in value]

    return parse_list


def _map(key: Parse, item: Parse) -> Parse:
    def parse_map(value: Any) -> Any:
        if type(value) is not dict:
            raise _Unsure("not an object")
        return {key(k): item(v) for k, v in value.items()}

    return parse_map
