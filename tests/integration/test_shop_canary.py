"""A broken release of a shop service is rolled back by its canary, with the shop's own
wiring (ServiceTemplate: `live` alias, CodeDeploy group with the stage's canary, errors
alarm): the shop runs from a copy of the project, the catalog API's handler is made to
raise there, and `stratus up --force-synth` on the same state starts a deployment of the
catalog's alias. While 10% shifts (CodeDeployDefault.LambdaCanary10Percent5Minutes, at
`--deploy-time-scale 5`: 60 s), only the canary's share of `GET /v1/products` fails; the
errors alarm stops the deployment and a rollback deployment puts every call back on the
old version (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html).

The deployment begins while `up` is still starting (about 2 s before it is ready here), and
the test stops calling once the deployment ends (3-4 s after ready here), so a long canary
costs nothing when it works. At scale 60 (5 s) the first calls to the new version (a cold
start) plus the alarm's sampling outlasted the canary; at 20 (15 s) a loaded CI host became
ready so late that 8 calls fitted in what was left, none of them on the canary (0.9^8 = 43%).
"""

from __future__ import annotations

import collections
import math
import ssl
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import start_local_cloud, stop_local_cloud
from tests.integration.conftest import aws_client
from tests.shop_canary import (
    break_catalog,
    catalog_deployments,
    copy_project,
    env_for,
    newest_release,
)

pytestmark = pytest.mark.integration
ARGS = ["--system", "shop", "--deploy-time-scale", "5"]
CANARY_SHARE = 0.10


def canary_failure_bound(calls: int, chance: float = 1e-5) -> int:
    """The most 502s a 10% canary gives in `calls` calls but once in 1/chance runs.

    A fixed multiple of the share was too tight for the small samples a slow machine takes
    before the alarm stops the deployment (8 of 24 calls happened, a 0.75% tail at 10%).
    """
    tail = 0.0
    for k in range(calls, -1, -1):
        tail += math.comb(calls, k) * CANARY_SHARE**k * (1 - CANARY_SHARE) ** (calls - k)
        if tail > chance:
            return max(3, k)
    return calls


def test_a_broken_catalog_release_is_stopped_and_rolled_back(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    project = copy_project(tmp_path_factory.mktemp("shop-canary") / "project")
    state: Path = tmp_path_factory.mktemp("shop-canary-state")
    proc, handle = start_local_cloud(state, extra_args=ARGS, env=env_for(project))
    stop_local_cloud(proc)  # release 1: the alias created, no deployment
    break_catalog(project)
    proc, handle = start_local_cloud(
        state, fresh=False, extra_args=[*ARGS, "--force-synth"], env=env_for(project)
    )
    try:
        release = newest_release(handle)
        assert release["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
        codedeploy = aws_client(handle, "codedeploy")
        base = str(handle.stack_output("CatalogApiUrl"))
        verify = ssl.create_default_context(cafile=str(handle.ca_pem))
        seen: collections.Counter[int] = collections.Counter()
        created = release["createTime"].timestamp()
        late = f"the calls began {time.time() - created:.1f} s after the release was created"
        with httpx.Client(verify=verify, timeout=30) as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                seen[client.get(base + "v1/products").status_code] += 1
                info = codedeploy.get_deployment(deploymentId=release["deploymentId"])[
                    "deploymentInfo"
                ]
                if info["status"] in ("Succeeded", "Failed", "Stopped"):
                    break
            after = collections.Counter(
                client.get(base + "v1/products").status_code for _ in range(30)
            )
        assert info["status"] == "Stopped", (info, seen, late)
        assert info["errorInformation"]["code"] == "ALARM_ACTIVE"
        assert "ServiceApiFnErrors" in info["errorInformation"]["message"]
        # The old version answered throughout: failures are the canary's share at most
        # (10% of calls, with room for chance), never every call.
        calls = sum(seen.values())
        assert set(seen) <= {200, 502} and seen[200] > 0, seen
        assert seen[502] <= canary_failure_bound(calls), seen
        assert after == {200: 30}, after  # all good after the rollback
        rollback_id = info["rollbackInfo"]["rollbackDeploymentId"]
        rollback = next(d for d in catalog_deployments(handle) if d["deploymentId"] == rollback_id)
        assert rollback["creator"] == "codeDeployRollback" and rollback["status"] == "Succeeded"
    finally:
        stop_local_cloud(proc)
