"""A DynamoDB request's handler set up without the generic form and URL work (moto 5.2.5).

What upstream lacks: `BaseResponse.setup_class` serves every protocol, so for each DynamoDB
call it runs werkzeug's form parser over the JSON body (`request.data`, `request.form`),
and `parse_parameters` builds `request.values` (the query string and the form, parsed again)
only to hand the JSON parser the body. Then `JSONParser` walks botocore's input shape for
every attribute value. Measured in-process (thread CPU, p50): a PutItem spends ~150 us of
its ~340 us in `setup_class`.

The patch, for the narrow case where those steps have one known outcome — a POST with a
DynamoDB JSON content type (`application/x-amz-json-1.0`/`1.1`: no form, no multipart), no
`Content-Encoding` (nothing to decompress), no query string — sets the same attributes
`setup_class` sets, in the same order and from the same values: the body read as
`request.data` reads it for a non-form content type, an empty form, the query string
parsed from the URL and then from the body exactly as moto parses it, the same region,
headers, account and IAM visit. Parameters come from `dynamodb_parse` (the input shape
walked by a plan compiled once per operation; anything it is not sure of goes to moto's
parser). Any other request runs moto's own `_dispatch`.

Upstream note: `setup_class` could skip the form parser when the content type is not a form
type, and `parse_parameters` could pass `request.values` lazily (JSON parsers never read it).
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from functools import lru_cache
from typing import Any

from stratus.local.motofast import dynamodb_parse

_PATCHED = "_stratus_dynamodb_setup"
_JSON_TYPES = frozenset({"application/x-amz-json-1.0", "application/x-amz-json-1.1"})


@lru_cache(maxsize=64)
def _urlparse(url: str) -> Any:
    """urlparse of a request URL (an immutable tuple: safe to share between requests)."""
    from urllib.parse import urlparse

    return urlparse(url)


def install() -> None:
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler._dispatch
    if getattr(original, _PATCHED, False):
        return

    def _dispatch(self: Any, request: Any, full_url: str | None = None, headers: Any = None) -> Any:
        if type(self) is DynamoHandler and _fast_setup(self, request, full_url, headers):
            return self.call_action()
        return original(self, request, full_url, headers)

    setattr(_dispatch, _PATCHED, True)
    _dispatch.__wrapped__ = original  # type: ignore[attr-defined]
    DynamoHandler._dispatch = _dispatch  # type: ignore[method-assign]


def _fast_setup(handler: Any, request: Any, full_url: str | None, headers: Any) -> bool:
    """`setup_class(request, full_url, headers)` for the narrow case; False (nothing done)
    outside it. Mirrors moto 5.2.5's `BaseResponse.setup_class` step by step."""
    import moto.core.responses as responses

    environ = getattr(request, "environ", None)
    if (
        environ is None
        or request.method != "POST"
        or environ.get("CONTENT_TYPE") not in _JSON_TYPES
        or environ.get("HTTP_CONTENT_ENCODING")
        or handler.use_raw_body
        or not handler.automated_parameter_parsing
    ):
        return False
    full_url = request.raw_url if full_url is None else full_url
    parsed_url = _urlparse(full_url)
    if parsed_url.query:
        return False
    headers = request.headers if headers is None else headers

    handler.is_werkzeug_request = request.from_wsgi_server
    handler.normalized_request = request
    handler.parsed_url = parsed_url
    querystring: dict[str, Any] = OrderedDict()
    # `request.data` for a non-form content type: the stream as it is (werkzeug's form
    # parser hands it back untouched), and an empty form and files.
    raw = request.get_data(parse_form_data=False)
    handler.body = raw
    handler.form_data = request.parameter_storage_class()
    handler.raw_body = raw
    handler.body = raw.decode("utf-8")
    # not querystring: the URL's query string is empty, so the body's pairs, else headers
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError, AttributeError):
        querystring.update(
            OrderedDict(
                (key, [value])
                for key, value in responses.parse_qsl(handler.body, keep_blank_values=True)
            )
        )
    if not querystring:
        querystring.update(headers)
    with contextlib.suppress(UnicodeDecodeError):
        querystring = responses._decode_dict(querystring)
    handler.uri = full_url
    handler.path = parsed_url.path
    handler.raw_path = request.raw_path
    handler.querystring = querystring
    handler.data = querystring
    handler.method = request.method
    handler.region = handler.get_region_from_url(request, full_url)
    handler.partition = responses.get_partition(handler.region)
    handler.uri_match = {}
    if "host" not in request.headers:
        request.environ["HTTP_HOST"] = parsed_url.netloc
    handler.headers = request.headers
    handler.response_headers = {"server": "amazon.com"}
    if not handler.is_werkzeug_request:
        handler.response_headers["date"] = responses.http_date(responses.utcnow())
    if handler._get_action():
        handler.params = dynamodb_parse.parse(handler, request, raw)

    from moto.iam.models import mark_account_as_visited

    handler.access_key = handler.get_access_key()
    handler.current_account = handler.get_current_account()
    mark_account_as_visited(
        account_id=handler.current_account,
        access_key=handler.access_key,
        service=handler.service_name,
        region=handler.region,
    )
    return True
