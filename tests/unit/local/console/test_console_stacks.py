"""The Stacks pages: every stack with Region, system, counts and outputs; per stack each
resource's logical → physical id, status (skipped types named) and a link to its page."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from starlette.applications import Starlette
from starlette.testclient import TestClient

from stratus.local.console import app as console_app
from stratus.local.core.settings import LocalSettings
from stratus.local.provision.model import Deployment, OutputInfo, Resource, Stack

AWS_URL = "https://abc123.execute-api.us-east-1.amazonaws.com/prod/"


def _resource(stack: str, logical_id: str, type_name: str, physical_id: str) -> Resource:
    return Resource(stack, logical_id, type_name, {}, physical_id, updated="2026-11-30T10:00:00Z")


def deployment() -> Deployment:
    api = Stack(
        name="AppStack",
        template_path=Path("AppStack.template.json"),
        region="us-east-1",
        tags={"stratus:system": "notes"},
        outputs={"ApiUrl": AWS_URL, "TableName": "Notes"},
        output_info={"ApiUrl": OutputInfo(description="The <API>", export_name="app-url")},
    )
    for res in (
        _resource("AppStack", "NotesFn", "AWS::Lambda::Function", "notes-fn"),
        _resource("AppStack", "NotesTable", "AWS::DynamoDB::Table", "Notes"),
        _resource("AppStack", "FnRole", "AWS::IAM::Role", "notes-fn-role"),
    ):
        api.resources[res.logical_id] = res
    edge = Stack(
        name="EdgeStack", template_path=Path("EdgeStack.template.json"), region="eu-west-1"
    )
    edge.resources["Bucket"] = _resource("EdgeStack", "Bucket", "AWS::S3::Bucket", "site")
    return Deployment(
        stacks={"AppStack": api, "EdgeStack": edge},
        unsupported={"AWS::AppSync::GraphQLApi": ["AppStack/GraphApi"]},
    )


def client(tmp_path: Path, dep: Deployment | None) -> TestClient:
    cloud = SimpleNamespace(settings=LocalSettings.for_project(tmp_path), deployment=dep, aws=None)
    gateway = Starlette(routes=console_app.console_routes(cloud))  # type: ignore[arg-type]
    return TestClient(gateway, client=("127.0.0.1", 1), follow_redirects=False)


def test_index_lists_every_stack_with_region_system_counts_and_outputs(tmp_path: Path) -> None:
    response = client(tmp_path, deployment()).get("/console/stacks")
    assert response.status_code == 200
    text = response.text
    assert 'href="/console/stacks/AppStack"' in text and 'href="/console/stacks/EdgeStack"' in text
    assert "eu-west-1" in text and "notes" in text
    assert "1 not emulated, skipped" in text
    local = f"{LocalSettings.for_project(tmp_path).gateway_origin}/restapis/abc123/prod/"
    assert f'<a href="{local}">' in text  # served here, as outputs.json says
    app_row = text.split('data-stack="AppStack"', 1)[1].split("</tr>", 1)[0]
    assert "<td>4</td>" in app_row  # 3 provisioned + 1 skipped


def test_index_without_a_deployment_says_so(tmp_path: Path) -> None:
    response = client(tmp_path, None).get("/console/stacks")
    assert response.status_code == 200
    assert "Nothing is deployed yet." in response.text


def test_stack_page_maps_logical_to_physical_ids_with_links(tmp_path: Path) -> None:
    response = client(tmp_path, deployment()).get("/console/stacks/AppStack")
    assert response.status_code == 200
    text = response.text
    assert '<a href="/console/functions/notes-fn?region=us-east-1">notes-fn</a>' in text
    assert '<a href="/console/tables/Notes?region=us-east-1">Notes</a>' in text
    role_row = text.split('data-logical-id="FnRole"', 1)[1].split("</tr>", 1)[0]
    assert "notes-fn-role" in role_row and "<a " not in role_row  # no page for roles
    skipped = text.split('data-logical-id="GraphApi"', 1)[1].split("</tr>", 1)[0]
    assert "AWS::AppSync::GraphQLApi" in skipped and "not emulated, skipped" in skipped


def test_stack_page_shows_outputs_escaped_with_urls_as_links(tmp_path: Path) -> None:
    text = client(tmp_path, deployment()).get("/console/stacks/AppStack").text
    assert "The &lt;API&gt;" in text and "The <API>" not in text
    assert "app-url" in text
    local = f"{LocalSettings.for_project(tmp_path).gateway_origin}/restapis/abc123/prod/"
    assert f'<a href="{local}">' in text
    assert f"on AWS: {AWS_URL}" in text
    assert '<td class="mono">Notes</td>' in text  # not a URL: plain text


def test_unknown_stack_is_a_404_page(tmp_path: Path) -> None:
    c = client(tmp_path, deployment())
    for path in (
        "/console/stacks/NoSuchStack",
        "/console/stacks/..%2F..%2Fetc",
        "/console/stacks/" + "x" * 5000,
    ):
        response = c.get(path)
        assert response.status_code == 404, path
        assert "Traceback" not in response.text


def test_script_in_a_stack_name_is_escaped(tmp_path: Path) -> None:
    response = client(tmp_path, deployment()).get("/console/stacks/<script>alert(1)</script>")
    assert response.status_code == 404
    assert "<script>alert(1)</script>" not in response.text
