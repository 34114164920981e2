"""The inventory service under `stratus up`: Fargate tasks as processes behind the local ALB
(HTTPS, host/path rule), its data in the local RDS's real PostgreSQL (migrated by the task's
`migrate` container), stock reserved by an `OrderPlaced` on the shop's bus and released by a
`PaymentFailed` on payments' topic. The CDK app is `tests/fixtures/apps/shop_inventory`."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from stratus.shop.catalog.samples import SAMPLES
from tests.conftest import LocalCloudHandle, app_cloud, copy_fixture_app
from tests.integration.conftest import aws_client

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "shop_inventory"


class Inventory:
    """Requests to InventoryUrl (`https://<lb>.elb.localhost:<port>/`) sent to 127.0.0.1 with
    the name as Host and SNI, since Python's resolver does not map `*.localhost`."""

    def __init__(self, url: str, ca: Path) -> None:
        parts = urlsplit(url)
        assert parts.hostname and parts.hostname.endswith(".elb.localhost")
        self.name, self.port = parts.hostname, parts.port
        self.client = httpx.Client(verify=ssl.create_default_context(cafile=str(ca)), timeout=10)

    def get(self, path: str, host: str | None = None) -> httpx.Response:
        request = self.client.build_request(
            "GET",
            f"https://127.0.0.1:{self.port}{path}",
            headers={"Host": f"{host or self.name}:{self.port}"},
            extensions={"sni_hostname": self.name},
        )
        return self.client.send(request)


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    with app_cloud(copy_fixture_app(tmp_path_factory, FIXTURE)) as handle:
        yield handle


@pytest.fixture(scope="module")
def outputs(cloud: LocalCloudHandle) -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads((cloud.state_dir / "outputs.json").read_text())
    return data


