"""CloudFormation custom resources: the request a provider receives and the response it sends.

Request: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html
(PhysicalResourceId on Update/Delete, OldResourceProperties on Update, ServiceToken both at the
top and inside ResourceProperties). CloudFormation passes property values as strings: numbers
and booleans in a template arrive as "5" and "true"
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-create.html
shows `"List": ["1", "2", "3"]`).
Response: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html
(Status SUCCESS/FAILED, Reason required on FAILED, PhysicalResourceId, StackId, RequestId and
LogicalResourceId echoed, optional NoEcho and Data, at most 4096 bytes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

RequestType = Literal["Create", "Update", "Delete"]
MAX_RESPONSE_BYTES = 4096


class InvalidCustomResourceResponse(ValueError):
    """A response CloudFormation would reject, failing the resource operation."""


def stringify(value: Any) -> Any:
    """Property values as CloudFormation sends them: scalars as strings, structure kept."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping):
        return {k: stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stringify(v) for v in value]
    return value


def request(
    request_type: RequestType,
    *,
    service_token: str,
    response_url: str,
    stack_id: str,
    request_id: str,
    resource_type: str,
    logical_resource_id: str,
    properties: Mapping[str, Any],
    physical_resource_id: str | None = None,
    old_properties: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The event a custom resource provider is invoked with."""
    if request_type not in ("Create", "Update", "Delete"):
        raise ValueError(f"Unknown RequestType: {request_type}")
    if request_type != "Create" and physical_resource_id is None:
        raise ValueError(f"{request_type} requests carry the PhysicalResourceId")
    if request_type == "Update" and old_properties is None:
        raise ValueError("Update requests carry the OldResourceProperties")
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": service_token,
        "ResponseURL": response_url,
        "StackId": stack_id,
        "RequestId": request_id,
        "LogicalResourceId": logical_resource_id,
        "ResourceType": resource_type,
    }
    if request_type != "Create":
        event["PhysicalResourceId"] = physical_resource_id
    event["ResourceProperties"] = {"ServiceToken": service_token, **stringify(dict(properties))}
    if request_type == "Update" and old_properties is not None:
        event["OldResourceProperties"] = {
            "ServiceToken": service_token,
            **stringify(dict(old_properties)),
        }
    return event


def parse_response(body: str | bytes, request_event: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the JSON a provider PUT to the ResponseURL against its request."""
    raw = body.encode() if isinstance(body, str) else body
    if len(raw) > MAX_RESPONSE_BYTES:
        raise InvalidCustomResourceResponse("Response object is too long.")
    try:
        response = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidCustomResourceResponse("Invalid response object: not JSON") from exc
    if not isinstance(response, dict):
        raise InvalidCustomResourceResponse("Invalid response object: not a JSON object")
    if response.get("Status") not in ("SUCCESS", "FAILED"):
        raise InvalidCustomResourceResponse(
            "Invalid response object: Status must be SUCCESS or FAILED"
        )
    if response["Status"] == "FAILED" and not response.get("Reason"):
        raise InvalidCustomResourceResponse(
            "Invalid response object: a FAILED response needs a Reason"
        )
    if (
        not isinstance(response.get("PhysicalResourceId"), str)
        or not response["PhysicalResourceId"]
    ):
        raise InvalidCustomResourceResponse("Invalid PhysicalResourceId")
    for name in ("StackId", "RequestId", "LogicalResourceId"):
        if response.get(name) != request_event.get(name):
            raise InvalidCustomResourceResponse(
                f"Invalid response object: {name} does not match the request"
            )
    if "Data" in response and not isinstance(response["Data"], dict):
        raise InvalidCustomResourceResponse("Invalid response object: Data must be an object")
    if "NoEcho" in response and not isinstance(response["NoEcho"], bool):
        raise InvalidCustomResourceResponse("Invalid response object: NoEcho must be a boolean")
    return response
