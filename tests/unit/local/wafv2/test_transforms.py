"""WAF text transformations, one by one and in priority order."""

from __future__ import annotations

import base64

import pytest

from stratus.local.wafv2 import transforms


def run(value: str, *types: str) -> str:
    return transforms.apply(value, [{"Priority": i, "Type": t} for i, t in enumerate(types)])


@pytest.mark.parametrize(
    ("kind", "given", "expected"),
    [
        ("NONE", "A b", "A b"),
        ("LOWERCASE", "SeLeCT", "select"),
        ("URL_DECODE", "%27%20OR%201%3D1+--", "' OR 1=1 --"),
        ("HTML_ENTITY_DECODE", "&lt;script&gt;&#x61;&#98;", "<script>ab"),
        ("COMPRESS_WHITE_SPACE", "a\t\n  b\x0c\xa0c", "a b c"),
        ("BASE64_DECODE", base64.b64encode(b"${jndi:ldap}").decode(), "${jndi:ldap}"),
        ("BASE64_DECODE", "not base64!", "not base64!"),
        ("HEX_DECODE", "414243", "ABC"),
        ("CMD_LINE", 'C^a"T  /etc/passwd;ls', "cat/etc/passwd ls"),
        ("REPLACE_COMMENTS", "SEL/**/ECT", "SEL ECT"),
        ("NORMALIZE_PATH", "/a//b/./c/../d", "/a/b/d"),
        ("REMOVE_NULLS", "a\x00b", "ab"),
        ("JS_DECODE", "\\x3cscript\\u003e", "<script>"),
        ("TRIM", "  x  ", "x"),
    ],
)
def test_each_transformation(kind: str, given: str, expected: str) -> None:
    assert run(given, kind) == expected


def test_transformations_apply_lowest_priority_first() -> None:
    specs = [{"Priority": 5, "Type": "LOWERCASE"}, {"Priority": 1, "Type": "URL_DECODE"}]
    assert transforms.apply("%53ELECT", specs) == "select"


def test_an_unknown_transformation_is_refused_at_load() -> None:
    with pytest.raises(ValueError, match="not emulated"):
        transforms.check([{"Priority": 0, "Type": "ROT13"}])
