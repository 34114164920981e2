"""A response body without an XML request id is left alone without a regex scan; every
body comes out as moto's own `_enrich_response` returns it, with the same request id."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from moto.core.responses import BaseResponse
from moto.moto_api._internal import mock_random

from stratus.local.core.moto_app import MotoApp
from stratus.local.motofast import enrich_response

XML = "<R><RequestId>old</RequestId><RequestId>2</RequestId>\n<RequestId>x\n</RequestId></R>"
BODIES: list[Any] = [
    "",
    "{}",
    json.dumps({"Items": [{"s": {"S": "<RequestId>"}}]}),  # a JSON body with the mark
    json.dumps({"Items": [{"s": {"S": "RequestId</RequestId>"}}] * 50}),
    XML,
    "<RequestId></RequestId>",
    b"<RequestId>bytes</RequestId>",
    b"",
    None,
    {"not": "text"},
]


def _patched() -> Any:
    MotoApp()  # installs the patches
    return BaseResponse._enrich_response


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
@pytest.mark.parametrize("status", [None, 200, 400, "500"])
def test_same_headers_and_body_as_moto(body: Any, status: Any) -> None:
    patched = _patched()
    original = patched.__wrapped__
    answers = []
    for function in (patched, original):
        headers: dict[str, Any] = {"content-type": "x"}
        if status is not None:
            headers["status"] = status
        mock_random.seed(7)
        out_headers, out_body = function(headers, body)
        answers.append((out_headers, out_body))
        assert out_headers is headers
    assert answers[0] == answers[1]
    assert len(answers[0][0]["x-amzn-requestid"]) == 52


def test_installed_once() -> None:
    first = _patched()
    enrich_response.install()
    assert BaseResponse._enrich_response is first


def test_a_large_json_body_is_not_scanned() -> None:
    patched = _patched()
    body = json.dumps({"Items": [{"k": {"S": "x" * 100}}] * 300})  # ~40 KB
    original = patched.__wrapped__

    def best(function: Any) -> float:
        times = []
        for _ in range(20):
            began = time.perf_counter()
            function({}, body)
            times.append(time.perf_counter() - began)
        return min(times)

    assert best(patched) * 5 < best(original)
