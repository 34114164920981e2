"""Straight to moto's service handler: no per-request service inference, no Flask dispatch.

What upstream lacks: moto's server (`DomainDispatcherApplication`) works out the backend of
every request again — it parses the credential scope, then calls `list_of_moto_modules()`,
which lists moto's package directory and `stat`s each entry (~0.4 ms, a third of a GetItem)
— and then runs a whole Flask request (context push, signals, URL routing, after-request
hooks) around the one handler call that does the work.

`DirectDispatcher` answers a request in two steps, each keeping moto's own decision:
1. **Which backend app**: moto's choice depends on a few request facts only (for a signed
   request: the credential scope's service and region, and for a handful of services the
   target, path or host; for an unsigned one: a Cognito target). Those facts make a cache
   key; the first request with a key asks moto (`get_application`), later ones reuse its
   answer. Requests whose choice depends on more (SageMaker, Bedrock, API Gateway's
   connections, moto's own API, the metadata endpoint, no recognisable scope) always ask moto.
2. **Which handler**: the chosen Flask app's own URL map names the view; the view's
   callback (moto's `BaseResponse.dispatch` or a service method) runs on moto's request class,
   as `convert_to_flask_response` would run it, and its result becomes the same `Response`
   — or, in the plain case (`plain_answer`: a usual status, a dict of string headers, str or
   bytes content), directly the status, header list and body werkzeug would send for it.
   What Flask would still add is the CORS after-request hook; for a request without `Origin`
   (and not a preflight) its headers are the same for every request, so they are learnt once
   per app from Flask itself. Browser (CORS) requests and anything unmatched go through the
   full Flask app. Tests compare both paths byte for byte for every protocol.

Upstream note: `DomainDispatcherApplication.get_backend_for_host` could cache
`list_of_moto_modules()` (it never changes at run time) — that alone removes the listing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from typing import Any

WsgiResult = tuple[int, list[tuple[str, str]], bytes]

_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")
# Services whose backend moto picks from more than (service, region): see
# `DomainDispatcherApplication.infer_service_region_host`.
_ALWAYS_ASK = frozenset({"execute-api", "sagemaker", "bedrock", "bedrock-agentcore"})
_UNSIGNED_TARGETS = ("AWSCognitoIdentityService", "AWSCognitoIdentityProviderService")
_CORS_REQUEST_HEADERS = ("HTTP_ORIGIN", "HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK")


def backend_key(environ: dict[str, Any]) -> tuple[str, ...] | None:
    """The facts moto's backend choice depends on, or None when it depends on more."""
    path = environ.get("PATH_INFO", "")
    if path.startswith(("/moto-api", "/favicon.ico", "/latest/")):
        return None
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    auth = environ.get("HTTP_AUTHORIZATION")
    if not auth:
        prefix = target.split(".", 1)[0]
        return ("unsigned", prefix) if prefix in _UNSIGNED_TARGETS else None
    match = _SCOPE.search(auth.split(",")[0])
    if match is None:
        return None
    region, service = match.group(1), match.group(2)
    lower = service.lower()
    if lower in _ALWAYS_ASK:
        return None
    if lower == "dynamodb":
        if not target:
            return None
        return (service, region, target.split(".", 1)[0])
    if lower == "s3":
        control = path.startswith("/v20180820/") or "s3-control" in environ.get("HTTP_HOST", "")
        return (service, region, "control" if control else "")
    if lower == "ses":
        return (service, region, "v2" if path.startswith("/v2/") else "")
    if lower == "mediastore":
        return (service, region, "target" if target else "")
    return (service, region)