def _wait(check: Callable[[], Any], seconds: float = 60.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


@pytest.fixture(scope="module")
def inventory(cloud: LocalCloudHandle, outputs: dict[str, dict[str, str]]) -> Inventory:
    service = Inventory(outputs["ShopInventory-local"]["InventoryUrl"], cloud.state_dir / "ca.pem")
    _wait(lambda: service.get("/health").status_code == 200)
    return service


def _queue_empty(cloud: LocalCloudHandle, url: str) -> bool:
    """Both delivered and in-flight counts are 0: every message was applied and deleted."""
    attrs = aws_client(cloud, "sqs").get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return all(value == "0" for value in attrs.values())


def _stock(inventory: Inventory, product_id: str) -> dict[str, int]:
    answer = inventory.get(f"/stock/{product_id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, int] = answer.json()
    return body


def test_every_sample_product_is_stocked_through_the_alb(inventory: Inventory) -> None:
    health = inventory.get("/health")
    assert health.json()["database"] == "up"
    for product in SAMPLES:
        stock = _stock(inventory, product.id)
        assert stock["available"] > 0 and isinstance(stock["reserved"], int)


def test_bad_ids_and_other_routes_are_clear_404s(inventory: Inventory) -> None:
    unknown = inventory.get("/stock/no-such-product")
    assert unknown.status_code == 404 and unknown.json()["error"] == "NotFound"
    assert inventory.get("/stock/Bad_Id").status_code == 400
    assert inventory.get("/stock/..%2F..%2Fetc%2Fpasswd").status_code in (400, 404)
    # Neither the service's paths nor its hosts: the listener's own fixed 404.
    for answer in (inventory.get("/admin"), inventory.get("/health", host="other.example")):
        assert answer.status_code == 404
        assert answer.json() == {"error": "NotFound", "message": "no such route"}


def test_an_order_reserves_once_and_a_failed_payment_releases(
    cloud: LocalCloudHandle, inventory: Inventory, outputs: dict[str, dict[str, str]]
) -> None:
    before = _stock(inventory, "desk-lamp")
    order = {
        "orderId": "it-order-1",
        "customerId": "c-1",
        "email": "c@example.com",
        "total": "68.00",
        "placedAt": "2026-11-30T00:00:00Z",
        "items": [
            {"productId": "desk-lamp", "quantity": 2, "unitPrice": "34.00", "lineTotal": "68.00"}
        ],
    }
    entry = {
        "Source": "stratus.shop.orders",
        "DetailType": "OrderPlaced",
        "Detail": json.dumps(order),
        "EventBusName": "stratus-shop-local",
    }
    events = aws_client(cloud, "events")
    assert events.put_events(Entries=[entry, entry])["FailedEntryCount"] == 0
    _wait(lambda: _stock(inventory, "desk-lamp")["reserved"] > before["reserved"])
    _wait(lambda: _queue_empty(cloud, outputs["ShopInventory-local"]["InventoryQueueUrl"]))
    held = _stock(inventory, "desk-lamp")
    assert held == {
        "product_id": "desk-lamp",
        "available": before["available"] - 2,
        "reserved": before["reserved"] + 2,
    }

    topic = outputs["ShopPayments-local"]["PaymentResultsTopicArn"]
    result = {
        "orderId": "it-order-1",
        "customerId": "c-1",
        "email": "c@example.com",
        "total": "68.00",
        "outcome": "failed",
        "reason": "card_declined",
    }
    aws_client(cloud, "sns").publish(
        TopicArn=topic,
        Message=json.dumps(result),
        MessageAttributes={
            "outcome": {"DataType": "String", "StringValue": "failed"},
            "eventType": {"DataType": "String", "StringValue": "PaymentFailed"},
        },
    )
    _wait(lambda: _stock(inventory, "desk-lamp") == before)
    _wait(lambda: _queue_empty(cloud, outputs["ShopInventory-local"]["InventoryQueueUrl"]))


def test_nothing_was_dead_lettered(
    cloud: LocalCloudHandle, outputs: dict[str, dict[str, str]]
) -> None:
    sqs = aws_client(cloud, "sqs")
    dlq = outputs["ShopInventory-local"]["InventoryDlqUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "0"


def _running_tasks(cloud: LocalCloudHandle, outputs: dict[str, dict[str, str]]) -> list[Any]:
    ecs, out = aws_client(cloud, "ecs"), outputs["ShopInventory-local"]
    cluster = out["InventoryClusterName"]
    arns = ecs.list_tasks(cluster=cluster, serviceName=out["InventoryServiceName"],
                          desiredStatus="RUNNING")["taskArns"]  # fmt: skip
    if not arns:
        return []
    tasks: list[Any] = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"]
    # No container health check in the task: ECS says UNKNOWN; the ALB's checks judge them.
    return [t for t in tasks if t["lastStatus"] == "RUNNING" and t["healthStatus"] != "UNHEALTHY"]


def _task_ip(task: dict[str, Any]) -> str:
    details = task["attachments"][0]["details"]
    return str(next(d["value"] for d in details if d["name"] == "privateIPv4Address"))


def _app_pid(ip: str) -> int:
    """The task's app process: uvicorn bound to the task's own address (local ECS)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(b"uvicorn" in a for a in argv) and ip.encode() in argv:
            return int(proc.name)
    raise AssertionError(f"no uvicorn process bound to {ip}")


def test_a_killed_task_leaves_the_alb_and_is_replaced(
    cloud: LocalCloudHandle, inventory: Inventory, outputs: dict[str, dict[str, str]]
) -> None:
    import os
    import signal

    tasks = _wait(lambda: (found := _running_tasks(cloud, outputs)) and len(found) == 2
                  and found)  # fmt: skip
    victim = tasks[0]
    os.kill(_app_pid(_task_ip(victim)), signal.SIGKILL)

    # The scheduler sees the exit, stops the task and takes it out of the target group; the
    # ALB sends every request to the healthy one meanwhile, and a new task replaces it.
    def replaced() -> list[Any] | None:
        now = _running_tasks(cloud, outputs)
        arns = {t["taskArn"] for t in now}
        return now if len(now) == 2 and victim["taskArn"] not in arns else None

    elbv2 = aws_client(cloud, "elbv2")
    arn = elbv2.describe_target_groups(
        LoadBalancerArn=elbv2.describe_load_balancers()["LoadBalancers"][0]["LoadBalancerArn"]
    )["TargetGroups"][0]["TargetGroupArn"]

    def healthy_targets() -> set[str]:
        health = elbv2.describe_target_health(TargetGroupArn=arn)
        return {d["Target"]["Id"] for d in health["TargetHealthDescriptions"]
                if d["TargetHealth"]["State"] == "healthy"}  # fmt: skip

    # Until the target leaves the group (or fails its checks) ALB may still pick it and
    # answer 502, as on AWS; from then on the other task answers everything.
    _wait(lambda: _task_ip(victim) not in healthy_targets())
    answers = [inventory.get("/stock/desk-lamp").status_code for _ in range(20)]
    assert answers == [200] * 20
    fresh = _wait(replaced)
    assert _wait(lambda: healthy_targets() == {_task_ip(t) for t in fresh})
    assert [inventory.get("/health").status_code for _ in range(6)] == [200] * 6
