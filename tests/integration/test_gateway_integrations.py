"""API Gateway's REST integration types through the running cloud, over real HTTPS: Lambda
non-proxy with templates and an error regex, SQS / DynamoDB / EventBridge service
integrations signed with a role, HTTP_PROXY and HTTP to a local server, MOCK, request
validators — and the bad input and broken configurations AWS answers with its own errors.
The CDK app is `tests/fixtures/apps/apigw_integrations`."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import LocalCloudHandle, app_cloud, copy_fixture_app
from tests.integration.conftest import aws_client

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "apigw_integrations"


class _Echo(BaseHTTPRequestHandler):
    """The upstream: answers every request with what it received, as JSON."""

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        parts = urlsplit(self.path)
        status = 503 if parts.path == "/fail" else 200
        payload = json.dumps(
            {
                "method": self.command,
                "path": parts.path,
                "query": {k: v[-1] for k, v in parse_qs(parts.query).items()},
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Upstream", "echo")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory, upstream: str) -> Iterator[LocalCloudHandle]:
    app_dir = copy_fixture_app(tmp_path_factory, FIXTURE)
    with app_cloud(app_dir, extra_args=["-c", f"upstream={upstream}"]) as handle:
        yield handle


@pytest.fixture(scope="module")
def api(cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    api_id = cloud.stack_output("ApiId")
    with httpx.Client(
        base_url=f"{cloud.gateway_origin}/restapis/{api_id}/prod/",
        verify=ssl.create_default_context(cafile=str(cloud.ca_pem)),
        timeout=35,
    ) as client:
        yield client


def _messages(cloud: LocalCloudHandle, output: str) -> list[str]:
    sqs = aws_client(cloud, "sqs")
    url = cloud.stack_output(output)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        if got.get("Messages"):
            return [m["Body"] for m in got["Messages"]]
    return []


# -- Lambda non-proxy ------------------------------------------------------------------
def test_lambda_non_proxy_maps_the_request_and_the_response(api: httpx.Client) -> None:
    response = api.post("greet", json={"name": "Ada"})
    assert response.status_code == 200, response.text
    assert response.json() == {"message": "Hello Ada"}
    assert response.headers["content-type"] == "application/json"


def test_a_function_error_matching_the_regex_is_its_integration_response(
    api: httpx.Client,
) -> None:
    response = api.post("greet", json={"name": "Bad Bob"})
    assert response.status_code == 400
    assert response.json() == {"error": "Bad name: Bad Bob"}


def test_a_body_the_model_refuses_is_400_with_the_validation_error_string(
    api: httpx.Client,
) -> None:
    response = api.post("greet", json={"nom": "Ada"})
    assert response.status_code == 400
    # The API's BAD_REQUEST_BODY GatewayResponse names $context.error.validationErrorString.
    assert response.text == (
        '{"message": "Invalid request body", '
        '"detail": "[object has missing required properties (["name"])]"}'
    )
    assert response.headers["x-amzn-errortype"] == "BadRequestException"


# -- AWS service integrations ------------------------------------------------------------
def test_sqs_send_message_with_the_role(api: httpx.Client, cloud: LocalCloudHandle) -> None:
    response = api.post("queue", json={"order": 7})
    assert response.status_code == 200, response.text
    assert response.json()["queued"]  # the MessageId SQS answered
    assert json.loads(_messages(cloud, "InboxUrl")[0]) == {"order": 7}


def test_dynamodb_get_item_through_a_response_template(
    api: httpx.Client, cloud: LocalCloudHandle
) -> None:
    aws_client(cloud, "dynamodb").put_item(
        TableName=cloud.stack_output("ItemsTable"),
        Item={"id": {"S": "a1"}, "name": {"S": "Anvil"}},
    )
    response = api.get("items/a1")
    assert response.status_code == 200, response.text
    assert response.json() == {"id": "a1", "name": "Anvil"}


def test_eventbridge_put_events_reaches_the_rule(
    api: httpx.Client, cloud: LocalCloudHandle
) -> None:
    response = api.post("events", json={"ping": 1})
    assert response.status_code == 200, response.text
    assert response.json() == {"failed": 0}
    event = json.loads(_messages(cloud, "SeenUrl")[0])
    assert (event["source"], event["detail-type"], event["detail"]) == (
        "fixture.api",
        "Ping",
        {"ping": 1},
    )


def test_sns_publish_with_query_parameters(api: httpx.Client, cloud: LocalCloudHandle) -> None:
    response = api.post("notify", json={"text": "restock anvils"})
    assert response.status_code == 200, response.text
    assert response.json()["published"], response.text
    assert _messages(cloud, "NoticesUrl") == ["restock anvils"]


def test_s3_put_and_get_object_by_path_override(api: httpx.Client, cloud: LocalCloudHandle) -> None:
    put = api.put("files/note.txt", content=b"hello s3", headers={"Content-Type": "text/plain"})
    assert put.status_code == 200, put.text
    assert put.text == "", put.text
    stored = aws_client(cloud, "s3").get_object(
        Bucket=cloud.stack_output("FilesBucket"), Key="note.txt"
    )
    assert stored["Body"].read() == b"hello s3"
    got = api.get("files/note.txt")
    assert (got.status_code, got.content) == (200, b"hello s3")
    assert api.get("files/absent.txt").json() == {"missing": True}


def test_the_role_is_what_s3_checks(api: httpx.Client, cloud: LocalCloudHandle) -> None:
    # The role may not read this bucket: the S3 guard answers 403, selected by its pattern.
    aws_client(cloud, "s3").put_object(
        Bucket=cloud.stack_output("PrivateBucket"), Key="secret.txt", Body=b"x"
    )
    response = api.get("private/secret.txt")
    assert (response.status_code, response.json()) == (403, {"denied": True})


# -- HTTP ------------------------------------------------------------------------------
def test_http_proxy_passes_method_path_query_headers_and_body(api: httpx.Client) -> None:
    response = api.put(
        "upstream/a/b", params={"x": "1"}, headers={"X-Trace": "t1"}, content=b"payload"
    )
    assert response.status_code == 200, response.text
    seen = response.json()
    assert (seen["method"], seen["path"], seen["query"], seen["body"]) == (
        "PUT",
        "/a/b",
        {"x": "1"},
        "payload",
    )
    assert seen["headers"]["x-trace"] == "t1"
    assert response.headers["x-upstream"] == "echo"  # the backend's headers come back


def test_http_proxy_passes_the_backend_status_as_is(api: httpx.Client) -> None:
    assert api.get("upstream/fail").status_code == 503


def test_http_non_proxy_maps_parameters_and_the_response(api: httpx.Client) -> None:
    response = api.get("hello", params={"who": "ada", "other": "dropped"})
    assert response.status_code == 200, response.text
    assert response.json() == {"upstream": {"who": "ada"}}


def test_an_endpoint_that_refuses_the_connection_is_500(api: httpx.Client) -> None:
    response = api.get("down")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error"}


# -- MOCK and broken configurations -----------------------------------------------------
def test_mock_answers_from_its_templates_unknown_variables_empty(api: httpx.Client) -> None:
    response = api.get("mock")
    assert response.status_code == 200
    assert response.json() == {"stage": "prod", "unknown": ""}
    assert response.headers["x-mock"] == "yes"


def test_mock_status_selects_the_integration_response(api: httpx.Client) -> None:
    response = api.get("mock", params={"fail": "yes"})
    assert (response.status_code, response.json()) == (503, {"mock": "unavailable"})


def test_a_malformed_template_is_500(api: httpx.Client) -> None:
    response = api.get("broken")
    assert (response.status_code, response.json()) == (500, {"message": "Internal server error"})


def test_no_matching_integration_response_is_500(api: httpx.Client) -> None:
    response = api.get("unmatched")
    assert (response.status_code, response.json()) == (500, {"message": "Internal server error"})


# -- required parameters ---------------------------------------------------------------
def test_missing_required_parameters_are_400(api: httpx.Client) -> None:
    response = api.get("search")
    assert response.status_code == 400
    assert response.json() == {"message": "Missing required request parameters: [x-client, q]"}
    response = api.get("search", params={"q": "x"})
    assert response.json() == {"message": "Missing required request parameters: [x-client]"}


def test_required_parameters_present_reach_the_integration(api: httpx.Client) -> None:
    response = api.get("search", params={"q": "anvils"}, headers={"x-client": "t"})
    assert (response.status_code, response.json()) == (200, {"q": "anvils"})
