"""Small, tested patches that make moto 5.2.5 fast enough to serve as a local cloud.

Each module fixes one cost centre that moto itself could take upstream; its docstring says
what moto lacks, what the patch does and why the answer stays identical. `install()` applies
them all (idempotent); `MotoApp` calls it once.

- `handler_methods`: a handler's method names listed once per class.
- `direct`: straight to moto's handler (no per-request backend inference, no Flask request);
  a plain answer leaves without a Flask `Response`.
- `inline`: which calls are short enough for the event loop (reads, and journaled writes
  when the journal's lock is free).
- `json_serializer`: JSON-protocol responses by a shape walk compiled once per operation;
  `Lazy` walks results a handler would convert first.
- `dynamodb_query`: Query reads one partition, not the whole table.
- `dynamodb_copy`: Query copies its result items shallowly.
- `dynamodb_size`: item sizes counted directly, once per item and query.
- `dynamodb_result`: DynamoDB results serialized from moto's items in one walk.
- `sqs_queue`: SQS without per-message scans.

Figures (issue 7; this 2-core machine, shared; p50 interleaved in one run; server-only = one
signed request replayed on a keep-alive socket; ministack 1.5.33 as the peer): GetItem 0.49
vs 0.44-0.49 ms (0.61 before these DynamoDB patches), Query of 20 items 0.93 vs 1.13 ms (2.5
before), of 100 items 2.5 vs 3.1-3.9 ms (10-13 before), PutItem 1.2 ms vs 0.51 (of which the
journal's fdatasync and its thread hand-offs are most; moto alone 0.60). Through boto3
(`make bench` part raw): PutItem 1.16x the peer's p50, GetItem 0.95x, Query 20 0.91x, Query
100 0.90x, Query 20 from 4 threads 0.96x.
"""

from __future__ import annotations


def install() -> None:
    from stratus.local.motofast import (
        dynamodb_copy,
        dynamodb_query,
        dynamodb_result,
        dynamodb_size,
        handler_methods,
        json_serializer,
        sqs_queue,
    )

    handler_methods.install()
    # Table.query wrappers, innermost first: the partition view (dynamodb_query) stays
    # outermost so that its `__wrapped__` is moto's whole-table query (its tests use that).
    dynamodb_copy.install()
    dynamodb_size.install()
    dynamodb_query.install()
    json_serializer.install()
    dynamodb_result.install()
    sqs_queue.install()
