"""Serialize a response for the query protocol from botocore's output shape.

The XML botocore's QueryParser reads back: `<{Op}Response xmlns=...><{Op}Result>` with each
member as an element, lists as `<member>` children (or repeated when flattened), maps as
`<entry><key/><value/></entry>`, timestamps in ISO 8601, booleans lower-case
(https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/Welcome.html).
"""

from __future__ import annotations

import functools
import uuid
from typing import Any
from xml.sax.saxutils import escape

import botocore.session


@functools.cache
def service_model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


def query_response(service: str, operation: str, result: dict[str, Any]) -> bytes:
    model = service_model(service)
    op = model.operation_model(operation)
    namespace = model.metadata.get("xmlNamespace", "")
    body = ""
    if op.output_shape is not None:
        wrapper = op.output_shape.serialization.get("resultWrapper", f"{operation}Result")
        body = f"<{wrapper}>{_members(op.output_shape, result)}</{wrapper}>"
    request_id = str(uuid.uuid4())
    xml = (
        f'<{operation}Response xmlns="{namespace}">{body}'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{operation}Response>"
    )
    return xml.encode()


def _members(shape: Any, value: dict[str, Any]) -> str:
    parts = []
    for name, member in shape.members.items():
        if name in value and value[name] is not None:
            tag = member.serialization.get("name", name)
            parts.append(_element(member, tag, value[name]))
    return "".join(parts)


def _element(shape: Any, tag: str, value: Any) -> str:
    kind = shape.type_name
    if kind == "list":
        item_tag = shape.member.serialization.get("name", "member")
        items = "".join(_element(shape.member, item_tag, v) for v in value)
        if shape.serialization.get("flattened"):
            return "".join(_element(shape.member, tag, v) for v in value)
        return f"<{tag}>{items}</{tag}>"
    if kind == "map":
        entries = "".join(
            f"<entry>{_element(shape.key, 'key', k)}{_element(shape.value, 'value', v)}</entry>"
            for k, v in value.items()
        )
        return f"<{tag}>{entries}</{tag}>"
    if kind == "structure":
        return f"<{tag}>{_members(shape, value)}</{tag}>"
    if kind == "boolean":
        return f"<{tag}>{'true' if value else 'false'}</{tag}>"
    text = str(value)
    return f"<{tag}>{escape(text)}</{tag}>"
