"""CodeDeploy's durable state: applications, deployment groups and configurations from the
templates, deployments with their lifecycle, and which version each managed alias serves.

moto's CodeDeploy keeps applications and groups but no Lambda deployment (no hooks, no
rollback, no deployment configurations, UUID ids, empty alarm configuration), so this
service keeps its own state: one JSON file under the state dir, written whole
(`write_atomic`) after every change, so deployments survive a restart; `--fresh` wipes it.
"""

from __future__ import annotations

import json
import secrets
import string
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from stratus.local.core.persistence import write_atomic

# Deployment statuses (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentInfo.html)
CREATED, IN_PROGRESS, SUCCEEDED, FAILED, STOPPED = (
    "Created",
    "InProgress",
    "Succeeded",
    "Failed",
    "Stopped",
)
DONE = (SUCCEEDED, FAILED, STOPPED)


def alias_key(region: str, function: str, alias: str) -> str:
    return f"{region}/{function}:{alias}"


def new_deployment_id() -> str:
    """`d-` and nine upper-case letters and digits, as CodeDeploy's deployment ids look."""
    alphabet = string.ascii_uppercase + string.digits
    return "d-" + "".join(secrets.choice(alphabet) for _ in range(9))


@dataclass
class Deployment:
    """One Lambda deployment: shift `alias` of `function` from `current` to `target`."""

    id: str
    region: str
    application: str
    group: str
    config: str
    function: str
    alias: str
    current: str
    target: str
    before_hook: str = ""
    after_hook: str = ""
    logical_id: str = ""  # the alias's logical id: the AppSpec resource name
    status: str = CREATED
    creator: str = "user"
    description: str = ""
    created: float = field(default_factory=time.time)
    started: float | None = None
    completed: float | None = None
    weight: float = 0.0  # share of traffic on the target version now
    error: dict[str, str] = field(default_factory=dict)  # errorInformation
    rollback: dict[str, str] = field(default_factory=dict)  # rollbackInfo
    messages: list[str] = field(default_factory=list)
    events: dict[str, str] = field(default_factory=dict)  # lifecycle event -> status
    hooks: dict[str, str] = field(default_factory=dict)  # hook execution id -> status
    stop_requested: str = ""  # "", "rollback" or "keep"

    def appspec(self) -> dict[str, Any]:
        """The AppSpec a CloudFormation-triggered Lambda deployment carries
        (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html)."""
        hooks = [
            {event: name}
            for event, name in (
                ("BeforeAllowTraffic", self.before_hook),
                ("AfterAllowTraffic", self.after_hook),
            )
            if name
        ]
        props = {
            "Name": self.function,
            "Alias": self.alias,
            "CurrentVersion": self.current,
            "TargetVersion": self.target,
        }
        spec: dict[str, Any] = {
            "version": 0.0,
            "Resources": [
                {
                    self.logical_id or self.function: {
                        "Type": "AWS::Lambda::Function",
                        "Properties": props,
                    }
                }
            ],
        }
        if hooks:
            spec["Hooks"] = hooks
        return spec


_STORES: dict[Path, CodeDeployStore] = {}
_STORES_LOCK = threading.Lock()


class CodeDeployStore:
    """<snapshot_dir>/codedeploy/state.json; every method is safe from any thread. One
    instance per file (`for_dir`): the providers and the service share it."""

    @classmethod
    def for_dir(cls, root: Path) -> CodeDeployStore:
        path = Path(root).resolve()
        with _STORES_LOCK:
            if path not in _STORES:
                _STORES[path] = cls(path)
            return _STORES[path]

    @classmethod
    def forget(cls, root: Path) -> None:
        """Drop the shared instance (the state dir was wiped, e.g. `--fresh`)."""
        with _STORES_LOCK:
            _STORES.pop(Path(root).resolve(), None)

    def __init__(self, root: Path) -> None:
        self.path = Path(root) / "state.json"
        self._lock = threading.RLock()
        self.applications: dict[str, dict[str, Any]] = {}  # "region/name" -> record
        self.groups: dict[str, dict[str, Any]] = {}  # "region/app/group" -> record
        self.configs: dict[str, dict[str, Any]] = {}  # "region/name" -> record
        self.aliases: dict[str, str] = {}  # alias_key -> version serving all its traffic
        self.deployments: dict[str, Deployment] = {}
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        self.applications = dict(data.get("applications") or {})
        self.groups = dict(data.get("groups") or {})
        self.configs = dict(data.get("configs") or {})
        self.aliases = dict(data.get("aliases") or {})
        for record in data.get("deployments") or []:
            self.deployments[record["id"]] = Deployment(**record)

    def save(self) -> None:
        with self._lock:
            data = {
                "applications": self.applications,
                "groups": self.groups,
                "configs": self.configs,
                "aliases": self.aliases,
                "deployments": [asdict(d) for d in self.deployments.values()],
            }
            write_atomic(self.path, json.dumps(data, indent=1, sort_keys=True).encode())

    # -- what the templates declare ------------------------------------------------------
    def put_application(self, region: str, name: str, platform: str, stack: str) -> None:
        with self._lock:
            key = f"{region}/{name}"
            old = self.applications.get(key) or {}
            self.applications[key] = {
                "applicationId": old.get("applicationId") or str(uuid.uuid4()),
                "applicationName": name,
                "computePlatform": platform,
                "createTime": old.get("createTime") or time.time(),
                "stack": stack,
            }
            self.save()

    def put_group(self, region: str, app: str, name: str, props: dict[str, Any]) -> None:
        with self._lock:
            key = f"{region}/{app}/{name}"
            old = self.groups.get(key) or {}
            self.groups[key] = {
                "deploymentGroupId": old.get("deploymentGroupId") or str(uuid.uuid4()),
                "properties": props,
            }
            self.save()

    def put_config(self, region: str, name: str, props: dict[str, Any]) -> None:
        with self._lock:
            key = f"{region}/{name}"
            old = self.configs.get(key) or {}
            self.configs[key] = {
                "deploymentConfigId": old.get("deploymentConfigId") or str(uuid.uuid4()),
                "createTime": old.get("createTime") or time.time(),
                "properties": props,
            }
            self.save()

    def remove(self, table: str, key: str) -> None:
        with self._lock:
            getattr(self, table).pop(key, None)
            self.save()

    def group(self, region: str, app: str, name: str) -> dict[str, Any] | None:
        return self.groups.get(f"{region}/{app}/{name}")

    # -- deployments ---------------------------------------------------------------------
    def add(self, deployment: Deployment) -> None:
        with self._lock:
            self.deployments[deployment.id] = deployment
            self.save()

    def get(self, deployment_id: str) -> Deployment | None:
        return self.deployments.get(deployment_id)

    def in_group(self, region: str, app: str, group: str) -> list[Deployment]:
        """The group's deployments, newest first."""
        found = [
            d
            for d in self.deployments.values()
            if (d.region, d.application, d.group) == (region, app, group)
        ]
        return sorted(found, key=lambda d: d.created, reverse=True)

    def set_alias(self, key: str, version: str) -> None:
        with self._lock:
            self.aliases[key] = version
            self.save()
