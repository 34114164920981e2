"""The shop as a customer and a release meet it, on `stratus up --system shop`.

- Order to mail: one customer places N_MAILS orders one after another, each timed from the
  `POST /orders` until its "Payment received" mail is in the local inbox
  (`GET /_aws/ses?to=`): the table's stream -> EventBridge -> payments' queue -> SNS ->
  notifications' queue -> SES, four asynchronous hops (p50/p99, aim MAIL_P50_AIM_MS).
- Burst: BURST orders placed at once from THREADS clients; the time from the first POST
  until every order's mail is in the inbox gives orders per second through
  order -> payment -> notification (each order is three events: OrderPlaced, a payment
  result, a mail).
- Canary: the shop run from a copy of the project (tests/shop_canary.py), the catalog's
  handler changed, `stratus up --force-synth` again at `--deploy-time-scale CANARY_SCALE`:
  wall time of the catalog alias's deployment (CodeDeployDefault.LambdaCanary10Percent5Minutes:
  5 min / scale, plus the all-at-once step) until Succeeded, and of a broken release until
  its rollback has Succeeded.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from tests.conftest import LocalCloudHandle, start_local_cloud, stop_local_cloud
from tests.integration.conftest import PASSWORD, aws_client
from tests.shop_canary import break_catalog, copy_project, env_for, newest_release

from bench.aims import Aims
from bench.cloud import running_cloud
from bench.load import https_client
from bench.stats import Series, print_table, summary

N_MAILS, WARMUP = 30, 3
BURST, THREADS = 40, 4
MAIL_DEADLINE_S = 60.0
POLL_S = 0.01
MAIL_P50_AIM_MS = 2000.0  # four asynchronous hops, each polled or pushed locally
BURST_AIM = 5.0  # orders per second through the whole chain
CANARY_SCALE = 20.0
CANARY_SECONDS = 5 * 60 / CANARY_SCALE  # the canary's hold at that scale
CANARY_AIM = 2.0  # a release's wall time at most this multiple of the scaled hold
MUG = "coffee-mug"  # priced so that one is paid (a total ending in .13 is declined)
SHOP = ["--system", "shop"]


def bench_shop(results: dict[str, Any], aims: Aims, out: Path) -> None:
    state = out / "cloud-shop"
    shutil.rmtree(state, ignore_errors=True)
    with running_cloud(state, fresh=True, extra_args=SHOP) as (cloud, wall, _):
        print(f"\n[shop] up in {wall:.0f} s")
        email = f"bench-{secrets.token_hex(4)}@example.com"
        token = sign_up_and_in(cloud, email)
        orders_url = str(cloud.stack_output("OrdersApiUrl"))
        with (
            https_client(cloud.ca_pem, orders_url) as orders,
            httpx.Client(base_url=cloud.aws_endpoint, timeout=10) as inbox,
        ):
            mails = order_to_mail(orders, inbox, token, email)
            burst = burst_to_mails(cloud, inbox, token, email)
    print_table(
        "shop: POST /orders until the payment mail is in the local inbox "
        "(stream, EventBridge, SQS, SNS, SQS, SES) — baseline: itself",
        [mails],
        mails,
    )
    aims.check(
        f"shop order -> mail: p50 <= {MAIL_P50_AIM_MS:.0f} ms",
        f"p50 {mails.p50:.0f} ms, p99 {mails.p99:.0f} ms",
        mails.p50 <= MAIL_P50_AIM_MS,
    )
    aims.check(
        f"shop burst of {BURST}: all placed, >= {BURST_AIM:.0f} orders/s through to the mail",
        f"{burst['orders_per_s']:.1f} orders/s ({burst['events_per_s']:.1f} events/s), "
        f"{burst['refused']} refused",
        burst["orders_per_s"] >= BURST_AIM and not burst["refused"],
    )
    canary = canary_releases(out)
    for kind in ("release_s", "rollback_s"):
        aims.check(
            f"shop canary {kind[:-2]} at scale {CANARY_SCALE:.0f}: <= {CANARY_AIM:.0f}x the "
            f"{CANARY_SECONDS:.0f} s hold",
            f"{canary[kind]:.1f} s",
            canary[kind] <= CANARY_AIM * CANARY_SECONDS,
        )
    results["shop"] = {"up_wall_s": round(wall, 1), "mail": summary(mails), "burst": burst,
                       "canary": canary}  # fmt: skip


def sign_up_and_in(cloud: LocalCloudHandle, email: str) -> str:
    idp = aws_client(cloud, "cognito-idp")
    client_id = cloud.stack_output("ShopUserPoolClientId")
    idp.sign_up(ClientId=client_id, Username=email, Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": email}])  # fmt: skip
    idp.confirm_sign_up(ClientId=client_id, Username=email,
                        ConfirmationCode=cloud.confirmation_code(email))  # fmt: skip
    result = idp.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})  # fmt: skip
    return str(result["AuthenticationResult"]["IdToken"])


class Refused(RuntimeError):
    """POST /orders answered something other than 201."""


def place(orders: httpx.Client, token: str) -> str:
    body = {"items": [{"product_id": MUG, "quantity": 1}]}
    response = orders.post("orders", json=body, headers={"Authorization": token})
    if response.status_code != 201:
        raise Refused(f"POST /orders -> {response.status_code} {response.text[:200]}")
    return str(response.json()["id"])


def mailed(inbox: httpx.Client, email: str) -> set[str]:
    """Subjects of the mails to `email` so far."""
    response = inbox.get("/_aws/ses", params={"to": email})
    response.raise_for_status()
    return {m["Subject"] for m in response.json()["messages"]}


def wait_for(inbox: httpx.Client, email: str, subjects: set[str]) -> None:
    deadline = time.perf_counter() + MAIL_DEADLINE_S
    while not subjects <= mailed(inbox, email):
        if time.perf_counter() > deadline:
            missing = len(subjects - mailed(inbox, email))
            raise RuntimeError(f"{missing} mail(s) not in the inbox after {MAIL_DEADLINE_S}s")
        time.sleep(POLL_S)


def subject(order_id: str) -> str:
    return f"Payment received for order {order_id}"


def order_to_mail(orders: httpx.Client, inbox: httpx.Client, token: str, email: str) -> Series:
    samples: list[float] = []
    started = time.perf_counter()
    for i in range(WARMUP + N_MAILS):
        t0 = time.perf_counter()
        wait_for(inbox, email, {subject(place(orders, token))})
        if i >= WARMUP:
            samples.append((time.perf_counter() - t0) * 1000)
    return Series("order placed -> mail in the inbox", samples, time.perf_counter() - started)


def burst_to_mails(
    cloud: LocalCloudHandle, inbox: httpx.Client, token: str, email: str
) -> dict[str, Any]:
    placed: list[str] = []
    refused: list[str] = []  # answers other than 201: counted and shown, not retried
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        with https_client(cloud.ca_pem, str(cloud.stack_output("OrdersApiUrl"))) as client:
            try:
                for _ in range(BURST // THREADS):
                    try:
                        order_id = place(client, token)
                    except Refused as exc:
                        with lock:
                            refused.append(str(exc))
                        continue
                    with lock:
                        placed.append(order_id)
            except BaseException as exc:  # reported below, after every thread ended
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    since_ms = int(time.time() * 1000)
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    posted = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"the burst failed: {errors[0]!r}")
    wait_for(inbox, email, {subject(o) for o in placed})
    took = time.perf_counter() - started
    rate = len(placed) / took
    print(
        f"  burst: {len(placed)} orders from {THREADS} clients posted in {posted:.1f} s, every "
        f"mail in the inbox after {took:.1f} s: {rate:.1f} orders/s, {3 * rate:.1f} events/s"
    )
    if refused:
        print(f"  {len(refused)} of {BURST} POSTs refused, e.g. {refused[0]}")
    cold = cold_starts(cloud, since_ms)
    print(f"  cold starts during the burst: {sum(cold.values())} "
          f"({', '.join(f'{n} {g}' for g, n in cold.most_common(4))})")  # fmt: skip
    return {"orders": len(placed), "refused": len(refused), "threads": THREADS,
            "posted_s": round(posted, 2),
            "all_mailed_s": round(took, 2), "orders_per_s": round(rate, 2),
            "events_per_s": round(3 * rate, 2),
            "cold_starts": sum(cold.values())}  # fmt: skip


def cold_starts(cloud: LocalCloudHandle, since_ms: int) -> Counter[str]:
    """Lambda REPORT lines with an Init Duration since `since_ms`, per log group: each is a
    new execution environment. On 2 cores a cold start costs 1-3 s of CPU, so this count,
    not the handlers' own work, is what a burst's throughput follows locally."""
    logs = aws_client(cloud, "logs")
    found: Counter[str] = Counter()
    for page in logs.get_paginator("describe_log_groups").paginate():
        for group in page["logGroups"]:
            name = group["logGroupName"]
            pages = logs.get_paginator("filter_log_events").paginate(
                logGroupName=name, startTime=since_ms
            )
            for events in pages:
                found[function_label(name)] += sum(
                    e["message"].startswith("REPORT") and "Init Duration" in e["message"]
                    for e in events["events"])  # fmt: skip
    return +found


def function_label(log_group: str) -> str:
    """`ShopOrders-local-ServiceApiFunctionLogsF92...-EED...` -> `ShopOrders/ServiceApiFunction`."""
    match = re.match(r"(\w+)-[^-]+-(\w+?)Logs", log_group)
    return f"{match[1]}/{match[2]}" if match else log_group


def canary_releases(out: Path) -> dict[str, Any]:
    """Wall time of a good and of a broken catalog release at CANARY_SCALE."""
    args = [*SHOP, "--deploy-time-scale", str(CANARY_SCALE)]
    state = out / "cloud-shop-canary"
    shutil.rmtree(state, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="shop-canary-") as tmp:
        project = copy_project(Path(tmp) / "project")
        handler = project / "src/stratus/shop/catalog/handlers/api.py"
        proc, _ = start_local_cloud(state, extra_args=args, env=env_for(project))
        stop_local_cloud(proc)
        handler.write_text(handler.read_text() + "\n# release 2 (bench)\n")
        good = release(state, project, args, want="Succeeded")
        break_catalog(project)
        bad = release(state, project, args, want="Stopped")
    print(
        f"  catalog canary at scale {CANARY_SCALE:.0f} (hold {CANARY_SECONDS:.0f} s): a good "
        f"release Succeeded in {good:.1f} s; a broken one Stopped and rolled back in {bad:.1f} s"
    )
    return {"scale": CANARY_SCALE, "hold_s": CANARY_SECONDS, "release_s": round(good, 1),
            "rollback_s": round(bad, 1)}  # fmt: skip


def release(state: Path, project: Path, args: list[str], *, want: str) -> float:
    """`up` again on `state` with the changed project, `GET /v1/products` one after another
    meanwhile: seconds from the deployment's creation until it reached `want` (and, for
    Stopped, until its rollback ended)."""
    proc, cloud = start_local_cloud(
        state, fresh=False, extra_args=[*args, "--force-synth"], env=env_for(project)
    )
    try:
        dep = newest_release(cloud)
        codedeploy = aws_client(cloud, "codedeploy")
        catalog = https_client(cloud.ca_pem, str(cloud.stack_output("CatalogApiUrl")))
        deadline = time.monotonic() + 20 * CANARY_SECONDS
        while time.monotonic() < deadline:
            catalog.get("v1/products")  # traffic: a broken canary's errors raise the alarm
            info = codedeploy.get_deployment(deploymentId=dep["deploymentId"])["deploymentInfo"]
            done = info["status"] in ("Succeeded", "Failed", "Stopped")
            rollback = (info.get("rollbackInfo") or {}).get("rollbackDeploymentId")
            if done and rollback:
                info = codedeploy.get_deployment(deploymentId=rollback)["deploymentInfo"]
                done = info["status"] in ("Succeeded", "Failed", "Stopped")
            if done:
                break
        catalog.close()
        status = codedeploy.get_deployment(deploymentId=dep["deploymentId"])["deploymentInfo"]
        if status["status"] != want or not done:
            raise RuntimeError(f"catalog release ended {status['status']}, not {want}")
        end = info.get("completeTime") or info.get("lastUpdatedTime")
        if end is None:
            raise RuntimeError(f"deployment {info['deploymentId']} has no completion time")
        return float((end - dep["createTime"]).total_seconds())
    finally:
        stop_local_cloud(proc)
