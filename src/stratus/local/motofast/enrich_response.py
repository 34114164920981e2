"""A response's XML request id filled in only when the body has one (moto 5.2.5).

What upstream lacks: `BaseResponse._enrich_response` runs
`re.sub(r"(?<=<RequestId>).*(?=<\\/RequestId>)", request_id, body)` on every response body,
JSON ones included. The pattern has no literal prefix the regex engine can skip to, so it
tries its lookbehind at every character: ~1 ms for the 30 KB body of a 100-item DynamoDB
Query, for a substitution that can only happen where `<RequestId>` occurs.

The patch skips the substitution when the body is a `str` without `<RequestId>` (the
pattern cannot match: same body) and otherwise runs moto's own function; the status cast
and the `x-amzn-requestid` header (one random draw, the same one) stay as moto has them.

Upstream note: test `"<RequestId>" in body` before the `re.sub`.
"""

from __future__ import annotations

from typing import Any

_PATCHED = "_stratus_enrich_response"
_MARK = "<RequestId>"


def install() -> None:
    import moto.core.responses as responses

    base = responses.BaseResponse
    original = base.__dict__["_enrich_response"].__func__
    if getattr(original, _PATCHED, False):
        return

    def _enrich_response(headers: dict[str, str], body: Any) -> tuple[dict[str, str], Any]:
        if type(body) is not str or _MARK in body:
            return original(headers, body)
        if "status" in headers:
            headers["status"] = str(headers["status"])
        responses.gen_amzn_requestid_long(headers)
        return headers, body

    setattr(_enrich_response, _PATCHED, True)
    _enrich_response.__wrapped__ = original  # type: ignore[attr-defined]
    base._enrich_response = staticmethod(_enrich_response)  # type: ignore[method-assign]
