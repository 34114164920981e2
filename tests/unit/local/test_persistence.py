"""Durable state in one process: journal, exact replay, snapshots, damaged files.

A "restart" here is: stop the journal as a crash would (no last snapshot), forget every
moto backend, open the state directory again -- what `stratus up` does after `kill -9`.
"""

from __future__ import annotations

import contextlib
import gc
import json
import pickle
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto_harness import MotoAsgi, client_factory, serve

from stratus.local.core import durable
from stratus.local.core.durable import DurableState
from stratus.local.core.moto_app import MotoApp
from stratus.local.core.persistence import snapshot_bytes, write_atomic
from stratus.local.core.state_files import DamagedStateError

SERVICES = ("dynamodb", "s3", "sqs", "sns", "cognito-idp", "logs")


@pytest.fixture(scope="module")
def moto() -> MotoApp:
    return MotoApp()


@pytest.fixture(scope="module")
def aws(moto: MotoApp) -> Iterator[Any]:
    with serve(MotoAsgi(moto)) as url:
        yield client_factory(url)


def _forget_everything(moto: MotoApp) -> None:
    moto.writes = None
    moto.reset()


def _open(moto: MotoApp, directory: Path, **kw: Any) -> DurableState:
    state = DurableState(directory, SERVICES, **kw)
    state.recovery = state.open(moto.call)  # type: ignore[attr-defined]
    moto.writes = state
    return state


def _crash(moto: MotoApp, state: DurableState) -> None:
    state.close(snapshot=False)
    _forget_everything(moto)


@pytest.fixture
def state_dir(moto: MotoApp, tmp_path: Path) -> Iterator[Path]:
    _forget_everything(moto)
    yield tmp_path / "state"
    if durable._active is not None:
        durable._active.close(snapshot=False)
    _forget_everything(moto)


