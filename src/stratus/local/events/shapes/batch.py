"""Event source mapping batch semantics: partial batch responses, filter criteria, bisection.

Partial batch responses: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
("Reporting batch item failures": an empty or null `batchItemFailures`, or an empty or null
response, is complete success; an invalid JSON response, an empty or null `itemIdentifier`, a
bad key name or an unknown id make the whole batch a failure) and, for streams,
https://docs.aws.amazon.com/lambda/latest/dg/kinesis-batchitemfailures.html (the batch is
retried from the lowest failed sequence number).
Filters: https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html (a record
is kept if any filter matches; SQS `body` and Kinesis `data` are matched as JSON when they are
JSON; a JSON pattern against a non-JSON body, or a plain pattern against a JSON body, drops it).
Bisection: https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html
(BisectBatchOnFunctionError splits a failing batch in two and retries each half).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from stratus.local.events.patterns import EventPattern

T = TypeVar("T")
Source = Literal["sqs", "kinesis", "dynamodb"]
MAX_FILTERS = 5  # "up to five different filters" per event source mapping (quota, by default)


@dataclass(frozen=True)
class BatchOutcome:
    """Which records of a batch failed; `whole_batch` when Lambda fails all of them."""

    failed_ids: tuple[str, ...] = ()
    whole_batch: bool = False

    @property
    def succeeded(self) -> bool:
        return not self.whole_batch and not self.failed_ids


WHOLE_BATCH = BatchOutcome(whole_batch=True)


def parse_batch_response(
    response: Any, batch_ids: Sequence[str], *, report_item_failures: bool = True
) -> BatchOutcome:
    """Interpret a function's return value (parsed JSON, or the raw text) for one batch.

    Without ReportBatchItemFailures in FunctionResponseTypes any return is success.
    """
    if not report_item_failures:
        return BatchOutcome()
    if isinstance(response, str | bytes):
        if not response:
            return BatchOutcome()
        try:
            response = json.loads(response)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return WHOLE_BATCH  # "An invalid JSON response"
    if response is None or response == {}:
        return BatchOutcome()
    if not isinstance(response, dict):
        return WHOLE_BATCH
    failures = response.get("batchItemFailures")
    if failures is None or failures == []:
        return BatchOutcome()
    if not isinstance(failures, list):
        return WHOLE_BATCH
    known = set(batch_ids)
    failed: list[str] = []
    for failure in failures:
        if not isinstance(failure, dict) or set(failure) != {"itemIdentifier"}:
            return WHOLE_BATCH  # "An itemIdentifier with a bad key name"
        item = failure["itemIdentifier"]
        if not isinstance(item, str) or not item or item not in known:
            return WHOLE_BATCH  # empty, null, or "a message ID that doesn't exist"
        if item not in failed:
            failed.append(item)
    return BatchOutcome(failed_ids=tuple(failed))


def stream_retry_from(outcome: BatchOutcome, sequence_numbers: Sequence[str]) -> int | None:
    """For Kinesis/DynamoDB: the index of the first record to retry, None if all succeeded.

    Lambda checkpoints before the lowest failed sequence number and retries from there.
    """
    if outcome.whole_batch:
        return 0
    if not outcome.failed_ids:
        return None
    lowest = min(outcome.failed_ids, key=int)
    return list(sequence_numbers).index(lowest)


def bisect(batch: Sequence[T]) -> tuple[list[T], list[T]] | None:
    """Split a failing batch in two (first half the smaller); None for a single record."""
    if len(batch) < 2:
        return None
    middle = len(batch) // 2
    return list(batch[:middle]), list(batch[middle:])


class FilterCriteria:
    """An event source mapping's FilterCriteria ({"Filters": [{"Pattern": "..."}]})."""

    def __init__(self, criteria: Mapping[str, Any] | None, source: Source) -> None:
        filters = (criteria or {}).get("Filters") or []
        if len(filters) > MAX_FILTERS:
            raise ValueError("FilterCriteria can have at most 5 filters")
        self.source = source
        self.patterns = [EventPattern.parse(f["Pattern"]) for f in filters]
        self._data_key = {"sqs": "body", "kinesis": "data"}.get(source)

    def keeps(self, record: Mapping[str, Any]) -> bool:
        """Whether the record reaches the function (no filters keeps everything)."""
        if not self.patterns:
            return True
        view, data_is_json = self._view(record)
        return any(self._applies(p, view, data_is_json) for p in self.patterns)

    def _view(self, record: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """The record as filters see it: Kinesis filters see the `kinesis` object; the data
        field parsed when it is JSON."""
        view = dict(record["kinesis"]) if self.source == "kinesis" else dict(record)
        if self._data_key is None:
            return view, True
        text = view.get(self._data_key)
        if self.source == "kinesis" and isinstance(text, str):
            try:
                text = base64.b64decode(text, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return view, False
        try:
            parsed = json.loads(text) if isinstance(text, str) else text
        except json.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict | list):  # a bare "42" or "null" is still plain text
            return view, False
        view[self._data_key] = parsed
        return view, True

    def _applies(self, pattern: EventPattern, view: dict[str, Any], data_is_json: bool) -> bool:
        if self._data_key is not None and self._data_key in pattern.source:
            pattern_is_json = isinstance(pattern.source[self._data_key], dict)
            if pattern_is_json != data_is_json:
                return False  # the docs' "Lambda drops the message" cases
        return pattern.matches(view)
