"""Stage access logs: the AccessLogSetting Format with its $context variables filled in.

AWS writes "-" for a variable with no value; the same is done here. The line goes to a
`log_sink(destination_arn, line)` the caller provides (the local cloud sends it to
CloudWatch Logs); a sink may be sync or async.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Awaitable, Callable, Mapping

LogSink = Callable[[str, str], Awaitable[None] | None]

_VAR = re.compile(r"\$(?:\{(context\.[\w.\-]+)\}|(context(?:\.[\w\-]+)+))")
_log = logging.getLogger(__name__)


def format_line(fmt: str, values: Mapping[str, str | int | None]) -> str:
    def repl(m: re.Match[str]) -> str:
        value = values.get(m.group(1) or m.group(2))
        return "-" if value is None or value == "" else str(value)

    return _VAR.sub(repl, fmt)


async def emit(sink: LogSink, destination: str, line: str) -> None:
    try:
        result = sink(destination, line)
        if inspect.isawaitable(result):
            await result
    except Exception:  # a broken log sink must never break the request
        _log.exception("access log sink failed for %s", destination)
