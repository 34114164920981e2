"""A release of one shop service through the local CodeDeploy, on a copy of the project.

The shop's functions are bundled from the project that `stratus` is imported from
(`stratus.infra.shared.bundling.PROJECT_ROOT`), so a copy of `src/` (with the catalog SDK,
the Lambda requirements and the already built third-party tree, hard-linked) run with
`PYTHONPATH=<copy>/src` serves the copy's code: change a handler there and `stratus up`
again on the same state and that function's `live` alias gets a CodeDeploy deployment
(https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html#deployment-configuration-lambda).
Used by tests/integration/test_shop_canary.py and bench/shop.py.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, LocalCloudHandle
from tests.integration.conftest import aws_client

CATALOG_HANDLER = Path("src/stratus/shop/catalog/handlers/api.py")
BROKEN_LINE = (
    "\n\ndef _broken(event: dict[str, Any], context: Any) -> dict[str, Any]:\n"
    '    raise RuntimeError("a broken catalog release (canary rollback test)")\n\n\n'
    "lambda_handler = _broken  # noqa: F811\n"
)


def copy_project(target: Path) -> Path:
    """`target` with the project's sources, the catalog SDK, the Lambda requirements and
    the built dependency trees (hard links, so it costs no copy); returns `target`."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("src", "sdk/stratus_catalog_client", "requirements"):
        shutil.copytree(ROOT / part, target / part, ignore=ignore)
    (target / "build" / "lambda").mkdir(parents=True)
    for deps in (ROOT / "build" / "lambda").glob("deps-shop-*"):
        if not deps.name.startswith("deps-tmp"):
            subprocess.run(["cp", "-al", str(deps), str(target / "build" / "lambda")],
                           check=True)  # fmt: skip
    return target


def break_catalog(project: Path) -> None:
    """Makes every call to the catalog API's function raise (a function error)."""
    handler = project / CATALOG_HANDLER
    handler.write_text(handler.read_text() + BROKEN_LINE)


def env_for(project: Path) -> dict[str, str]:
    """Environment for `stratus up` serving `project`'s code, alarms sampled every second."""
    return {"PYTHONPATH": f"{project / 'src'}:{project / 'sdk'}", "STRATUS_ALARM_SECONDS": "1"}


def catalog_deployments(handle: LocalCloudHandle) -> list[dict[str, Any]]:
    client = aws_client(handle, "codedeploy")
    found = []
    for app in client.list_applications()["applications"]:
        for group in client.list_deployment_groups(applicationName=app)["deploymentGroups"]:
            for dep_id in client.list_deployments(applicationName=app, deploymentGroupName=group)[
                "deployments"
            ]:
                info = client.get_deployment(deploymentId=dep_id)["deploymentInfo"]
                if "catalog" in app.lower() or "catalog" in group.lower():
                    found.append(info)
    return found


def newest_release(handle: LocalCloudHandle, timeout: float = 20) -> dict[str, Any]:
    """The deployment `up` started for the catalog (not a rollback)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [d for d in catalog_deployments(handle) if d["creator"] != "codeDeployRollback"]
        if found:
            return max(found, key=lambda d: d["createTime"])
        time.sleep(0.2)
    raise AssertionError(f"no catalog deployment was created:\n{handle.log_tail()}")
