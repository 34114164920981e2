"""CloudFormation's custom-resource request event (until local/events has a builder).

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html —
CloudFormation sends every value of ResourceProperties (and OldResourceProperties) as a
string: numbers and booleans arrive as "3" and "true", also inside lists and objects.
"""

from __future__ import annotations

from typing import Any


def stringify(value: Any) -> Any:
    """Leaf values as CloudFormation sends them (keys and structure kept)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return {str(k): stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stringify(v) for v in value]
    if value is None:
        return ""
    return str(value)


def request_event(
    request_type: str,
    *,
    service_token: str,
    response_url: str,
    stack_id: str,
    request_id: str,
    resource_type: str,
    logical_id: str,
    properties: dict[str, Any],
    physical_id: str | None = None,
    old_properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": service_token,
        "ResponseURL": response_url,
        "StackId": stack_id,
        "RequestId": request_id,
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "ResourceProperties": stringify(properties),
    }
    if request_type != "Create" and physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    if request_type == "Update":
        event["OldResourceProperties"] = stringify(old_properties or {})
    return event
