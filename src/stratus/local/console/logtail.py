"""Reading a CloudWatch Logs group for a live tail: its latest lines, then what came since.

Through the local AWS endpoint with boto3, as any CloudWatch Logs client would:
- `latest`: the few streams with the newest events (DescribeLogStreams ordered by
  LastEventTime, descending) and the last lines of each (GetLogEvents with
  startFromHead=false), merged by time — bounded, however large the group.
- `since`: FilterLogEvents from a time cursor
  (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html).
  Events reach CloudWatch Logs some time after their timestamp (Lambda ships them
  asynchronously; so does the local runtime's log sink), so a poll reads from `LAG_MS`
  before the cursor and each line carries an id made of its stream, time and text: the
  page drops lines it already shows. No library tails a log group from a browser (the AWS
  CLI's `aws logs tail --follow` polls FilterLogEvents the same way), hence this module.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

LAG_MS = 5000  # how late an event may reach the group and still be tailed
LATEST_STREAMS = 3
LATEST_LINES = 100
POLL_LINES = 500


@dataclass(frozen=True)
class LogLine:
    id: str
    timestamp: int  # epoch ms
    stream: str
    message: str

    @property
    def time(self) -> str:
        ms = self.timestamp
        return time.strftime("%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "timestamp": self.timestamp,
            "time": self.time,
            "stream": self.stream,
            "message": self.message,
        }


def _line(stream: str, event: dict[str, Any]) -> LogLine:
    ts = int(event.get("timestamp") or 0)
    message = str(event.get("message") or "").rstrip("\n")
    digest = hashlib.sha1(f"{stream}\0{ts}\0{message}".encode(), usedforsecurity=False)
    return LogLine(digest.hexdigest()[:20], ts, stream, message)


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ResourceNotFoundException"


def latest(logs: Any, group: str, limit: int = LATEST_LINES) -> list[LogLine]:
    """The group's last `limit` lines (oldest first); none if the group does not exist."""
    try:
        streams = logs.describe_log_streams(
            logGroupName=group, orderBy="LastEventTime", descending=True, limit=LATEST_STREAMS
        ).get("logStreams", [])
        lines: list[LogLine] = []
        for stream in streams:
            name = str(stream["logStreamName"])
            events = logs.get_log_events(
                logGroupName=group, logStreamName=name, startFromHead=False, limit=limit
            ).get("events", [])
            lines += [_line(name, e) for e in events]
    except ClientError as e:
        if _missing(e):
            return []
        raise
    lines.sort(key=lambda line: line.timestamp)
    return lines[-limit:]


def since(logs: Any, group: str, after_ms: int, limit: int = POLL_LINES) -> list[LogLine]:
    """Lines from `LAG_MS` before `after_ms` on (oldest first, at most `limit`)."""
    try:
        events = logs.filter_log_events(
            logGroupName=group, startTime=max(after_ms - LAG_MS, 0), limit=limit
        ).get("events", [])
    except ClientError as e:
        if _missing(e):
            return []
        raise
    lines = [_line(str(e.get("logStreamName") or ""), e) for e in events]
    lines.sort(key=lambda line: line.timestamp)
    return lines


def cursor_of(lines: list[LogLine], previous: int = 0, *, limit: int = POLL_LINES) -> int:
    """The cursor of the next poll: the newest line's time (never going back). After a full
    page the next poll must start at that line, not `LAG_MS` before it, or a burst of more
    than a page of lines within the lag would be read again and again."""
    newest = max([previous, *(line.timestamp for line in lines)])
    return newest + LAG_MS if len(lines) >= limit else newest
