"""`stratus new-service NAME` appears in `make up`: a service scaffolded into a copy of this
checkout is provisioned by `stratus up --system shop` from that copy, untouched, and its API
answers a customer of the shop's pool (create, read back, another customer gets 404, no
token gets 401) through the local gateway."""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator

import httpx
import pytest

from stratus.cli.new_service import scaffold
from tests.conftest import LocalCloudHandle, start_local_cloud, stop_local_cloud, unique_email
from tests.infra.test_new_service import _checkout
from tests.integration.test_shop_e2e import sign_up_and_in

pytestmark = pytest.mark.integration
NAME = "reviews"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    root = _checkout(tmp_path_factory.mktemp("new-service"))
    scaffold(root, NAME)
    # The copy's own code wins over the editable install: `up` synthesizes and bundles it.
    pythonpath = os.pathsep.join(str(root / p) for p in ("src", "sdk", "."))
    proc, handle = start_local_cloud(
        root / ".stratus" / "cloud", extra_args=["--system", "shop"],
        env={"PYTHONPATH": pythonpath},
    )
    try:
        yield handle
    finally:
        stop_local_cloud(proc)


@pytest.fixture(scope="module")
def api(cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    base = str(cloud.stack_output(f"{NAME.capitalize()}ApiUrl"))
    verify = ssl.create_default_context(cafile=str(cloud.ca_pem))
    with httpx.Client(base_url=base, verify=verify, timeout=35) as client:
        yield client


def test_the_scaffolded_stack_is_provisioned_beside_the_shop(cloud: LocalCloudHandle) -> None:
    stacks = set(cloud.outputs)
    assert any(name.startswith(f"Shop{NAME.capitalize()}-") for name in stacks), stacks
    assert any(name.startswith("ShopOrders-") for name in stacks), stacks
    url = str(cloud.stack_output(f"{NAME.capitalize()}ApiUrl"))
    assert url.startswith("https://127.0.0.1:"), url
    assert f"Shop{NAME.capitalize()}" in cloud.log_path.read_text(errors="replace")


def test_a_customer_creates_and_reads_an_item(cloud: LocalCloudHandle, api: httpx.Client) -> None:
    alice = {"Authorization": sign_up_and_in(cloud, unique_email("reviewer"))}
    created = api.post(f"{NAME}/items", json={"name": "five stars"}, headers=alice)
    assert created.status_code == 201, created.text
    item_id = created.json()["id"]
    read = api.get(f"{NAME}/items/{item_id}", headers=alice)
    assert read.status_code == 200, read.text
    assert read.json()["id"] == item_id

    bob = {"Authorization": sign_up_and_in(cloud, unique_email("reviewer"))}
    assert api.get(f"{NAME}/items/{item_id}", headers=bob).status_code == 404
    assert api.get(f"{NAME}/items/{item_id}").status_code == 401


def test_bad_input_is_a_clear_400(cloud: LocalCloudHandle, api: httpx.Client) -> None:
    token = sign_up_and_in(cloud, unique_email("reviewer"))
    alice = {"Authorization": token, "Content-Type": "application/json"}
    resp = api.post(f"{NAME}/items", content=b"{not json", headers=alice)
    assert resp.status_code == 400, resp.text
    assert "Traceback" not in resp.text

