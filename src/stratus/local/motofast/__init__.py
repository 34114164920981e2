"""Small, tested patches that make moto 5.2.5 fast enough to serve as a local cloud.

Each module fixes one cost centre that moto itself could take upstream; its docstring says
what moto lacks, what the patch does and why the answer stays identical. `install()` applies
them all (idempotent); `MotoApp` calls it once.
"""

from __future__ import annotations


def install() -> None:
    from stratus.local.motofast import dynamodb_query, handler_methods, json_serializer, sqs_queue

    handler_methods.install()
    dynamodb_query.install()
    json_serializer.install()
    sqs_queue.install()
