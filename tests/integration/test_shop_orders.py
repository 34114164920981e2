"""Orders through the running cloud (`stratus up --system shop`): a customer of the shop's
pool places an order priced by catalog over SigV4, reads it back; another customer gets
404; bad input gets 4xx; the table's stream puts exactly one `OrderPlaced` on the bus; and
payments' results move the order to PAID then SHIPPED (fulfilment stand-in) or
PAYMENT_FAILED, as the customer sees through the API; duplicates change nothing."""

from __future__ import annotations

import base64
import datetime
import json
import ssl
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from unittest import mock

import boto3
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from joserfc.jwk import RSAKey

from tests.conftest import LocalCloudHandle, unique_email
from tests.integration.conftest import PASSWORD, SHOP, aws_client, mint_token, signing_key

pytestmark = [pytest.mark.integration, SHOP]
CHEAP = "paper-clips"  # the sample priced 4.13
MUG = "coffee-mug"


@pytest.fixture(scope="module")
def cloud(shop_cloud: LocalCloudHandle) -> LocalCloudHandle:
    return shop_cloud


def _token(cloud: LocalCloudHandle, email: str) -> str:
    idp = aws_client(cloud, "cognito-idp")
    client_id = cloud.stack_output("ShopUserPoolClientId")
    idp.sign_up(ClientId=client_id, Username=email, Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": email}])
    idp.confirm_sign_up(ClientId=client_id, Username=email,
                        ConfirmationCode=cloud.confirmation_code(email))
    result = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})
    return str(result["AuthenticationResult"]["IdToken"])


@pytest.fixture(scope="module")
def alice_email() -> str:
    return unique_email("alice")


@pytest.fixture(scope="module")
def alice(cloud: LocalCloudHandle, alice_email: str) -> dict[str, str]:
    return {"Authorization": _token(cloud, alice_email)}


@pytest.fixture(scope="module")
def bob(cloud: LocalCloudHandle) -> dict[str, str]:
    return {"Authorization": _token(cloud, unique_email("bob"))}


