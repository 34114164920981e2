"""`up` reports per system (the stacks' stratus:system tag) what it provisioned and how long."""

from __future__ import annotations

from pathlib import Path

from stratus.local.cloud import change_lines, system_lines
from stratus.local.provision.model import Deployment, Resource, Stack, StackChanges


def _stack(name: str, tags: dict[str, str], *types: str) -> Stack:
    stack = Stack(name=name, template_path=Path("t.json"), tags=tags)
    for i, type_name in enumerate(types):
        stack.resources[f"R{i}"] = Resource(name, f"R{i}", type_name, {}, f"p{i}")
    return stack


def test_stacks_are_grouped_by_their_system_tag() -> None:
    deployment = Deployment()
    deployment.stacks["A"] = _stack("A", {"stratus:system": "shop"}, "AWS::Lambda::Function")
    deployment.stacks["B"] = _stack(
        "B", {"stratus:system": "shop"}, "AWS::Lambda::Function", "AWS::SQS::Queue"
    )
    deployment.stacks["Plain"] = _stack("Plain", {}, "AWS::S3::Bucket")
    lines = system_lines(deployment, {"A": (0.0, 0.5), "B": (0.5, 1.0)})
    assert lines == [
        "Plain: 1 stack (1 bucket), provisioned in 0.0s",
        "shop: 2 stacks (2 functions, 1 queue), provisioned in 1.0s",
    ]


def test_changes_are_reported_per_stack() -> None:
    deployment = Deployment()
    deployment.changes["A"] = StackChanges(created=["X", "Y"], deleted=["Z"])
    deployment.changes["B"] = StackChanges(reused=["X"])
    deployment.changes["C"] = StackChanges(deleted=["Q"], stack_deleted=True)
    assert change_lines(deployment) == [
        "A: 2 created, 1 deleted",
        "B: unchanged",
        "C: stack removed (1 resources deleted)",
    ]
