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
- `dynamodb_clone`: items deep-copied by a direct walk.
- `dynamodb_condition`: condition expressions lexed once per string.
- `dynamodb_item`: a new item's size counted once, not once per attribute added.
- `dynamodb_untracked`: items that are gone no longer kept alive by moto's dashboard list.
- `dynamodb_update`: UpdateExpressions parsed once per string; validator walks cheap.
- `dynamodb_result`: DynamoDB results serialized from moto's items in one walk.
- `dynamodb_setup`, `dynamodb_parse`: a DynamoDB request's handler set up without the
  generic form/URL work, its parameters by a shape walk compiled once per operation.
- `sqs_queue`: SQS without per-message scans.
- `s3_objects`: plain GetObject/PutObject answered from the backend (MotoApp.call).
- `sqs_direct`: plain SendMessage/ReceiveMessage/DeleteMessage answered from the backend
  (MotoApp.call); receipt handles drawn without a call per letter.
- `dynamodb_direct`: plain PutItem/GetItem answered from the backend (MotoApp.call).
- `botocore_models`: botocore's models read lean (plain dicts, no documentation); moto's
  region lists without loading whole service models into a second loader.
- `ec2_catalogue`: moto's EC2 instance-type offerings read per region when first asked.
- `enrich_response`: no search for an XML request id in a body that has none.
- `request_memo`: a request's raw URL and S3's virtual-host test worked out once per request.

Figures (issue 7; this shared 2-core machine; p50, interleaved in one run; ministack 1.5.33
as the peer). Server-only (one signed request replayed on a keep-alive socket, 20-partition
table), before these DynamoDB patches -> after, vs the peer: GetItem 0.64 -> 0.46 ms vs
0.41-0.44; Query of 20 items 2.8 -> 0.95 vs 1.1; of 100 items 11 -> 2.5 vs 3.2; PutItem 1.14
-> 0.97 vs 0.51 (moto alone answers a PutItem in 0.55 ms; the journal adds 0.10 without and
0.43 with its fdatasync). Through boto3 (`make bench` part raw, two runs): PutItem 1.16-1.31x
the peer's p50, GetItem 0.95-1.07x, Query 20 0.91-0.94x, Query 100 0.90-0.96x, Query 20
from 4 threads 0.91-0.96x.

Writes (`dynamodb_update`, `dynamodb_clone`, `dynamodb_untracked`, `dynamodb_item`,
`dynamodb_condition`): in-process, thread CPU per call, min of 300, three interleaved runs
without -> with them (`tests/unit/local/motofast/bench_dynamodb_writes.py`; table with a
stream and a GSI, items of eleven attributes): UpdateItem SET one attribute 731-765 -> 523-530
us; three SETs with a condition and ALL_NEW 1841-1863 -> 1057-1065; ADD/REMOVE with
UPDATED_OLD 1312-1325 -> 819-832; PutItem of a new item with attribute_not_exists 604-625 ->
551-559, plain PutItem 449-453 -> 418-424. Through boto3 (`bench --only raw`, this machine
under a load average of 6-10) PutItem's ratio to the peer swings too widely to compare
(1.2x-4.7x either side).

S3 and SQS direct answers (`s3_objects`, `sqs_direct`): in-process, `MotoApp.call`, thread
CPU per call, p50 of 300, three alternating runs, moto's route -> direct: PutObject 10 KB
399-449 -> 112-142 us, GetObject 10 KB 276-330 -> 62-73 us, SQS send + receive + delete on a
queue of 1,000 messages 1031-1818 -> 303-577 us (three calls). Through boto3 the writes
then wait for the journal's fdatasync, which dominates on a busy disk (`bench --only raw`
figures are in the README).

DynamoDB set-up (`dynamodb_setup`, `dynamodb_parse`), `enrich_response` and the raw URL kept
across requests (`request_memo`), in-process thread CPU of `MotoApp.call`, p50 of 3,000:
PutItem 342 -> 255 us, GetItem 265 -> 204; a 100-item Query 3.4 -> 3.0 ms (the regex alone).

DynamoDB direct answers (`dynamodb_direct`): server-only p50 before -> after, vs the peer,
in `dynamodb_direct`'s docstring; through boto3 (`bench --only raw`): PutItem 1.29x -> 1.07x
the peer's p50, GetItem 1.05x -> 0.85x.
"""

from __future__ import annotations


def install() -> None:
    from stratus.local.motofast import (
        botocore_models,
        dynamodb_clone,
        dynamodb_condition,
        dynamodb_copy,
        dynamodb_item,
        dynamodb_query,
        dynamodb_result,
        dynamodb_setup,
        dynamodb_size,
        dynamodb_untracked,
        dynamodb_update,
        ec2_catalogue,
        enrich_response,
        handler_methods,
        json_serializer,
        request_memo,
        sqs_direct,
        sqs_queue,
    )

    botocore_models.install()  # before moto's backends list their regions
    ec2_catalogue.install()  # before anything imports moto's EC2
    handler_methods.install()
    enrich_response.install()
    request_memo.install()
    dynamodb_clone.install()  # before dynamodb_copy, which keeps Item's deep copy for others
    dynamodb_update.install()
    dynamodb_untracked.install()
    dynamodb_item.install()
    dynamodb_condition.install()
    dynamodb_setup.install()
    # Table.query wrappers, innermost first: the partition view (dynamodb_query) stays
    # outermost so that its `__wrapped__` is moto's whole-table query (its tests use that).
    dynamodb_copy.install()
    dynamodb_size.install()
    dynamodb_query.install()
    json_serializer.install()
    dynamodb_result.install()
    sqs_queue.install()
    sqs_direct.install()
