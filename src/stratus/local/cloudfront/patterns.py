"""Cache behaviour path patterns, as CloudFront matches them.

https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesPathPattern:
"`*` matches 0 or more characters", "`?` matches exactly 1 character", path patterns are
case-sensitive, the leading `/` is optional, and CloudFront "compares a request for an
object with the path patterns in cache behaviors in the order in which the cache behaviors
are listed in the distribution"; the default behaviour (`*`) answers what none matched.
Only the path takes part (never the query string).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    text = pattern if pattern.startswith("/") or pattern.startswith("*") else "/" + pattern
    parts = []
    for char in text:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def matches(pattern: str, path: str) -> bool:
    return compile_pattern(pattern).fullmatch(path) is not None


def first_match(patterns: Sequence[tuple[str, T]], path: str, default: T) -> T:
    """The value of the first (pattern, value) whose pattern matches `path`, else `default`."""
    for pattern, value in patterns:
        if matches(pattern, path):
            return value
    return default