@pytest.fixture(scope="module")
def orders(cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    verify = ssl.create_default_context(cafile=str(cloud.ca_pem))
    with httpx.Client(base_url=str(cloud.stack_output("OrdersApiUrl")), verify=verify,
                      timeout=35) as client:
        yield client


@pytest.fixture(scope="module")
def prices(cloud: LocalCloudHandle) -> dict[str, Decimal]:
    verify = ssl.create_default_context(cafile=str(cloud.ca_pem))
    base = str(cloud.stack_output("CatalogApiUrl"))
    products = httpx.get(base + "v1/products", verify=verify, timeout=30).json()["products"]
    return {p["id"]: Decimal(p["price"]) for p in products}


class BusEvents:
    """Every OrderPlaced the test's rule delivered so far (`seen`), and a wait for one."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.wait: Callable[[str], list[dict[str, Any]]] = lambda order_id: []


@pytest.fixture(scope="module")
def bus_events(cloud: LocalCloudHandle) -> BusEvents:
    """A rule of this test on the shop's bus sending orders' events to a queue it reads;
    `wait(order_id)` gives the events seen for one order (waiting for the first, then a
    little longer so a duplicate would show)."""
    events, sqs = aws_client(cloud, "events"), aws_client(cloud, "sqs")
    bus = cloud.stack_output("EventBusName")
    name = f"orders-it-{uuid.uuid4().hex[:8]}"  # the rule's and the queue's: unique per run
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"]
    rule = events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(
        {"source": ["stratus.shop.orders"], "detail-type": ["OrderPlaced"]}))["RuleArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": rule}}}]})})
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    found = BusEvents()
    seen = found.seen

    def for_order(order_id: str, settle: float = 3.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 30
        first_at: float | None = None
        while time.monotonic() < deadline:
            for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                               WaitTimeSeconds=1).get("Messages", []):
                seen.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            mine = [e for e in seen if e["detail"]["orderId"] == order_id]
            if mine and first_at is None:
                first_at = time.monotonic()
            if first_at is not None and time.monotonic() - first_at >= settle:
                return mine  # waited a little longer: a duplicate would show up here
        return [e for e in seen if e["detail"]["orderId"] == order_id]

    found.wait = for_order
    return found


def _place(orders: httpx.Client, who: dict[str, str], *items: tuple[str, int]) -> httpx.Response:
    body = {"items": [{"product_id": pid, "quantity": qty} for pid, qty in items]}
    return orders.post("orders", json=body, headers=who)


def test_placed_order_is_priced_by_catalog_and_reads_back(
    orders: httpx.Client, alice: dict[str, str], prices: dict[str, Decimal]
) -> None:
    resp = _place(orders, alice, (CHEAP, 3), (MUG, 2))
    assert resp.status_code == 201, resp.text
    order = resp.json()
    expected = prices[CHEAP] * 3 + prices[MUG] * 2
    assert order["total"] == f"{expected:.2f}" and order["status"] == "PLACED"
    assert [(i["product_id"], i["quantity"]) for i in order["items"]] == [(CHEAP, 3), (MUG, 2)]
    got = orders.get(f"orders/{order['id']}", headers=alice)
    assert got.status_code == 200 and got.json()["id"] == order["id"]
    listed = orders.get("orders", headers=alice).json()["items"]
    assert order["id"] in [o["id"] for o in listed]


def test_another_customers_order_is_404(
    orders: httpx.Client, alice: dict[str, str], bob: dict[str, str]
) -> None:
    order = _place(orders, alice, (MUG, 1)).json()
    theirs = orders.get(f"orders/{order['id']}", headers=bob)
    assert theirs.status_code == 404 and theirs.json()["error"] == "NotFound"
    assert order["id"] not in [o["id"] for o in orders.get("orders", headers=bob).json()["items"]]


def test_bad_input_is_a_clear_4xx(orders: httpx.Client, alice: dict[str, str]) -> None:
    zero = _place(orders, alice, (MUG, 0))
    assert zero.status_code == 400 and zero.json()["details"]["field"] == "items"
    unknown = _place(orders, alice, ("no-such-product", 1))
    assert unknown.status_code == 400 and unknown.json()["details"]["unknown"] == [
        "no-such-product"]
    malformed = orders.post("orders", content=b'{"items": [', headers={
        **alice, "Content-Type": "application/json"})
    assert malformed.status_code == 400 and malformed.json()["error"] == "ValidationError"
    huge = orders.post("orders", content=json.dumps({"items": [], "x": "y" * 20_000}),
                       headers={**alice, "Content-Type": "application/json"})
    assert huge.status_code == 413
    assert _place(orders, {}, (MUG, 1)).status_code == 401  # the gateway's authorizer
    assert _place(orders, {"Authorization": "not-a-token"}, (MUG, 1)).status_code == 401


def test_order_placed_reaches_the_bus_once(
    orders: httpx.Client, alice: dict[str, str], alice_email: str,
    bus_events: BusEvents,
) -> None:
    order = _place(orders, alice, (CHEAP, 1)).json()
    found = bus_events.wait(order["id"])
    assert len(found) == 1, found
    detail = found[0]["detail"]
    assert detail["total"] == order["total"] and detail["email"] == alice_email
    assert detail["placedAt"] == order["created_at"] and detail["customerId"]
    assert detail["items"] == [{"productId": CHEAP, "quantity": 1,
                                "unitPrice": order["items"][0]["unit_price"],
                                "lineTotal": order["items"][0]["line_total"]}]
    # A refused order is never written, so no event is invented for it: between the good
    # orders before and after it, the bus carries exactly the later one's event.
    before = len(bus_events.seen)
    assert _place(orders, alice, ("no-such-product", 1)).status_code == 400
    assert _place(orders, alice, (MUG, 0)).status_code == 400
    later = _place(orders, alice, (MUG, 1)).json()
    bus_events.wait(later["id"])
    assert [e["detail"]["orderId"] for e in bus_events.seen[before:]] == [later["id"]]


def _status(orders: httpx.Client, who: dict[str, str], order_id: str, want: str) -> str:
    deadline, status = time.monotonic() + 45, ""
    while time.monotonic() < deadline:
        status = orders.get(f"orders/{order_id}", headers=who).json()["status"]
        if status == want:
            break
        time.sleep(0.5)
    return status


def _result(cloud: LocalCloudHandle, order: dict[str, Any], outcome: str, sub: str) -> None:
    """What payments publishes, delivered to orders' queue as the SNS envelope."""
    message = {"orderId": order["id"], "customerId": sub, "email": "x@example.com",
               "total": order["total"], "outcome": outcome}
    envelope = {"Type": "Notification", "MessageId": str(uuid.uuid4()),
                "Message": json.dumps(message)}
    aws_client(cloud, "sqs").send_message(
        QueueUrl=cloud.stack_output("OrdersPaymentResultsQueueUrl"),
        MessageBody=json.dumps(envelope))


def _sub(who: dict[str, str]) -> str:
    from tests.integration.conftest import unverified_claims

    return str(unverified_claims(who["Authorization"])["sub"])


def test_payments_pay_or_decline_and_paid_orders_ship(
    orders: httpx.Client, alice: dict[str, str]
) -> None:
    """The whole chain: stream -> OrderPlaced -> payments (a total ending in .13 is declined
    by the local provider stub) -> PaymentResults -> orders' queue -> status."""
    paid = _place(orders, alice, (MUG, 1)).json()
    declined = _place(orders, alice, (CHEAP, 1)).json()
    assert declined["total"].endswith(".13")
    assert _status(orders, alice, declined["id"], "PAYMENT_FAILED") == "PAYMENT_FAILED"
    assert _status(orders, alice, paid["id"], "PAID") == "PAID"
    assert _status(orders, alice, paid["id"], "SHIPPED") == "SHIPPED"  # the stand-in's delay


def _queue_in_flight(cloud: LocalCloudHandle, queue: str, quiet_within: float) -> dict[str, int]:
    """The queue's visible and in-flight message counts that are not zero, waiting up to
    `quiet_within` seconds for there to be none."""
    sqs = aws_client(cloud, "sqs")
    deadline = time.monotonic() + quiet_within
    while True:
        attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        busy = {k: int(v) for k, v in attributes.items() if int(v)}
        if not busy or time.monotonic() > deadline:
            return busy
        time.sleep(0.5)


def test_duplicate_and_contradicting_results_change_nothing(
    cloud: LocalCloudHandle, orders: httpx.Client, alice: dict[str, str]
) -> None:
    shipped = _place(orders, alice, (MUG, 2)).json()
    failed = _place(orders, alice, (CHEAP, 1)).json()
    assert _status(orders, alice, shipped["id"], "SHIPPED") == "SHIPPED"
    assert _status(orders, alice, failed["id"], "PAYMENT_FAILED") == "PAYMENT_FAILED"
    queue = cloud.stack_output("OrdersPaymentResultsQueueUrl")
    # On the shared shop cloud, results for the made-up orders of the payments and analytics
    # tests are retried here until they are dead-lettered (3 receives, 60 s apart): wait for
    # the queue to be empty first, so what is left afterwards can only be ours.
    assert _queue_in_flight(cloud, queue, quiet_within=240) == {}, "queue never went quiet"
    _result(cloud, shipped, "succeeded", _sub(alice))  # a late duplicate
    _result(cloud, shipped, "failed", _sub(alice))  # a contradiction
    _result(cloud, failed, "succeeded", _sub(alice))  # a contradiction
    left = _queue_in_flight(cloud, queue, quiet_within=30)  # consumed, not retried
    assert left == {}, left
    assert orders.get(f"orders/{shipped['id']}", headers=alice).json()["status"] == "SHIPPED"
    assert orders.get(f"orders/{failed['id']}", headers=alice).json()["status"] == (
        "PAYMENT_FAILED")


# -- tokens, paths and replays: what a client must never get past ----------------------
def _shop_token(cloud: LocalCloudHandle, key: RSAKey, **overrides: Any) -> dict[str, str]:
    token = mint_token(
        cloud,
        key,
        None,
        pool_output="ShopUserPoolId",
        client_output="ShopUserPoolClientId",
        **overrides,
    )
    return {"Authorization": token}


@pytest.mark.parametrize("case", ["missing", "expired", "forged", "tampered", "other client"])
def test_orders_refuse_bad_tokens_with_401(
    cloud: LocalCloudHandle, orders: httpx.Client, alice: dict[str, str], case: str
) -> None:
    own_key = signing_key(cloud)
    headers = {
        "missing": {},
        "expired": _shop_token(cloud, own_key, exp=int(time.time()) - 60),
        "forged": _shop_token(cloud, RSAKey.generate_key(2048)),  # a key Cognito never had
        "tampered": {"Authorization": _tamper(alice["Authorization"])},
        "other client": _shop_token(cloud, own_key, aud="someone-elses-app-client"),
    }[case]
    for resp in (orders.get("orders", headers=headers), _place(orders, headers, (MUG, 1))):
        assert resp.status_code == 401, (case, resp.status_code, resp.text)
        # API Gateway's Cognito authorizer names an expired token; anything else is plain.
        message = "The incoming token has expired" if case == "expired" else "Unauthorized"
        assert resp.json() == {"message": message}


def _tamper(token: str) -> str:
    """The same token with its `sub` claim changed and the signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "00000000-0000-4000-8000-000000000000"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize(
    "path", ["orders/..%2F..%2Fetc%2Fpasswd", "orders/%2e%2e", "orders/" + "x" * 300]
)
def test_traversal_and_oversized_ids_never_reach_another_order_or_a_500(
    orders: httpx.Client, alice: dict[str, str], path: str
) -> None:
    resp = orders.get(path, headers=alice)
    assert resp.status_code in (400, 403, 404), (path, resp.status_code, resp.text)


def test_a_replayed_signed_price_request_is_refused_once_stale(cloud: LocalCloudHandle) -> None:
    """SigV4 requests carry their time: API Gateway refuses one signed more than 5 minutes
    ago (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html)."""
    base = str(cloud.stack_output("CatalogApiUrl"))
    url = f"{base}v2/prices?ids={CHEAP}"
    creds = boto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test"
    ).get_credentials()
    request = AWSRequest(method="GET", url=url)
    stale = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=10)
    with mock.patch("botocore.auth.get_current_datetime", return_value=stale):
        SigV4Auth(creds, "execute-api", "us-east-1").add_auth(request)  # ten minutes ago
    assert request.headers["X-Amz-Date"] == stale.strftime("%Y%m%dT%H%M%SZ")
    verify = ssl.create_default_context(cafile=str(cloud.ca_pem))
    resp = httpx.get(url, headers=dict(request.headers), verify=verify, timeout=30)
    assert resp.status_code == 403, resp.text
    assert "signature" in resp.json()["message"].lower()