def _table(aws: Any) -> None:
    aws("dynamodb").create_table(
        TableName="todos",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def _writes(aws: Any) -> dict[str, Any]:
    """A little of everything, with the ids moto generated."""
    _table(aws)
    aws("dynamodb").put_item(TableName="todos", Item={"pk": {"S": "u1"}, "title": {"S": "milk"}})
    queue = aws("sqs").create_queue(QueueName="jobs")["QueueUrl"]
    message_ids = [
        aws("sqs").send_message(QueueUrl=queue, MessageBody=f"job {i}")["MessageId"]
        for i in range(3)
    ]
    aws("s3").create_bucket(Bucket="files-bucket")
    aws("s3").put_bucket_versioning(
        Bucket="files-bucket", VersioningConfiguration={"Status": "Enabled"}
    )
    put = aws("s3").put_object(Bucket="files-bucket", Key="u1/a.txt", Body=b"payload")
    pool = aws("cognito-idp").create_user_pool(PoolName="users")["UserPool"]["Id"]
    client = aws("cognito-idp").create_user_pool_client(UserPoolId=pool, ClientName="web")
    client_id = client["UserPoolClient"]["ClientId"]
    sub = aws("cognito-idp").sign_up(
        ClientId=client_id, Username="alice@example.com", Password="Passw0rd!long"
    )["UserSub"]
    return {
        "queue": queue,
        "message_ids": message_ids,
        "etag": put["ETag"],
        "version": put["VersionId"],
        "pool": pool,
        "sub": sub,
    }


def _check(aws: Any, ids: dict[str, Any]) -> None:
    item = aws("dynamodb").get_item(TableName="todos", Key={"pk": {"S": "u1"}})["Item"]
    assert item["title"] == {"S": "milk"}
    got = aws("sqs").receive_message(QueueUrl=ids["queue"], MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["MessageId"] for m in got) == sorted(ids["message_ids"])
    head = aws("s3").head_object(Bucket="files-bucket", Key="u1/a.txt")
    assert (head["ETag"], head["VersionId"]) == (ids["etag"], ids["version"])
    user = aws("cognito-idp").admin_get_user(UserPoolId=ids["pool"], Username="alice@example.com")
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["sub"] == ids["sub"]


def test_journal_replays_every_write_with_the_same_ids(
    moto: MotoApp, aws: Any, state_dir: Path
) -> None:
    state = _open(moto, state_dir)
    ids = _writes(aws)
    _crash(moto, state)
    assert aws("dynamodb").list_tables()["TableNames"] == []

    state = _open(moto, state_dir)
    recovery = state.recovery  # type: ignore[attr-defined]
    assert recovery.replayed >= 10
    assert recovery.mismatches == 0  # every replayed answer is byte-identical to the first
    _check(aws, ids)


def test_short_writes_journaled_on_the_event_loop_replay_with_the_same_ids(
    moto: MotoApp, state_dir: Path
) -> None:
    """Routed as the front door routes them, short writes (SQS send, S3 put, DynamoDB put)
    are applied and journaled on the event loop, without a thread hop; replay is exact."""
    from stratus.local.core.front_door import CURRENT_CALL
    from stratus.local.core.router import route

    loop_threads: set[int] = set()
    on_loop: list[str] = []

    async def routed(request: Any) -> None:
        loop_threads.add(threading.get_ident())
        CURRENT_CALL.set(route(request))  # the task's context, as FrontDoor.handle sets it
        return None

    original = moto.call

    def spy(request: Any) -> Any:
        if threading.get_ident() in loop_threads:
            call = CURRENT_CALL.get()
            on_loop.append(f"{call.service}.{call.operation}" if call else "?")
        return original(request)

    moto.call = spy  # type: ignore[method-assign]
    try:
        with serve(MotoAsgi(moto, on_request=routed)) as url:
            aws = client_factory(url)
            state = _open(moto, state_dir)
            ids = _writes(aws)
            _crash(moto, state)
            state = _open(moto, state_dir)
            assert state.recovery.mismatches == 0  # type: ignore[attr-defined]
            _check(aws, ids)
    finally:
        del moto.call
    assert {"sqs.SendMessage", "s3.PutObject", "dynamodb.PutItem"} <= set(on_loop)
    assert "dynamodb.CreateTable" not in on_loop  # control plane keeps its thread


def test_a_short_write_waits_for_a_held_write_lock_in_a_thread(
    moto: MotoApp, state_dir: Path
) -> None:
    state = _open(moto, state_dir)
    request = _wire_request("sqs", "list_queues")
    with state._lock:
        assert state.try_apply(request, moto.call) is None  # never blocks the loop
    applied = state.try_apply(request, moto.call)
    assert applied is not None and applied[0][0] == 200


def _wire_request(service: str, operation: str, **params: Any) -> Any:
    from botocore.awsrequest import AWSResponse

    from stratus.local.core.aws_request import AwsRequest

    seen: dict[str, Any] = {}

    def capture(request: Any, **_: Any) -> AWSResponse:
        seen["request"] = request
        return AWSResponse(request.url, 200, {}, None)

    client = client_factory("http://127.0.0.1:4566")(service)
    client.meta.events.register("before-send", capture)
    with contextlib.suppress(Exception):  # the empty answer need not parse
        getattr(client, operation)(**params)
    prepared = seen["request"]
    body = prepared.body or b""
    return AwsRequest(
        method=prepared.method,
        path="/",
        raw_path="/",
        query_string="",
        headers={
            k.lower(): (v.decode() if isinstance(v, bytes) else v)
            for k, v in prepared.headers.items()
        },
        body=body if isinstance(body, bytes) else body.encode(),
        client_host="127.0.0.1",
    )


def test_snapshot_then_more_writes_survive_a_crash(
    moto: MotoApp, aws: Any, state_dir: Path
) -> None:
    state = _open(moto, state_dir)
    ids = _writes(aws)
    second = aws("s3").put_object(Bucket="files-bucket", Key="u1/a.txt", Body=b"v2")
    assert state.snapshot() is True
    aws("dynamodb").put_item(TableName="todos", Item={"pk": {"S": "u2"}})
    files = sorted(p.name for p in (state_dir / "snapshots").iterdir())
    assert "dynamodb.2.pickle" in files
    assert stat.S_IMODE((state_dir / "snapshots" / files[0]).stat().st_mode) == 0o600
    _crash(moto, state)

    state = _open(moto, state_dir)
    assert state.recovery.replayed == 1  # type: ignore[attr-defined]
    versions = aws("s3").list_object_versions(Bucket="files-bucket")["Versions"]
    assert {v["VersionId"] for v in versions} == {ids["version"], second["VersionId"]}
    aws("s3").delete_object(Bucket="files-bucket", Key="u1/a.txt", VersionId=second["VersionId"])
    _check(aws, ids)
    assert "Item" in aws("dynamodb").get_item(TableName="todos", Key={"pk": {"S": "u2"}})


def test_a_snapshot_saves_only_the_services_written_since_the_last(
    moto: MotoApp, aws: Any, state_dir: Path
) -> None:
    state = _open(moto, state_dir)
    _writes(aws)
    state.snapshot()
    before = json.loads((state_dir / "manifest.json").read_text())["snapshots"]
    aws("dynamodb").put_item(TableName="todos", Item={"pk": {"S": "u3"}})
    aws("dynamodb").get_item(TableName="todos", Key={"pk": {"S": "u3"}})  # reads: no save
    state.snapshot()
    after = json.loads((state_dir / "manifest.json").read_text())["snapshots"]
    changed = {s for s in after if after[s]["file"] != before[s]["file"]}
    assert changed == {"dynamodb"}
    assert sorted(p.name for p in state_dir.glob("journal-*.wal")) == ["journal-3.wal"]


def test_a_write_cut_short_by_the_crash_is_dropped(
    moto: MotoApp, aws: Any, state_dir: Path
) -> None:
    state = _open(moto, state_dir)
    ids = _writes(aws)
    _crash(moto, state)
    journal = next(state_dir.glob("journal-*.wal"))
    with journal.open("ab") as fh:
        fh.write(b"\x40\x00\x00\x00\x12\x34")  # half a record header: a write never answered

    state = _open(moto, state_dir)
    assert state.recovery.torn_bytes == 6  # type: ignore[attr-defined]
    _check(aws, ids)
    aws("dynamodb").put_item(TableName="todos", Item={"pk": {"S": "after"}})
    _crash(moto, state)
    state = _open(moto, state_dir)  # the torn bytes were cut before appending
    assert "Item" in aws("dynamodb").get_item(TableName="todos", Key={"pk": {"S": "after"}})


def _damage_cases() -> list[tuple[str, str]]:
    return [("snapshot", "truncated"), ("snapshot", "garbage"), ("journal", "middle")]


def _all_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(("what", "how"), _damage_cases())
def test_a_damaged_state_file_stops_and_changes_nothing(
    moto: MotoApp, aws: Any, state_dir: Path, what: str, how: str
) -> None:
    state = _open(moto, state_dir)
    _writes(aws)
    state.snapshot()
    for i in range(3):
        aws("dynamodb").put_item(TableName="todos", Item={"pk": {"S": f"j{i}"}})
    _crash(moto, state)
    if what == "snapshot":
        target = state_dir / "snapshots" / "dynamodb.2.pickle"
        data = target.read_bytes()
        target.write_bytes(data[: len(data) // 2] if how == "truncated" else b"garbage" * 50)
    else:
        target = next(state_dir.glob("journal-*.wal"))
        data = bytearray(target.read_bytes())
        data[20] ^= 0xFF  # inside the first of three records
        target.write_bytes(bytes(data))
    before = _all_bytes(state_dir)

    with pytest.raises(DamagedStateError) as caught:
        DurableState(state_dir, SERVICES).check()
    assert str(target) in str(caught.value)
    assert "--fresh" in str(caught.value) and "backup" in str(caught.value)
    assert _all_bytes(state_dir) == before


def test_a_manifest_of_another_version_stops(state_dir: Path) -> None:
    state_dir.mkdir(parents=True)
    (state_dir / "manifest.json").write_text(json.dumps({"format": 99}))
    with pytest.raises(DamagedStateError, match="format 99"):
        DurableState(state_dir, SERVICES).check()


def test_a_file_restored_on_its_own_is_refused(moto: MotoApp, aws: Any, state_dir: Path) -> None:
    ids_file = state_dir / "physical_ids.json"
    state = _open(moto, state_dir, tracked=[ids_file])
    write_atomic(ids_file, b'{"Stack/Pool": {"physical_id": "pool-1"}}')
    write_atomic(ids_file, b'{"Stack/Pool": {"physical_id": "pool-2"}}')
    _crash(moto, state)
    DurableState(state_dir, SERVICES, tracked=[ids_file]).check()  # as written: fine

    ids_file.write_text('{"Stack/Pool": {"physical_id": "pool-0"}}')  # an older backup
    with pytest.raises(DamagedStateError, match="does not match"):
        DurableState(state_dir, SERVICES, tracked=[ids_file]).check()
    ids_file.write_text("{not json")
    with pytest.raises(DamagedStateError):
        DurableState(state_dir, SERVICES, tracked=[ids_file]).check()


def test_the_one_file_snapshot_of_before_is_migrated(
    moto: MotoApp, aws: Any, state_dir: Path
) -> None:
    _table(aws)
    aws("dynamodb").put_item(TableName="todos", Item={"pk": {"S": "old"}})
    state_dir.mkdir(parents=True)
    (state_dir / "moto.pickle").write_bytes(snapshot_bytes(SERVICES))
    _forget_everything(moto)

    state = _open(moto, state_dir)
    assert state.recovery.legacy is True  # type: ignore[attr-defined]
    assert not (state_dir / "moto.pickle").exists()
    assert "Item" in aws("dynamodb").get_item(TableName="todos", Key={"pk": {"S": "old"}})


def test_an_unreadable_one_file_snapshot_stops(moto: MotoApp, state_dir: Path) -> None:
    state_dir.mkdir(parents=True)
    (state_dir / "moto.pickle").write_bytes(pickle.dumps({"format": 1})[:5])
    with pytest.raises(DamagedStateError, match=r"moto\.pickle"):
        DurableState(state_dir, SERVICES).open(moto.call)
    assert (state_dir / "moto.pickle").exists()


def test_a_long_poll_waits_without_holding_up_other_writes(
    moto: MotoApp, aws: Any, state_dir: Path
) -> None:
    state = _open(moto, state_dir)
    queue = aws("sqs").create_queue(QueueName="waits")["QueueUrl"]
    got: dict[str, Any] = {}

    def receive() -> None:
        began = time.monotonic()
        got["answer"] = aws("sqs").receive_message(QueueUrl=queue, WaitTimeSeconds=5)
        got["seconds"] = time.monotonic() - began

    thread = threading.Thread(target=receive)
    thread.start()
    time.sleep(0.3)
    began = time.monotonic()
    sent = aws("sqs").send_message(QueueUrl=queue, MessageBody="wake up")["MessageId"]
    assert time.monotonic() - began < 2.0  # the poll does not hold the write lock
    thread.join(10)
    assert [m["MessageId"] for m in got["answer"]["Messages"]] == [sent]
    assert got["seconds"] < 4.0  # woken by the send, well before its 5 s wait
    _crash(moto, state)
    state = _open(moto, state_dir)
    assert state.recovery.mismatches == 0  # type: ignore[attr-defined]
    # Received (in flight) after the replay as before the crash.
    assert "Messages" not in aws("sqs").receive_message(QueueUrl=queue)


def test_events_are_not_fired_again_on_replay(
    moto: MotoApp, aws: Any, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.s3 import notifications

    fired: list[Any] = []
    monkeypatch.setattr(notifications, "send_event", lambda *a, **k: fired.append(a))
    state = _open(moto, state_dir)
    aws("s3").create_bucket(Bucket="events-bucket")
    aws("s3").put_object(Bucket="events-bucket", Key="a", Body=b"1")
    live = len(fired)
    assert live >= 1
    _crash(moto, state)
    _open(moto, state_dir)
    assert len(fired) == live


def test_writes_that_arrive_together_share_a_sync(moto: MotoApp, aws: Any, state_dir: Path) -> None:
    state = _open(moto, state_dir)
    _table(aws)
    writer = state._writer
    assert writer is not None
    records, syncs = writer.records, writer.syncs

    def put(worker: int) -> None:
        for i in range(15):
            aws("dynamodb").put_item(TableName="todos", Item={"pk": {"S": f"{worker}-{i}"}})

    threads = [threading.Thread(target=put, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert writer.records - records == 90
    assert writer.syncs - syncs < 90


def test_a_snapshot_under_load_pauses_writes_only_briefly(
    moto: MotoApp, aws: Any, state_dir: Path
) -> None:
    state = _open(moto, state_dir)
    _table(aws)
    for i in range(300):
        aws("dynamodb").put_item(
            TableName="todos", Item={"pk": {"S": f"k{i}"}, "v": {"S": "x" * 500}}
        )
    stop = threading.Event()

    def load() -> None:
        i = 0
        while not stop.is_set():
            aws("dynamodb").put_item(TableName="todos", Item={"pk": {"S": f"load{i}"}})
            i += 1

    thread = threading.Thread(target=load)
    thread.start()
    try:
        for _ in range(3):
            assert state.snapshot() is True
    finally:
        stop.set()
        thread.join()
    assert state.stats.longest_stall < 0.25
    pauses = state.stats.pause_summary()
    assert pauses["count"] == 3 and pauses["max_ms"] <= state.stats.longest_stall * 1e3 + 0.01
    assert state.stats.last_fork <= state.stats.last_stall
    assert gc.get_freeze_count() == 0  # the heap is collected again once the child is done


def test_our_own_changes_to_moto_objects_are_journaled_too(
    moto: MotoApp, aws: Any, state_dir: Path
) -> None:
    from stratus.local.cognito import pools

    state = _open(moto, state_dir)
    ids = _writes(aws)
    user = pools.find_user(pools.pool_by_id(ids["pool"]), "alice@example.com")
    pools.confirm(user)  # what a PreSignUp trigger's autoConfirmUser does
    pools.mark_verified(user, "email")
    _crash(moto, state)

    _open(moto, state_dir)
    got = aws("cognito-idp").admin_get_user(UserPoolId=ids["pool"], Username="alice@example.com")
    assert got["UserStatus"] == "CONFIRMED"
    assert {a["Name"]: a["Value"] for a in got["UserAttributes"]}["email_verified"] == "true"


def test_a_snapshot_keeps_writes_moto_makes_without_a_backend_lookup(
    moto: MotoApp, aws: Any, state_dir: Path
) -> None:
    state = _open(moto, state_dir)
    ids = _writes(aws)
    state.snapshot()
    # SignUp finds its pool by scanning every backend (no lookup that notes "cognito-idp").
    pool = ids["pool"]
    client = aws("cognito-idp").list_user_pool_clients(UserPoolId=pool)["UserPoolClients"][0]
    aws("cognito-idp").sign_up(
        ClientId=client["ClientId"], Username="bob@example.com", Password="Passw0rd!long"
    )
    state.snapshot()  # bob is in the snapshot, the journal starts empty
    _crash(moto, state)
    state = _open(moto, state_dir)
    assert state.recovery.replayed == 0  # type: ignore[attr-defined]
    aws("cognito-idp").admin_get_user(UserPoolId=pool, Username="bob@example.com")


def test_deliveries_not_done_survive_a_crash_and_a_snapshot_in_between(
    moto: MotoApp, state_dir: Path
) -> None:
    state = _open(moto, state_dir)
    first, ticket = state.delivery_accepted("sns", {"n": 1})
    state.wait(ticket)
    done, _ = state.delivery_accepted("sns", {"n": 2})
    state.delivery_done(done)
    assert state.snapshot() is True  # the journal holding `first` is folded into files
    third, ticket = state.delivery_accepted("lambda-event", {"n": 3, "payload": b"{}"})
    state.wait(ticket)
    _crash(moto, state)
    state = _open(moto, state_dir)
    outstanding = state.deliveries.outstanding()
    assert [(token, kind, data["n"]) for token, kind, data in outstanding] == [
        (first, "sns", 1),
        (third, "lambda-event", 3),
    ]
    assert state.recovery.undelivered == 2  # type: ignore[attr-defined]
    assert state.recovery.replayed == 0  # type: ignore[attr-defined]  # not moto writes
    state.delivery_done(first)
    _crash(moto, state)
    state = _open(moto, state_dir)
    assert [token for token, _, _ in state.deliveries.outstanding()] == [third]


def test_cryptography_keys_and_certificates_survive_a_snapshot() -> None:
    """moto's ACM keeps cryptography's (Rust) key and certificate objects."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    from stratus.local.core.persistence import _dump, _load

    ec_key = ec.generate_private_key(ec.SECP256R1())
    rsa_key = rsa.generate_private_key(65537, 2048)
    loaded = _load(_dump({"ec": ec_key, "rsa": rsa_key}))
    assert loaded["ec"].public_key() == ec_key.public_key()
    assert loaded["rsa"].public_key() == rsa_key.public_key()


def test_ssm_parameters_and_their_tags_survive_a_pickle_round_trip() -> None:
    from moto.ssm.models import SimpleSystemManagerBackend

    from stratus.local.core.persistence import _dump, _load

    backend = SimpleSystemManagerBackend("us-east-1", "123456789012")
    backend.put_parameter(
        name="/blog/distribution-id", description="", value="E123", parameter_type="String",
        allowed_pattern=None, keyid=None, overwrite=False, tags=[{"Key": "k", "Value": "v"}],
        data_type="text", tier=None, policies=None,
    )  # fmt: skip
    copy = _load(_dump(backend))
    assert copy.get_parameter("/blog/distribution-id").value == "E123"
    assert copy.list_tags_for_resource("Parameter", "/blog/distribution-id") == {"k": "v"}
    assert copy._resource_tags["Document"]["new"] == {}  # the defaultdicts still default
