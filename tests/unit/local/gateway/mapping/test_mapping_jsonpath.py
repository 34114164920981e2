"""The JSONPath subset: Jayway's definite/indefinite results, and malformed paths."""

from __future__ import annotations

import pytest

from stratus.local.gateway.mapping.jsonpath import JsonPathError, compile_path, evaluate

DOC = {
    "store": {
        "book": [
            {"title": "A", "price": 8, "tags": ["x"]},
            {"title": "B", "price": 12},
            {"title": "C", "price": 9},
        ],
        "bicycle": {"color": "red", "price": 19},
        "odd key": 1,
    }
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", DOC),
        ("$.store.bicycle.color", "red"),
        ("$['store']['bicycle']['color']", "red"),
        ('$["store"]["odd key"]', 1),
        ("$.store.book[0].title", "A"),
        ("$.store.book[-1].title", "C"),
        ("store.bicycle.price", 19),  # no "$": read as "$." + path, as Jayway does
        ("$.store.missing", None),
        ("$.store.book[7].title", None),
        ("$.store.bicycle.color.deeper", None),
    ],
)
def test_definite_path_yields_the_value_or_none(path: str, expected: object) -> None:
    assert evaluate(path, DOC) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.store.book[*].title", ["A", "B", "C"]),
        ("$.store.book[0,2].title", ["A", "C"]),
        ("$.store.book[1:].title", ["B", "C"]),
        ("$.store.book[:2].price", [8, 12]),
        ("$..price", [8, 12, 9, 19]),
        ("$.store.bicycle.*", ["red", 19]),
        ("$.store['bicycle','odd key']", [{"color": "red", "price": 19}, 1]),
        ("$.store.book[*].missing", []),
    ],
)
def test_indefinite_path_yields_the_list_of_matches(path: str, expected: object) -> None:
    assert evaluate(path, DOC) == expected


def test_path_over_no_document_matches_nothing() -> None:
    assert evaluate("$.a", None) is None
    assert evaluate("$[*]", None) == []


@pytest.mark.parametrize(
    "path",
    ["$.store.book[?(@.price < 10)]", "$.a[", "$.a[]", "$.a['b]", "$.a[x]", "$.a[1:2:3:4]", "$ .a"],
)
def test_malformed_or_unsupported_path_raises(path: str) -> None:
    with pytest.raises(JsonPathError):
        compile_path(path)
