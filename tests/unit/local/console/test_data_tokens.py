"""Page tokens: what the console issues comes back as the same key; anything forged,
truncated or oversized is refused as a TokenError (a 400 page), never a crash."""

from __future__ import annotations

import base64
import json

import pytest

from stratus.local.console.data import dynamo, tokens

KEYS = {"pk", "sk"}


def _raw(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_last_evaluated_key_round_trips_with_every_key_type() -> None:
    key = {"pk": {"S": "USER#ä/..?&"}, "sk": {"N": "42"}}
    assert dynamo.start_key(dynamo.key_token(key), KEYS) == key
    binary = {"pk": {"B": b"\x00\xffraw"}}
    assert dynamo.start_key(dynamo.key_token(binary), {"pk"}) == binary


def test_a_token_is_url_safe() -> None:
    token = dynamo.key_token({"pk": {"S": "a+b/c=d" * 20}})
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_the_first_page_has_no_start_key() -> None:
    assert dynamo.start_key("", KEYS) is None


@pytest.mark.parametrize(
    "token",
    [
        "not base64!",
        "%%%",
        "eyJ",  # truncated
        _raw([1, 2]),  # not an object
        _raw({}),  # no attribute
        _raw({"other": {"S": "x"}}),  # not a key of the table
        _raw({"pk": "x"}),  # untyped
        _raw({"pk": {"S": "x", "N": "1"}}),  # two types
        _raw({"pk": {"M": {}}}),  # not a key type
        _raw({"pk": {"N": 1}}),  # number not as a string
        _raw({"pk": {"B": "***"}}),  # binary not base64
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),  # not UTF-8
        "A" * (tokens.MAX_TOKEN + 1),  # oversized
    ],
)
def test_forged_or_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(tokens.TokenError):
        dynamo.start_key(token, KEYS)


def test_the_pager_walks_forward_and_back() -> None:
    first = tokens.Pager.from_query(None, None)
    assert first.previous() is None and first.number == 1
    second_q = first.next("T2")
    second = tokens.Pager.from_query(second_q["page"], second_q["trail"])
    assert second.number == 2 and second.previous() == {}  # the first page
    third_q = second.next("T3")
    third = tokens.Pager.from_query(third_q["page"], third_q["trail"])
    assert third.number == 3 and third.previous() == {"page": "T2", "trail": ""}


def test_a_trail_is_bounded_and_checked() -> None:
    long_trail = ".".join(f"T{i}" for i in range(100))
    assert len(tokens.split_trail(long_trail)) == tokens.MAX_TRAIL
    with pytest.raises(tokens.TokenError):
        tokens.split_trail("ok.not ok")
    with pytest.raises(tokens.TokenError):
        tokens.split_trail("A" * (tokens.MAX_TRAIL_CHARS + 1))
    with pytest.raises(tokens.TokenError):
        tokens.Pager.from_query("bad token", None)


def test_opaque_aws_tokens_are_bounded_and_wrapped() -> None:
    assert tokens.opaque(None) is None
    assert tokens.opaque("abc/+=.") == "abc/+=."
    with pytest.raises(tokens.TokenError):
        tokens.opaque("has space")
    with pytest.raises(tokens.TokenError):
        tokens.opaque("x" * (tokens.MAX_TOKEN + 1))
    assert tokens.unseal(tokens.seal("a.b/c+d")) == "a.b/c+d"
    assert tokens.unseal("") == ""
    assert "." not in tokens.seal("a.b.c")


@pytest.mark.parametrize(
    "forged",
    [
        tokens.encode("bare aws token"),
        tokens.encode(["aws token", "0" * 32]),
        tokens.encode(["aws token"]),
        tokens.encode({"not": "a list"}),
        "%%",
    ],
)
def test_a_sealed_token_cannot_be_forged(forged: str) -> None:
    with pytest.raises(tokens.TokenError):
        tokens.unseal(forged)