class DirectDispatcher:
    """Calls moto's handler for a WSGI environ; falls back to moto's whole server app."""

    def __init__(self, dispatcher: Any) -> None:
        self._dispatcher = dispatcher  # moto's DomainDispatcherApplication
        self._apps: dict[tuple[str, ...], Any] = {}
        self._plain_cors: dict[int, list[tuple[str, str]]] = {}

    def __call__(self, environ: dict[str, Any]) -> WsgiResult:
        key = backend_key(environ)
        app = self._apps.get(key) if key is not None else None
        if app is None:
            app = self._dispatcher.get_application(environ)
            if key is not None:
                self._apps[key] = app
        if environ["REQUEST_METHOD"] == "OPTIONS" or any(
            name in environ for name in _CORS_REQUEST_HEADERS
        ):
            return run_wsgi(app, environ)
        answer = self._direct(app, environ)
        return answer if answer is not None else run_wsgi(app, environ)

    def answer_directly(self, request: Any, account_id: str) -> WsgiResult | None:
        """A plain S3 object, SQS message or DynamoDB item call answered from moto's backend
        without its response classes (`motofast.s3_objects`, `motofast.sqs_direct`,
        `motofast.dynamodb_direct`), or None. Only once moto has answered a request of the
        same kind, whose app's plain headers are known."""
        from stratus.local.core.entries import call_of

        headers = request.headers
        if request.method == "OPTIONS" or "origin" in headers:
            return None
        if "access-control-request-private-network" in headers:
            return None
        call = call_of(request)
        if call.service == "s3":
            from stratus.local.motofast.s3_objects import answer
        elif call.service == "sqs":
            from stratus.local.motofast.sqs_direct import answer
        elif call.service == "dynamodb":
            from stratus.local.motofast.dynamodb_direct import answer
        else:
            return None
        key = backend_key(
            {
                "PATH_INFO": request.path,
                "HTTP_HOST": headers.get("host", ""),
                "HTTP_AUTHORIZATION": headers.get("authorization", ""),
                "HTTP_X_AMZ_TARGET": headers.get("x-amz-target", ""),
            }
        )
        app = self._apps.get(key) if key is not None else None
        if app is None:
            return None
        found = answer(request, call.operation, account_id)
        if found is None:
            return None
        found[1].extend(self._cors_headers(app))
        return found

    def _direct(self, app: Any, environ: dict[str, Any]) -> WsgiResult | None:
        from moto.core.utils import convert_to_flask_response
        from werkzeug.exceptions import HTTPException

        try:
            rule, _ = app.url_map.bind_to_environ(environ).match(return_rule=True)
        except HTTPException:
            return None  # moto's Flask app answers (404, 405, redirects) as it does
        view = app.view_functions.get(rule.endpoint)
        if not isinstance(view, convert_to_flask_response):
            return None
        request = app.request_class(environ)
        try:
            status, headers, content = _run_view(view.callback, request)
        except HTTPException as exc:  # what Flask does with one a view raises
            response = app.response_class.force_type(exc, environ)
        else:
            plain = plain_answer(status, headers, content, request.method)
            if plain is not None:
                plain[1].extend(self._cors_headers(app))
                return plain
            response = _response(request, status, headers, content)
        for name, value in self._cors_headers(app):
            response.headers.add(name, value)
        return run_wsgi(response, environ)

    def _cors_headers(self, app: Any) -> list[tuple[str, str]]:
        """The headers Flask's after-request hooks add to a request without Origin."""
        found = self._plain_cors.get(id(app))
        if found is None:
            with app.test_request_context("/", method="GET"):
                before = app.response_class()
                names = set(before.headers.keys())
                after = app.process_response(before)
                found = [(k, v) for k, v in after.headers.items() if k not in names]
            self._plain_cors[id(app)] = found
        return found


def _run_view(callback: Callable[..., Any], request: Any) -> tuple[Any, Any, Any]:
    """moto's `convert_to_flask_response.__call__` up to its `Response`, given the request
    instead of Flask's: (status, headers, content)."""
    from botocore.exceptions import ClientError
    from moto.core.request import normalize_request
    from moto.moto_api import recorder

    try:
        request = normalize_request(request)
        recorder._record_request(request)
        result = callback(request, request.raw_url, dict(request.headers))
    except ClientError as exc:
        result = 400, {}, exc.response["Error"]["Message"]
    if len(result) == 3:
        status, headers, content = result
    else:
        status, headers, content = 200, {}, result
    return status, headers, content


def _response(request: Any, status: Any, headers: Any, content: Any) -> Any:
    """The rest of `convert_to_flask_response.__call__`: its Flask `Response`."""
    from flask import Response

    response = Response(response=content, status=status, headers=headers)
    if request.method == "HEAD" and "content-length" in headers:
        response.headers["Content-Length"] = headers["content-length"]
    return response


