"""MOCK integrations: how the CDK declares CORS preflight (OPTIONS) methods.

The response is what the template declares: the request template's `statusCode` picks an
IntegrationResponse (by SelectionPattern, else the default one), whose StatusCode and
ResponseParameters ('quoted' literals) become the response. No VTL engine exists for
Python, so of the response template only two shapes are understood:
  * the CDK's multi-origin CORS template, which sets
    `$context.responseOverride.header.Access-Control-Allow-Origin = $origin` when the
    request's Origin is one of the `$origin == "..."` values it lists: reproduced exactly;
  * a template with no VTL directives, which is sent as the body.
Any other directive lines are dropped.

`origins` maps origins the API declares to where they really are: a CDK app that allows
the local gateway's default web origin (https://127.0.0.1:4443) is served, in a cloud
started on another port, from that port; its preflight names that origin (as
s3guard.service.local_bucket_cors does for bucket CORS rules).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stratus.local.gateway.errors import parameter_value

_STATUS = re.compile(r"statusCode\"?\s*:\s*(\d{3})")
_ORIGIN_TEST = re.compile(r'\$origin\s*==\s*"([^"]+)"')
_OVERRIDE = re.compile(
    r"#set\(\s*\$context\.responseOverride\.header\.([\w-]+)\s*=\s*\$origin\s*\)"
)
_STATUS_OVERRIDE = re.compile(r"#set\(\s*\$context\.responseOverride\.status\s*=\s*(\d{3})\s*\)")


@dataclass(frozen=True)
class MockResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def mock_response(
    integration: Mapping[str, Any],
    headers: Mapping[str, str],
    query: Mapping[str, str],
    path: Mapping[str, str],
    stage_variables: Mapping[str, str],
    origins: Mapping[str, str] | None = None,
) -> MockResponse:
    origins = origins or {}
    templates = integration.get("RequestTemplates") or {}
    request_template = str(templates.get("application/json") or next(iter(templates.values()), ""))
    found = _STATUS.search(request_template)
    selected = found.group(1) if found else "200"
    responses = list(integration.get("IntegrationResponses") or [])
    chosen: Mapping[str, Any] | None = None
    for resp in responses:
        pattern = resp.get("SelectionPattern")
        if pattern and re.fullmatch(str(pattern), selected):
            chosen = resp
            break
    if chosen is None:
        chosen = next((r for r in responses if not r.get("SelectionPattern")), None)
    if chosen is None:
        # AWS: no integration response matches -> a 500 configuration error; the caller maps it.
        raise LookupError("no integration response")
    status = int(chosen.get("StatusCode", 200))
    out: list[tuple[str, str]] = []
    for name, source in (chosen.get("ResponseParameters") or {}).items():
        header = str(name).removeprefix("method.response.header.")
        value = parameter_value(str(source), headers, query, path, stage_variables)
        if value is not None:
            out.append((header, origins.get(value, value)))
    body = b""
    rtemplates = chosen.get("ResponseTemplates") or {}
    template = str(rtemplates.get("application/json") or next(iter(rtemplates.values()), ""))
    if template:
        status, out, body = _apply_template(template, status, out, headers, origins)
    if not any(k.lower() == "content-type" for k, _ in out):
        out.append(("Content-Type", "application/json"))
    return MockResponse(status, out, body)


def _apply_template(
    template: str,
    status: int,
    headers: list[tuple[str, str]],
    request_headers: Mapping[str, str],
    origins: Mapping[str, str],
) -> tuple[int, list[tuple[str, str]], bytes]:
    origin = request_headers.get("origin", "")
    allowed = {origins.get(o, o) for o in _ORIGIN_TEST.findall(template)}
    if origin and origin in allowed:
        for header in _OVERRIDE.findall(template):
            headers = [(k, v) for k, v in headers if k.lower() != header.lower()]
            headers.append((header, origin))
    override = _STATUS_OVERRIDE.search(template)
    if override:
        status = int(override.group(1))
    text = "\n".join(
        line for line in template.splitlines() if line.strip() and not line.lstrip().startswith("#")
    )
    return status, headers, text.strip().encode()
