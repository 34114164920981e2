"""Segment documents for the X-Ray tests, shaped like the SDKs' and the local cloud's."""

from __future__ import annotations

import json
from typing import Any

TRACE = "1-5759e988-bd862e3fe1be46a994272793"
GATEWAY, LAMBDA, FUNCTION, HANDLER, DYNAMO = (f"{n:016x}" for n in range(1, 6))
T0 = 1_700_000_000.0


def gateway(trace: str = TRACE, status: int = 200, **extra: Any) -> dict[str, Any]:
    return {
        "name": "todo-api/prod",
        "id": GATEWAY,
        "trace_id": trace,
        "start_time": T0,
        "end_time": T0 + 0.5,
        "origin": "AWS::ApiGateway::Stage",
        "http": {
            "request": {"method": "GET", "url": "https://x/todos", "client_ip": "127.0.0.1"},
            "response": {"status": status},
        },
        **extra,
    }


def lambda_segments(trace: str = TRACE) -> list[dict[str, Any]]:
    service = {
        "name": "fn",
        "id": LAMBDA,
        "trace_id": trace,
        "parent_id": GATEWAY,
        "start_time": T0 + 0.05,
        "end_time": T0 + 0.45,
        "origin": "AWS::Lambda",
    }
    function = {
        "name": "fn",
        "id": FUNCTION,
        "trace_id": trace,
        "parent_id": LAMBDA,
        "start_time": T0 + 0.06,
        "end_time": T0 + 0.44,
        "origin": "AWS::Lambda::Function",
        "subsegments": [
            {
                "id": "a" * 16,
                "name": "Initialization",
                "start_time": T0 + 0.06,
                "end_time": T0 + 0.2,
            },
            {"id": "b" * 16, "name": "Invocation", "start_time": T0 + 0.2, "end_time": T0 + 0.43},
        ],
    }
    return [service, function]


def handler_subsegment(trace: str = TRACE) -> dict[str, Any]:
    """What Powertools' Tracer streams: `## handler` (an independent subsegment) holding
    botocore's DynamoDB call."""
    return {
        "type": "subsegment",
        "name": "## lambda_handler",
        "id": HANDLER,
        "trace_id": trace,
        "parent_id": FUNCTION,
        "start_time": T0 + 0.21,
        "end_time": T0 + 0.42,
        "annotations": {"ColdStart": True, "Service": "todo"},
        "subsegments": [
            {
                "id": DYNAMO,
                "name": "DynamoDB",
                "namespace": "aws",
                "start_time": T0 + 0.25,
                "end_time": T0 + 0.3,
                "aws": {"operation": "Query", "table_name": "Todos", "region": "us-east-1"},
                "http": {"response": {"status": 200}},
            }
        ],
    }


def whole_trace(trace: str = TRACE) -> list[dict[str, Any]]:
    return [gateway(trace), *lambda_segments(trace), handler_subsegment(trace)]


def datagram(doc: dict[str, Any]) -> bytes:
    return b'{"format": "json", "version": 1}\n' + json.dumps(doc).encode()
