"""What the endpoint's IAM stage costs per call: p50 of a DynamoDB GetItem answered in
process (front door -> IAM stage -> moto), root key vs a function key, enforcement on vs off.

`python -m bench.iam_overhead [N]` — requests are signed by boto3 before timing (a client's
cost), so only the server's work is measured.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.front_door import FrontDoor
from stratus.local.core.moto_app import MotoApp
from stratus.local.core.settings import ACCOUNT_ID
from stratus.local.iam.credentials import CredentialStore
from stratus.local.iam.enforce import IamStage

TABLE = "bench-iam"


class _Captured(Exception):
    def __init__(self, request: Any) -> None:
        super().__init__("captured")
        self.request = request


def signed(operation: str, key: str, secret: str, **params: Any) -> AwsRequest:
    client = boto3.client(  # type: ignore[call-overload]
        "dynamodb",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:4566",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
    )

    def grab(request: Any, **_: Any) -> None:
        raise _Captured(request)

    client.meta.events.register("before-send", grab)
    try:
        getattr(client, operation)(**params)
    except _Captured as captured:
        prepared = captured.request
    url = urlsplit(prepared.url)
    headers = {
        k.lower(): v.decode() if isinstance(v, bytes) else str(v)
        for k, v in prepared.headers.items()
    }
    headers.setdefault("host", url.netloc)
    return AwsRequest(
        prepared.method, unquote(url.path) or "/", url.path or "/", url.query, headers,
        prepared.body if isinstance(prepared.body, bytes) else (prepared.body or "").encode(),
    )  # fmt: skip


async def p50_ms(door: FrontDoor, requests: list[AwsRequest]) -> float:
    times = []
    for request in requests:
        began = time.perf_counter()
        response = await door.answer(request)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, bytes(response.body)
    return statistics.median(times[len(times) // 10 :])  # first tenth: warm-up


async def main(n: int) -> dict[str, float]:
    store = CredentialStore()
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/bench"
    grant = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:Query"],
                "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT_ID}:table/{TABLE}",
            }
        ]
    }
    fn = store.issue(
        kind="function", role_arn=role, policies=[grant], ttl_seconds=None, subject="f"
    )
    moto = MotoApp()
    door = FrontDoor(moto.handle)
    await door.answer(
        signed(
            "create_table", "test", "test", TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        )
    )  # fmt: skip
    await door.answer(signed("put_item", "test", "test", TableName=TABLE, Item={"pk": {"S": "a"}}))
    get = {"TableName": TABLE, "Key": {"pk": {"S": "a"}}}
    root = [signed("get_item", "test", "test", **get) for _ in range(n)]
    func = [signed("get_item", fn.access_key_id, fn.secret_access_key, **get) for _ in range(n)]
    figures = {"no stage, root key": await p50_ms(door, root)}
    door.authorize = IamStage(store, account=ACCOUNT_ID)
    figures["IAM on, root key"] = await p50_ms(door, root)
    figures["IAM on, function key"] = await p50_ms(door, func)
    door.authorize = IamStage(store, account=ACCOUNT_ID, enforce_policies=False)
    figures["IAM off (--no-iam), function key"] = await p50_ms(door, func)
    return figures


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    for label, value in asyncio.run(main(count)).items():
        print(f"{label:<36} p50 {value:.3f} ms")
