"""S3 object keys as Firehose names them.

https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html#s3-object-name: the key
is `<evaluated prefix><suffix>`, the suffix
`<stream name>-<stream version>-YYYY-MM-DD-HH-MM-SS-<uuid><file extension>`; without a
custom prefix the evaluated prefix is `YYYY/MM/dd/HH/` (UTC).
https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html: a custom prefix may hold
`!{timestamp:<Java DateTimeFormatter pattern>}` and `!{firehose:random-string}` (and, in the
ErrorOutputPrefix, `!{firehose:error-output-type}`); timestamps are the approximate arrival
time of the oldest record in the object; a Prefix with no timestamp expression gets
`!{timestamp:yyyy/MM/dd/HH/}` appended. A GZIP object gets the `.gz` extension unless
`FileExtension` says otherwise.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

DEFAULT_TIME_PREFIX = "!{timestamp:yyyy/MM/dd/HH/}"
_EXPRESSION = re.compile(r"!\{(timestamp|firehose):([^}]*)\}")
_JAVA = {"yyyy": "%Y", "yy": "%y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}
_EXTENSIONS = {"GZIP": ".gz", "ZIP": ".zip", "Snappy": ".snappy", "HADOOP_SNAPPY": ".snappy"}


class InvalidPrefix(ValueError):
    pass


def java_time(pattern: str, moment: datetime) -> str:
    """Format `moment` with the DateTimeFormatter letters Firehose prefixes use."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":
            end = pattern.find("'", i + 1)
            if end < 0:
                raise InvalidPrefix(f"unterminated quote in {pattern!r}")
            out.append(pattern[i + 1 : end] or "'")
            i = end + 1
        elif char.isalpha():
            run = char
            while i + len(run) < len(pattern) and pattern[i + len(run)] == char:
                run += char
            if run not in _JAVA:
                raise InvalidPrefix(f"unsupported timestamp pattern {run!r} in {pattern!r}")
            out.append(moment.strftime(_JAVA[run]))
            i += len(run)
        else:
            out.append(char)
            i += 1
    return "".join(out)


def evaluate(prefix: str, moment: datetime, *, error_type: str | None = None) -> str:
    """A Prefix or ErrorOutputPrefix with its expressions evaluated."""

    def expression(match: re.Match[str]) -> str:
        namespace, value = match.group(1), match.group(2)
        if namespace == "timestamp":
            return java_time(value, moment)
        if value == "random-string":
            return uuid.uuid4().hex[:11]
        if value == "error-output-type" and error_type is not None:
            return error_type
        raise InvalidPrefix(f"unsupported expression !{{{namespace}:{value}}}")

    return _EXPRESSION.sub(expression, prefix)


def object_key(
    config: dict[str, object],
    stream: str,
    version: str,
    oldest: datetime,
) -> str:
    """The key of the object one flush writes (`config`: the S3 destination configuration)."""
    prefix = str(config.get("Prefix") or "")
    if "!{timestamp:" not in prefix:
        prefix += DEFAULT_TIME_PREFIX
    extension = config.get("FileExtension")
    if extension is None:
        extension = _EXTENSIONS.get(str(config.get("CompressionFormat") or ""), "")
    suffix = f"{stream}-{version}-{oldest.strftime('%Y-%m-%d-%H-%M-%S')}-{uuid.uuid4()}"
    return f"{evaluate(prefix, oldest)}{suffix}{extension}"
