"""WAF text transformations, applied in priority order before a statement inspects a field.

https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-transformation.html
(each option's description there is what the function here does). Values are `str`
decoded as Latin-1, so every byte survives and decoders can work byte by byte.
An unknown transformation type is an error at load time (`check`), never a silent no-op.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any

_WS = "\t\n\x0b\x0c\r \xa0"
_MULTI_SPACE = re.compile(" {2,}")
_COMMENT = re.compile(r"/\*.*?(\*/|$)", re.S)
_NON_B64 = re.compile(r"[^A-Za-z0-9+/=]")


def _compress_white_space(value: str) -> str:
    # Replace \f \t \n \r \v and non-breaking space with a space, then collapse spaces.
    return _MULTI_SPACE.sub(" ", value.translate({ord(c): " " for c in _WS}))


def _cmd_line(value: str) -> str:
    value = re.sub(r"[\\\"'^]", "", value)
    value = re.sub(r" +(?=[/(])", "", value)
    value = re.sub(r"[,;]", " ", value)
    value = value.translate({ord(c): " " for c in _WS})
    return _MULTI_SPACE.sub(" ", value).lower()


def _url_decode(value: str) -> str:
    return urllib.parse.unquote_plus(value, encoding="latin-1")


def _html_entity_decode(value: str) -> str:
    return html.unescape(value)


def _base64_decode(value: str) -> str:
    try:
        return base64.b64decode(value.encode("latin-1"), validate=True).decode("latin-1")
    except (binascii.Error, ValueError):
        return value


def _base64_decode_ext(value: str) -> str:
    cleaned = _NON_B64.sub("", value).rstrip("=")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned.encode("latin-1")).decode("latin-1")
    except (binascii.Error, ValueError):
        return value


def _hex_decode(value: str) -> str:
    try:
        return bytes.fromhex(value).decode("latin-1")
    except ValueError:
        return value


def _replace_comments(value: str) -> str:
    return _COMMENT.sub(" ", value)


def _normalize_path(value: str) -> str:
    parts: list[str] = []
    for part in re.sub(r"/{2,}", "/", value).split("/"):
        if part == ".":
            continue
        if part == "..":
            if len(parts) > 1:
                parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)


def _js_decode(value: str) -> str:
    return re.sub(
        r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})",
        lambda m: chr(int(m.group(1) or m.group(2), 16)),
        value,
    )


def _md5(value: str) -> str:
    return hashlib.md5(value.encode("latin-1")).digest().decode("latin-1")


def _sql_hex_decode(value: str) -> str:
    return re.sub(
        r"0x((?:[0-9a-fA-F]{2})+)", lambda m: bytes.fromhex(m.group(1)).decode("latin-1"), value
    )


TRANSFORMS: Mapping[str, Callable[[str], str]] = {
    "NONE": lambda v: v,
    "LOWERCASE": str.lower,
    "UPPERCASE": str.upper,
    "COMPRESS_WHITE_SPACE": _compress_white_space,
    "CMD_LINE": _cmd_line,
    "CMD_LINE_UNIX": _cmd_line,
    "URL_DECODE": _url_decode,
    "URL_DECODE_UNI": _url_decode,
    "HTML_ENTITY_DECODE": _html_entity_decode,
    "BASE64_DECODE": _base64_decode,
    "BASE64_DECODE_EXT": _base64_decode_ext,
    "HEX_DECODE": _hex_decode,
    "MD5": _md5,
    "REPLACE_COMMENTS": _replace_comments,
    "REMOVE_COMMENTS_CHAR": lambda v: re.sub(r"/\*|\*/|--|#", "", v),
    "ESCAPE_SEQ_DECODE": lambda v: v.encode("latin-1").decode("unicode_escape", "replace"),
    "SQL_HEX_DECODE": _sql_hex_decode,
    "JS_DECODE": _js_decode,
    "CSS_DECODE": lambda v: re.sub(
        r"\\([0-9a-fA-F]{1,6})\s?", lambda m: chr(min(int(m.group(1), 16), 0x10FFFF)), v
    ),
    "NORMALIZE_PATH": _normalize_path,
    "NORMALIZE_PATH_WIN": lambda v: _normalize_path(v.replace("\\", "/")),
    "REMOVE_NULLS": lambda v: v.replace("\x00", ""),
    "REPLACE_NULLS": lambda v: v.replace("\x00", " "),
    "REMOVE_WHITESPACE": lambda v: "".join(c for c in v if c not in _WS),
    "TRIM": lambda v: v.strip(_WS),
    "TRIM_LEFT": lambda v: v.lstrip(_WS),
    "TRIM_RIGHT": lambda v: v.rstrip(_WS),
    "UTF8_TO_UNICODE": lambda v: v.encode("latin-1").decode("utf-8", "replace"),
}


def check(specs: Iterable[Mapping[str, Any]]) -> None:
    for spec in specs:
        if str(spec.get("Type")) not in TRANSFORMS:
            raise ValueError(f"text transformation {spec.get('Type')!r} is not emulated")


def apply(value: str, specs: Iterable[Mapping[str, Any]]) -> str:
    """`value` through each transformation, lowest Priority first."""
    for spec in sorted(specs, key=lambda s: int(s.get("Priority", 0))):
        value = TRANSFORMS[str(spec["Type"])](value)
    return value
