"""moto's state survives a restart: snapshot, reset, restore."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto_harness import MotoAsgi, client_factory, serve

from stratus.local.core.moto_app import MotoApp
from stratus.local.core.persistence import Snapshotter


@pytest.fixture(scope="module")
def moto() -> MotoApp:
    return MotoApp()


@pytest.fixture(scope="module")
def aws(moto: MotoApp) -> Iterator[Any]:
    with serve(MotoAsgi(moto)) as url:
        yield client_factory(url)


def _seed(aws: Any) -> str:
    aws("dynamodb").create_table(
        TableName="todos",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    aws("dynamodb").put_item(TableName="todos", Item={"pk": {"S": "u1"}, "title": {"S": "milk"}})
    aws("s3").create_bucket(Bucket="files-bucket")
    aws("s3").put_object(Bucket="files-bucket", Key="u1/a.txt", Body=b"payload")
    pool = aws("cognito-idp").create_user_pool(PoolName="users")["UserPool"]["Id"]
    aws("cognito-idp").admin_create_user(UserPoolId=pool, Username="alice")
    aws("sqs").create_queue(QueueName="jobs")  # holds an RLock: must not break the snapshot
    return str(pool)


def test_dynamodb_s3_cognito_survive_snapshot_reset_restore(
    moto: MotoApp, aws: Any, tmp_path: Path
) -> None:
    pool = _seed(aws)
    snap = Snapshotter(tmp_path / "state" / "moto.pickle", moto=moto)
    snap.save_now()
    assert stat.S_IMODE(snap.path.stat().st_mode) == 0o600

    moto.reset()
    assert aws("dynamodb").list_tables()["TableNames"] == []

    assert snap.restore() is True
    item = aws("dynamodb").get_item(TableName="todos", Key={"pk": {"S": "u1"}})["Item"]
    assert item["title"] == {"S": "milk"}
    body = aws("s3").get_object(Bucket="files-bucket", Key="u1/a.txt")["Body"].read()
    assert body == b"payload"
    user = aws("cognito-idp").admin_get_user(UserPoolId=pool, Username="alice")
    assert user["Username"] == "alice"
    url = aws("sqs").get_queue_url(QueueName="jobs")["QueueUrl"]
    aws("sqs").send_message(QueueUrl=url, MessageBody="after restore")
    assert aws("sqs").receive_message(QueueUrl=url)["Messages"][0]["Body"] == "after restore"


def test_restore_without_snapshot_is_false(tmp_path: Path) -> None:
    assert Snapshotter(tmp_path / "none.pickle").restore() is False


def test_corrupt_snapshot_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "moto.pickle"
    path.write_bytes(b"not a pickle")
    assert Snapshotter(path).restore() is False


def test_background_task_saves_only_when_dirty(moto: MotoApp, tmp_path: Path) -> None:
    path = tmp_path / "moto.pickle"
    snap = Snapshotter(path, interval_seconds=0.05, moto=moto)

    async def scenario() -> tuple[bool, bool]:
        task = asyncio.create_task(snap.run())
        await asyncio.sleep(0.2)
        before = path.exists()
        snap.mark_dirty()
        for _ in range(100):
            await asyncio.sleep(0.05)
            if path.exists():
                break
        task.cancel()
        return before, path.exists()

    before, after = asyncio.run(scenario())
    assert (before, after) == (False, True)
    assert snap.dirty is False