_DEFAULT_CONTENT_TYPE: str | None = None
_NEWLINE = re.compile(r"[\r\n]")  # werkzeug refuses these in header values
_HEADERS_WERKZEUG_REWRITES = frozenset({"location", "content-location"})


def handler_region(request: Any, url_region: Any) -> str | None:
    """The region moto's handler works out for a SigV4-signed request, in its order
    (`BaseResponse.get_region_from_url`): from the URL (`url_region`, the service's own
    pattern), the user agent, else the credential scope; None for a header without one."""
    from moto.core.responses import BaseResponse

    headers = request.headers
    url_match = url_region.search(f"http://{headers.get('host', '')}{request.raw_path}")
    if url_match:
        return str(url_match.group(1))
    agent = BaseResponse.region_from_useragent_regex.search(headers.get("user-agent", ""))
    if agent:
        return str(agent.group(1))
    scope = headers.get("authorization", "").split(",")[0].split("/")
    return scope[2] if len(scope) > 2 else None


def request_account(request: Any, account_id: str) -> str:
    """`get_current_account`: the environment, the request's header, else MotoApp's account."""
    from_request = request.headers.get("x-moto-account-id")
    return os.environ.get("MOTO_ACCOUNT_ID") or from_request or account_id


def json_answer(body: bytes, content_type: str, *, crc32: bool = False) -> WsgiResult:
    """A 200 JSON-protocol answer as moto's response classes send it: Content-Type, server,
    a request id drawn from moto's generator (`gen_amzn_requestid_long`, the same draw),
    moto's `amz_crc32` header where the handler has it, Content-Length."""
    import binascii

    from moto.moto_api._internal import mock_random

    headers = [
        ("Content-Type", content_type),
        ("server", "amazon.com"),
        ("x-amzn-requestid", mock_random.get_random_string(length=52)),
    ]
    if crc32:
        headers.append(("x-amz-crc32", str(binascii.crc32(body))))
    headers.append(("Content-Length", str(len(body))))
    return 200, headers, body


def plain_answer(status: Any, headers: Any, content: Any, method: str) -> WsgiResult | None:
    """What `run_wsgi(_response(...))` answers, for the plain case; None otherwise.

    The plain case: an int status 200-599 other than 204 and 304, a dict of str (or int)
    header values with neither Location nor Content-Location, str or bytes content, not a
    HEAD request. Werkzeug then keeps the headers in order (values as `str`), adds Flask's
    default Content-Type if there is none, and sets Content-Length to the encoded body's
    length (in place of the first one, dropping others, else at the end).
    """
    global _DEFAULT_CONTENT_TYPE
    if (
        type(status) is not int
        or not 200 <= status < 600
        or status in (204, 304)
        or method == "HEAD"
        or type(headers) is not dict
    ):
        return None
    if type(content) is str:
        body = content.encode()
    elif type(content) is bytes:
        body = content
    else:
        return None
    out: list[tuple[str, str]] = []
    length_at = -1
    typed = False
    for key, value in headers.items():
        if type(key) is not str:
            return None
        kind = type(value)
        if kind is int:
            value = str(value)
        elif kind is not str:
            return None
        if _NEWLINE.search(value) is not None:
            return None
        lower = key.lower()
        if lower in _HEADERS_WERKZEUG_REWRITES:
            return None
        if lower == "content-length":
            if length_at >= 0:
                continue  # werkzeug keeps the first one only
            length_at = len(out)
        elif lower == "content-type":
            typed = True
        out.append((key, value))
    if not typed:
        if _DEFAULT_CONTENT_TYPE is None:
            from flask import Response
            from werkzeug.utils import get_content_type

            _DEFAULT_CONTENT_TYPE = get_content_type(Response.default_mimetype or "", "utf-8")
        out.append(("Content-Type", _DEFAULT_CONTENT_TYPE))
    length = ("Content-Length", str(len(body)))
    if length_at >= 0:
        out[length_at] = length
    else:
        out.append(length)
    return status, out, body


def run_wsgi(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> WsgiResult:
    """Run a WSGI app (or response) to completion: (status, headers, body)."""
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"] = int(status.split(" ", 1)[0])
        captured["headers"] = headers
        return lambda data: None

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return captured["status"], list(captured["headers"]), body
