"""MOCK integrations' own rules, on top of the shared non-proxy pipeline
(``integrations.nonproxy``, the real Velocity engine of ``mapping``):

- the integration response is selected by the ``statusCode`` the request template renders
  ("the request template ... must contain a statusCode",
  https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-mock-integration.html);
  AWS reads it from a template that is often not strict JSON (the CDK's CORS preflight
  renders ``{ statusCode: 200 }``), so it is found by pattern, and 200 without one;
- local web origins: a CDK app that allows the local gateway's default web origin
  (https://127.0.0.1:4443) is served, in a cloud started on another port, from that port.
  The templates see the request's Origin as the origin the app declared, and mapped header
  values name the origin where it really is (as s3guard.service.local_bucket_cors does for
  bucket CORS rules), so the CDK's multi-origin CORS template answers exactly as on AWS.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_STATUS = re.compile(r"[\"']?statusCode[\"']?\s*:\s*[\"']?(\d{3})")
DEFAULT_STATUS = "200"


def mock_status(rendered_request: bytes | str) -> str:
    """The statusCode a MOCK request template rendered ("200" without one)."""
    text = (
        rendered_request.decode("utf-8", errors="replace")
        if isinstance(rendered_request, bytes)
        else rendered_request
    )
    found = _STATUS.search(text)
    return found.group(1) if found else DEFAULT_STATUS


def declared_origins(
    origins: Mapping[str, str],
) -> Callable[[dict[str, str]], dict[str, str]]:
    """Show templates the Origin the app declared for the one it is really served from."""
    served_to_declared = {served: declared for declared, served in origins.items()}

    def view(headers: dict[str, str]) -> dict[str, str]:
        return {
            k: served_to_declared.get(v, v) if k.lower() == "origin" else v
            for k, v in headers.items()
        }

    return view


def served_origin(origins: Mapping[str, str]) -> Callable[[str], str]:
    """A mapped header value naming a declared origin names where it is served instead."""
    return lambda value: origins.get(value, value)
