"""Helpers for the Lambda runtime tests: hand-built function resources and fixture paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stratus.local.provision.model import Resource

FIXTURES = Path(__file__).parent / "fixtures"
ROLE_ARN = "arn:aws:iam::000000000000:role/fn-role"
ROLE_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}


def function_resource(
    name: str, handler: str = "app.handler", *, stack: str = "TestStack", **props: Any
) -> Resource:
    """An AWS::Lambda::Function as the provisioner would hand it over (intrinsics resolved)."""
    properties: dict[str, Any] = {
        "FunctionName": name,
        "Handler": handler,
        "Runtime": "python3.11",
        "Role": ROLE_ARN,
        **props,
    }
    return Resource(
        stack=stack,
        logical_id=name.replace("-", "").title() + "Fn",
        type="AWS::Lambda::Function",
        properties=properties,
        physical_id=name,
        attributes={"Arn": f"arn:aws:lambda:us-east-1:000000000000:function:{name}"},
    )
