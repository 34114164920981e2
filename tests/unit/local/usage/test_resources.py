"""Usage entries name their template resource; functions carry memory and architecture."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stratus.local.provision.model import Deployment, Resource, Stack
from stratus.local.usage import resources


def _deployment() -> Deployment:
    stack = Stack(name="App", template_path=Path("App.template.json"))
    fn = Resource(
        "App",
        "Fn",
        "AWS::Lambda::Function",
        {"MemorySize": 512, "Architectures": ["arm64"]},
        "fn-1",
    )
    table = Resource("App", "Items", "AWS::DynamoDB::Table", {}, "items-1")
    http = Resource("App", "Http", "AWS::ApiGatewayV2::Api", {}, "h1")
    stream = Resource("App", "Clicks", "AWS::Kinesis::Stream", {}, "clicks-1")
    stack.resources = {"Fn": fn, "Items": table, "Http": http, "Clicks": stream}
    return Deployment(stacks={"App": stack})


def test_entries_get_stack_logical_id_and_function_configuration() -> None:
    snapshot: dict[str, Any] = {
        "functions": {"r/fn-1": {"name": "fn-1"}, "r/other": {"name": "other"}},
        "tables": {"r/items-1": {"name": "items-1"}},
    }
    resources.describe(snapshot, _deployment())
    fn = snapshot["functions"]["r/fn-1"]
    assert (fn["stack"], fn["logical_id"], fn["memory_mb"], fn["architecture"]) == (
        "App",
        "Fn",
        512,
        "arm64",
    )
    other = snapshot["functions"]["r/other"]
    assert "logical_id" not in other
    assert (other["memory_mb"], other["architecture"]) == (128, "x86_64")
    assert snapshot["tables"]["r/items-1"]["logical_id"] == "Items"


def test_without_a_deployment_only_defaults_are_added() -> None:
    snapshot: dict[str, Any] = {"functions": {"r/f": {"name": "f"}}}
    resources.describe(snapshot, None)
    assert snapshot["functions"]["r/f"]["memory_mb"] == 128


def test_http_apis_and_streams_name_their_template_resource() -> None:
    snapshot: dict[str, Any] = {
        "apis": {"h1/$default": {"api_id": "h1"}},
        "routes": {"h1/$default/GET /x": {"api_id": "h1"}},
        "streams": {"r/clicks-1": {"name": "clicks-1"}},
    }
    resources.describe(snapshot, _deployment())
    assert snapshot["apis"]["h1/$default"]["logical_id"] == "Http"
    assert snapshot["routes"]["h1/$default/GET /x"]["stack"] == "App"
    assert snapshot["streams"]["r/clicks-1"]["logical_id"] == "Clicks"
