"""Small, tested patches that make moto 5.2.5 fast enough to serve as a local cloud.

Each module fixes one cost centre that moto itself could take upstream; its docstring says
what moto lacks, what the patch does and why the answer stays identical. `install()` applies
them all (idempotent); `MotoApp` calls it once.
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
