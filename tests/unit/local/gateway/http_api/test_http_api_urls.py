"""Local URLs for HTTP APIs: the providers' AWS-shaped ids and endpoint, and outputs.json
pointing them at /httpapis/{apiId}/ on the local gateway."""

from __future__ import annotations

from pathlib import Path

from stratus.local.core.settings import LocalSettings, Ports, http_api_url
from stratus.local.gateway.http_api.providers import PROVIDERS
from stratus.local.provision.outputs import rewrite_url
from stratus.local.provision.provider import ProviderContext


def _settings() -> LocalSettings:
    return LocalSettings(project_root=Path("."), state_dir=Path("."), ports=Ports(gateway=4443))


def test_default_stage_has_no_stage_segment_and_named_stage_does() -> None:
    settings = _settings()
    assert http_api_url(settings, "abc") == "https://127.0.0.1:4443/httpapis/abc/"
    assert http_api_url(settings, "abc", "prod") == "https://127.0.0.1:4443/httpapis/abc/prod/"


def test_http_api_urls_in_outputs_keep_their_path_after_the_local_prefix() -> None:
    settings = _settings()
    ids = {"abc123"}
    host = "https://abc123.execute-api.us-east-1.amazonaws.com"
    assert rewrite_url(settings, host + "/", ids) == "https://127.0.0.1:4443/httpapis/abc123/"
    assert rewrite_url(settings, host, ids) == "https://127.0.0.1:4443/httpapis/abc123"
    assert (
        rewrite_url(settings, host + "/limited/items?x=1", ids)
        == "https://127.0.0.1:4443/httpapis/abc123/limited/items?x=1"
    )
    # REST APIs keep their layout.
    rest = "https://rest123456.execute-api.us-east-1.amazonaws.com/prod/"
    assert rewrite_url(settings, rest, ids) == "https://127.0.0.1:4443/restapis/rest123456/prod/"


def test_providers_give_aws_shaped_ids_and_the_execute_api_endpoint() -> None:
    ctx = ProviderContext(
        settings=_settings(),
        aws=lambda name: None,
        stack="S",
        logical_id="Api",
        resource_type="AWS::ApiGatewayV2::Api",
    )
    api_id, attrs = PROVIDERS["AWS::ApiGatewayV2::Api"].create(ctx, {"ProtocolType": "HTTP"})
    assert len(api_id) == 10 and api_id.isalnum() and api_id.lower() == api_id
    assert attrs == {
        "ApiId": api_id,
        "ApiEndpoint": f"https://{api_id}.execute-api.us-east-1.amazonaws.com",
    }
    route_id, attrs = PROVIDERS["AWS::ApiGatewayV2::Route"].create(ctx, {})
    assert len(route_id) == 7 and attrs == {"RouteId": route_id}
    stage, _ = PROVIDERS["AWS::ApiGatewayV2::Stage"].create(ctx, {"StageName": "$default"})
    assert stage == "$default"
