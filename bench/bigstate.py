"""`make bench` part "state": `stratus up` time to ready with a large state.

One state dir, three runs on the same ports: a fresh `up`; a restart with the app's small
state (the baseline); then, after seeding 5,000 DynamoDB items, 200 users, 500 S3 objects
of 10 KB and 1,000 log events (a snapshot every 2 s meanwhile: their write pauses, p50/max,
beside the aim) and a graceful stop, a restart with that large state — timed from spawn to
ready, and checked: a seeded item, object, user and the log events are back.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from tests.conftest import LocalCloudHandle
from tests.integration.conftest import PASSWORD, aws_client

from bench.aims import Aims
from bench.cloud import check_pauses, ports_of, running_cloud, snapshot_pauses
from bench.rawcalls import item

ITEMS, USERS, OBJECTS, LOG_EVENTS = 5_000, 200, 500, 1_000
OBJECT = b"s" * 10 * 1024
LOG_GROUP = "/bench/large-state"
SNAPSHOT_ENV, SEED_SNAPSHOT_S = "STRATUS_SNAPSHOT_SECONDS", 2
QUIET_ENV = "STRATUS_SNAPSHOT_QUIET_SECONDS"
AIM_UP_S = 15.0  # the bench's aim for a warm restart (bench/__main__.py UP_AIM_WARM_S)


def _user(i: int) -> str:
    return f"state-{i:04d}@example.com"


def seed(cloud: LocalCloudHandle) -> dict[str, float]:
    """Write the large state; seconds per kind."""
    took: dict[str, float] = {}
    t0 = time.perf_counter()
    ddb, table = aws_client(cloud, "dynamodb"), cloud.stack_output("TodoTableName")
    for start in range(0, ITEMS, 25):
        batch = [
            {"PutRequest": {"Item": item(f"state-user-{i // 25:04d}", f"todo-{i:05d}")}}
            for i in range(start, min(ITEMS, start + 25))
        ]
        ddb.batch_write_item(RequestItems={table: batch})
    took["items"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    idp = aws_client(cloud, "cognito-idp")
    pool, client_id = cloud.stack_output("UserPoolId"), cloud.stack_output("UserPoolClientId")
    for i in range(USERS):
        email = _user(i)
        idp.sign_up(
            ClientId=client_id,
            Username=email,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": email}],
        )
        idp.admin_confirm_sign_up(UserPoolId=pool, Username=email)
    took["users"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    s3, bucket = aws_client(cloud, "s3"), cloud.stack_output("UserFilesBucketName")
    for i in range(OBJECTS):
        s3.put_object(Bucket=bucket, Key=f"bench-state/{i:04d}.bin", Body=OBJECT)
    took["objects"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    logs = aws_client(cloud, "logs")
    logs.create_log_group(logGroupName=LOG_GROUP)
    logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName="seed")
    now_ms = int(time.time() * 1000)
    for start in range(0, LOG_EVENTS, 100):
        events = [
            {"timestamp": now_ms + i, "message": f"bench large-state event {i} " + "l" * 80}
            for i in range(start, start + 100)
        ]
        logs.put_log_events(logGroupName=LOG_GROUP, logStreamName="seed", logEvents=events)
    took["log_events"] = time.perf_counter() - t0
    return took


def verify(cloud: LocalCloudHandle) -> list[str]:
    """What of the seeded state is missing after the restart (empty: all of it is back)."""
    missing = []
    last = ITEMS - 1
    got = aws_client(cloud, "dynamodb").get_item(
        TableName=cloud.stack_output("TodoTableName"),
        Key={"pk": {"S": f"state-user-{last // 25:04d}"}, "sk": {"S": f"todo-{last:05d}"}},
    )
    if "Item" not in got:
        missing.append("the last seeded item")
    listed = aws_client(cloud, "s3").list_objects_v2(
        Bucket=cloud.stack_output("UserFilesBucketName"), Prefix="bench-state/"
    )
    if listed.get("KeyCount", 0) < min(OBJECTS, 1000):
        missing.append(f"S3 objects ({listed.get('KeyCount', 0)} of {OBJECTS} listed)")
    try:
        aws_client(cloud, "cognito-idp").initiate_auth(
            ClientId=cloud.stack_output("UserPoolClientId"),
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": _user(USERS - 1), "PASSWORD": PASSWORD},
        )
    except Exception as exc:  # any refusal means the user is not back
        missing.append(f"the last seeded user ({type(exc).__name__})")
    events = aws_client(cloud, "logs").get_log_events(
        logGroupName=LOG_GROUP, logStreamName="seed", startFromHead=True, limit=LOG_EVENTS
    )["events"]
    if len(events) != LOG_EVENTS:
        missing.append(f"log events ({len(events)} of {LOG_EVENTS})")
    return missing


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def bench_state(results: dict[str, Any], aims: Aims, out_dir: Path) -> None:
    state = out_dir / "cloud-large-state"
    shutil.rmtree(state, ignore_errors=True)
    with running_cloud(state, fresh=True) as (cloud, fresh_wall, _):
        ports = ports_of(cloud)
    # Snapshots every 2 s while seeding (not 30), without waiting for a quiet moment (as a
    # cloud that is never quiet does after 10,000 entries): the fork's pause under writes.
    os.environ[SNAPSHOT_ENV] = str(SEED_SNAPSHOT_S)
    os.environ[QUIET_ENV] = "0"
    try:
        with running_cloud(state, fresh=False, ports=ports) as (cloud, small_wall, small_rep):
            small_mb = _size_mb(state / "state")
            took = seed(cloud)
            stop_began = time.perf_counter()
    finally:
        os.environ.pop(SNAPSHOT_ENV, None)
        os.environ.pop(QUIET_ENV, None)
    stop_s = time.perf_counter() - stop_began
    pauses = snapshot_pauses(cloud)  # printed as it stopped: the snapshots while seeding
    large_mb = _size_mb(state / "state")
    with running_cloud(state, fresh=False, ports=ports) as (cloud, large_wall, large_rep):
        missing = verify(cloud)

    print(
        f"\n9. stratus up, time to ready with a large state ({ITEMS:,} items, {USERS} users, "
        f"{OBJECTS} S3 objects of 10 KB, {LOG_EVENTS:,} log events) — baseline: restart with "
        "the app's own state"
    )
    seeded = ", ".join(f"{k} {v:.1f} s" for k, v in took.items())
    print(f"  seeding took {seeded}; graceful stop after seeding {stop_s:.1f} s")
    print(f"  {'':36} {'wall s':>7} {'CLI s':>6} {'state MB':>9} {'x base':>7}")
    print(f"  {'fresh (for reference)':36} {fresh_wall:7.2f} {'':>6} {'':>9}")
    print(
        f"  {'restart, small state (baseline)':36} {small_wall:7.2f} {small_rep:6.1f} "
        f"{small_mb:9.1f} {1:6.2f}x"
    )
    print(
        f"  {'restart, large state':36} {large_wall:7.2f} {large_rep:6.1f} {large_mb:9.1f} "
        f"{large_wall / small_wall:6.2f}x"
    )
    print(f"  state back after the restart: {missing if missing else 'all of it'}")
    check_pauses(aims, "the seeding", pauses)
    aims.check(
        f"up with a large state: ready <= {AIM_UP_S:.0f} s, state intact",
        f"{large_wall:.1f} s{'' if not missing else ', data missing'}",
        large_wall <= AIM_UP_S and not missing,
    )
    results["large_state"] = {
        "seed_s": {k: round(v, 2) for k, v in took.items()},
        "stop_after_seed_s": round(stop_s, 2),
        "fresh_wall_s": round(fresh_wall, 2),
        "small_restart_wall_s": round(small_wall, 2),
        "large_restart_wall_s": round(large_wall, 2),
        "large_restart_reported_s": large_rep,
        "state_mb": {"small": round(small_mb, 2), "large": round(large_mb, 2)},
        "missing_after_restart": missing,
        "snapshot_pauses_seeding": pauses,
    }
