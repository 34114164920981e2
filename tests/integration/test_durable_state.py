"""The real `stratus up`, killed with SIGKILL in the middle of a write burst, restarted:
every write it acknowledged is there, with the same ids; a damaged state file stops it."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.conftest import ROOT, LocalCloudHandle, start_local_cloud, stop_local_cloud

pytestmark = pytest.mark.integration

ROUNDS = 3
TABLE, BUCKET, QUEUE = "durable-items", "durable-objects", "durable-jobs"


def _clients(cloud: LocalCloudHandle) -> Any:
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    config = Config(
        retries={"max_attempts": 0},
        connect_timeout=2,
        read_timeout=10,
        s3={"addressing_style": "path"},
    )

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=cloud.aws_endpoint, config=config)

    return client


def _setup(aws: Any) -> dict[str, str]:
    aws("dynamodb").create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    aws("s3").create_bucket(Bucket=BUCKET)
    aws("s3").put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    queue = aws("sqs").create_queue(QueueName=QUEUE)["QueueUrl"]
    pool = aws("cognito-idp").create_user_pool(PoolName="durable-users")["UserPool"]["Id"]
    client = aws("cognito-idp").create_user_pool_client(UserPoolId=pool, ClientName="burst")
    return {"queue": queue, "pool": pool, "client": client["UserPoolClient"]["ClientId"]}


class Burst:
    """Writers on four services; each write the endpoint acknowledged is recorded."""

    def __init__(self, aws: Any, ids: dict[str, str], round_no: int) -> None:
        self.aws, self.ids, self.round = aws, ids, round_no
        self.acked: dict[str, list[Any]] = {"ddb": [], "s3": [], "sqs": [], "cognito": []}
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def _record(self, kind: str, value: Any) -> None:
        with self._lock:
            self.acked[kind].append(value)

    def _loop(self, kind: str, worker: int, write: Any) -> None:
        n = 0
        while not self.stop.is_set():
            try:
                self._record(kind, write(f"r{self.round}-{kind}{worker}-{n}"))
            except Exception:
                return  # the endpoint died: this write was not acknowledged
            n += 1

    def ddb(self, key: str) -> str:
        self.aws("dynamodb").put_item(TableName=TABLE, Item={"pk": {"S": key}})
        return key

    def s3(self, key: str) -> tuple[str, str, str]:
        put = self.aws("s3").put_object(Bucket=BUCKET, Key=key, Body=key.encode() * 20)
        return key, put["ETag"], put["VersionId"]

    def sqs(self, key: str) -> str:
        sent = self.aws("sqs").send_message(QueueUrl=self.ids["queue"], MessageBody=key)
        return str(sent["MessageId"])

    def cognito(self, key: str) -> tuple[str, str]:
        username = f"{key}@example.com"
        answer = self.aws("cognito-idp").sign_up(
            ClientId=self.ids["client"], Username=username, Password="Passw0rd!burst"
        )
        return username, answer["UserSub"]

    def run(self) -> list[threading.Thread]:
        writers = [("ddb", self.ddb), ("s3", self.s3), ("sqs", self.sqs), ("cognito", self.cognito)]
        threads = [
            threading.Thread(target=self._loop, args=(kind, worker, fn), daemon=True)
            for kind, fn in writers
            for worker in range(2)
        ]
        for thread in threads:
            thread.start()
        return threads


def _check(aws: Any, ids: dict[str, str], acked: dict[str, list[Any]]) -> None:
    table = aws("dynamodb")
    for key in acked["ddb"]:
        assert "Item" in table.get_item(TableName=TABLE, Key={"pk": {"S": key}}), key
    s3 = aws("s3")
    for key, etag, version in acked["s3"]:
        head = s3.head_object(Bucket=BUCKET, Key=key, VersionId=version)
        assert head["ETag"] == etag, key
    cognito = aws("cognito-idp")
    for username, sub in acked["cognito"]:
        user = cognito.admin_get_user(UserPoolId=ids["pool"], Username=username)
        assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["sub"] == sub, username
    attributes = aws("sqs").get_queue_attributes(
        QueueUrl=ids["queue"], AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert int(attributes["Attributes"]["ApproximateNumberOfMessages"]) >= len(acked["sqs"])


def _message_ids(aws: Any, queue: str) -> set[str]:
    seen: set[str] = set()
    while True:
        got = (
            aws("sqs")
            .receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=300)
            .get("Messages", [])
        )
        if not got:
            return seen
        seen.update(m["MessageId"] for m in got)


def test_kill_9_during_a_write_burst_loses_no_acknowledged_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STRATUS_SNAPSHOT_SECONDS", "1")  # kills land during snapshots too
    monkeypatch.setenv("STRATUS_SNAPSHOT_QUIET_SECONDS", "0")  # in the burst, not after it
    state = ROOT / ".stratus" / "test-durable"
    rng = random.Random()
    proc, cloud = start_local_cloud(state, fresh=True)
    all_acked: dict[str, list[Any]] = {"ddb": [], "s3": [], "sqs": [], "cognito": []}
    try:
        aws = _clients(cloud)
        ids = _setup(aws)
        for round_no in range(ROUNDS):
            burst = Burst(aws, ids, round_no)
            threads = burst.run()
            # Every writer's first acknowledgement first (a Cognito sign-up on a loaded CI
            # machine took longer than the shortest wait), then a random point of the burst.
            deadline = time.monotonic() + 30
            while not all(burst.acked.values()) and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 1.7))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
            burst.stop.set()
            for thread in threads:
                thread.join(15)
            for kind, values in burst.acked.items():
                assert values, f"round {round_no}: no {kind} write was acknowledged"
                all_acked[kind] += values
            proc, cloud = start_local_cloud(state, fresh=False)
            aws = _clients(cloud)
            _check(aws, ids, all_acked)
        # And a graceful stop keeps everything too.
        assert stop_local_cloud(proc) == 0
        proc, cloud = start_local_cloud(state, fresh=False)
        aws = _clients(cloud)
        _check(aws, ids, all_acked)
        assert set(all_acked["sqs"]) <= _message_ids(aws, ids["queue"])
        log = cloud.log_path.read_text(errors="replace")
        assert "answered differently" not in log
    finally:
        stop_local_cloud(proc)


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in ("up.log", "up.pid")
    }


@pytest.mark.parametrize("damage", ["truncated", "garbage", "wrong version"])
def test_a_damaged_state_file_stops_up_and_changes_nothing(damage: str) -> None:
    state = ROOT / ".stratus" / "test-damaged"
    proc, cloud = start_local_cloud(state, fresh=True)
    try:
        aws = _clients(cloud)
        aws("dynamodb").create_table(
            TableName="kept",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    finally:
        assert stop_local_cloud(proc) == 0
    state_files = state / "state"
    if damage == "wrong version":
        target = state_files / "manifest.json"
        target.write_text(target.read_text().replace('"format": 2', '"format": 7'))
    else:
        target = next((state_files / "snapshots").glob("dynamodb.*.pickle"))
        data = target.read_bytes()
        target.write_bytes(data[: len(data) // 3] if damage == "truncated" else os.urandom(4096))
    before = _files(state)

    with pytest.raises(RuntimeError) as failed:
        start_local_cloud(state, fresh=False)
    message = str(failed.value)
    assert "exited with 3" in message
    assert str(target) in message.replace("\n", "")
    assert "--fresh" in message and "backup" in message
    assert _files(state) == before


def test_a_graceful_stop_ships_every_pending_log_event() -> None:
    from tests.integration.test_local_cloud import todos_function_name

    state = ROOT / ".stratus" / "test-log-flush"
    proc, cloud = start_local_cloud(state, fresh=True)
    try:
        aws = _clients(cloud)
        name = todos_function_name(cloud)
        lambdas = aws("lambda")
        group = lambdas.get_function_configuration(FunctionName=name)["LoggingConfig"]["LogGroup"]
        invocations = 40
        for _ in range(invocations):
            lambdas.invoke(FunctionName=name, Payload=b'{"httpMethod": "GET", "path": "/"}')
    finally:
        assert stop_local_cloud(proc) == 0  # at once: the last events are still queued
    proc, cloud = start_local_cloud(state, fresh=False)
    try:
        logs = _clients(cloud)("logs")
        reports = []
        for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group):
            reports += [e for e in page["events"] if e["message"].startswith("REPORT RequestId")]
        assert len(reports) == invocations
    finally:
        stop_local_cloud(proc)
