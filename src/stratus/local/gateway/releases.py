"""Which deployment of a REST API each request runs: the stage's, or its canary's.

On AWS a deployment is an immutable snapshot of the API. Locally the template holds one
version of each API, so a deployment's snapshot is emulated as follows:

* every deployment id in the current template serves the current template;
* the API's resources are kept per deployment id (`<state>/gateway-releases.json`, gone with
  `--fresh`), so a deployment that a later `stratus up` no longer has is still served from
  what it was — the stage keeps it after a redeploy whose new Deployment is a canary
  (DeploymentCanarySettings), and an UpdateStage may point a stage or canary back at it;
* the live stage (deploymentId, variables, canarySettings: what UpdateStage changes) is
  kept too and restored on restart while the template's stage is unchanged; a changed
  template stage wins, as a CloudFormation update would.

Stage-level settings (throttling, cache, access logs) are the stage's, whichever
deployment a request runs.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from stratus.local.core.persistence import write_atomic
from stratus.local.gateway.canary import LiveStage, apply_patch, goes_to_canary
from stratus.local.gateway.config import RestApi, Stage, api_members, compile_api
from stratus.local.provision.model import Deployment, Resource

log = logging.getLogger("stratus.gateway")
KEPT_PER_API = 10  # deployment snapshots kept per API (the newest)


class Releases:
    def __init__(
        self,
        deployment: Deployment,
        apis: dict[str, RestApi],
        store: Path | None = None,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self.apis = apis
        self.store = store
        self.draw = draw
        saved = _load(store)
        self.snapshots: dict[str, dict[str, Any]] = saved.get("deployments", {})
        self.current: dict[str, set[str]] = {}  # api id -> deployment ids in the template
        self.compiled: dict[tuple[str, str], RestApi] = {}
        self.live: dict[tuple[str, str], LiveStage] = {}
        self.template: dict[tuple[str, str], dict[str, Any]] = {}
        self.defaults: dict[tuple[str, str], LiveStage] = {}
        for rest in deployment.resources("AWS::ApiGateway::RestApi"):
            self._remember(rest, api_members(deployment, rest.physical_id))
        old_live = saved.get("stages", {})
        old_template = saved.get("templates", {})
        for api in apis.values():
            for stage in api.stages.values():
                key = (api.api_id, stage.name)
                default = LiveStage(stage.deployment_id, dict(stage.variables), stage.canary)
                self.defaults[key] = default
                fingerprint = self.template[key] = default.to_json()
                joined = "/".join(key)
                previous = old_live.get(joined)
                if previous is not None and old_template.get(joined) == fingerprint:
                    restored = LiveStage.from_json(previous)  # UpdateStage survives a restart
                    if restored != _plain_stage(stage):
                        self.live[key] = restored
                    continue
                live = default
                kept = None if previous is None else previous.get("deploymentId")
                if (
                    stage.canary is not None
                    and stage.canary.deployment_id == stage.deployment_id
                    and kept
                    and kept != stage.deployment_id
                    and kept in self.snapshots.get(api.api_id, {})
                ):
                    # The new deployment is the stage's canary: the stage keeps serving the
                    # deployment it had (AWS: a canary deployment leaves the stage's own).
                    live = replace(live, deployment_id=kept)
                if live != _plain_stage(stage):
                    self.live[key] = live
        self._save()

    # -- per request --------------------------------------------------------------------
    def route(self, api: RestApi, stage: Stage) -> tuple[RestApi, Stage]:
        """The API snapshot and the stage view this request runs with."""
        live = self.live.get((api.api_id, stage.name))
        if live is None:
            return api, stage  # no canary, nothing changed: the template as it is
        canary = live.canary
        if canary is not None and goes_to_canary(canary, self.draw()):
            deployment_id = canary.deployment_id or live.deployment_id
            view = replace(
                stage,
                deployment_id=deployment_id,
                variables={**live.variables, **canary.stage_variable_overrides},
                canary=canary,
                is_canary=True,
                cache_cluster=stage.cache_cluster and canary.use_stage_cache,
            )
        else:
            deployment_id = live.deployment_id
            view = replace(
                stage, deployment_id=deployment_id, variables=live.variables, canary=canary
            )
        return self.api_for(api, deployment_id), view

    def api_for(self, api: RestApi, deployment_id: str | None) -> RestApi:
        if not deployment_id or deployment_id in self.current.get(api.api_id, set()):
            return api
        key = (api.api_id, deployment_id)
        found = self.compiled.get(key)
        if found is None:
            snapshot = self.snapshots.get(api.api_id, {}).get(deployment_id)
            if snapshot is None:
                return api
            rest = Resource(**snapshot["rest"])
            members = [Resource(**m) for m in snapshot["members"]]
            found = compile_api(rest, members)
            found.stages = api.stages
            self.compiled[key] = found
        return found

    # -- the control plane --------------------------------------------------------------
    def live_stage(self, api_id: str, stage: Stage) -> LiveStage:
        found = self.live.get((api_id, stage.name))
        return found or LiveStage(stage.deployment_id, dict(stage.variables), stage.canary)

    def deployments(self, api_id: str) -> set[str]:
        return set(self.current.get(api_id, set())) | set(self.snapshots.get(api_id, {}))

    def update_stage(
        self, api_id: str, stage: Stage, operations: list[Mapping[str, Any]]
    ) -> LiveStage:
        """UpdateStage: raises canary.PatchError for a patch AWS would refuse."""
        updated = apply_patch(self.live_stage(api_id, stage), operations, self.deployments(api_id))
        self.live[(api_id, stage.name)] = updated
        self._save()
        return updated

    # -- snapshots ------------------------------------------------------------------------
    def _remember(self, rest: Resource, members: list[Resource]) -> None:
        ids = {m.physical_id for m in members if m.type == "AWS::ApiGateway::Deployment"}
        self.current[rest.physical_id] = ids
        payload = {
            "rest": _plain(rest),
            "members": [_plain(m) for m in members],
        }
        kept = self.snapshots.setdefault(rest.physical_id, {})
        for deployment_id in sorted(ids):
            kept.pop(deployment_id, None)
            kept[deployment_id] = payload  # newest last
        while len(kept) > KEPT_PER_API:
            kept.pop(next(iter(kept)))

    def _save(self) -> None:
        if self.store is None:
            return
        data = {
            "deployments": self.snapshots,
            "stages": {
                "/".join(k): self.live.get(k, v).to_json() for k, v in self.defaults.items()
            },
            "templates": {"/".join(k): v for k, v in self.template.items()},
        }
        try:
            self.store.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.store, json.dumps(data).encode())
        except OSError as exc:
            log.warning("gateway releases not saved: %s", exc)


def _plain(res: Resource) -> dict[str, Any]:
    return json.loads(json.dumps(asdict(res), default=str))


def _plain_stage(stage: Stage) -> LiveStage:
    """The live stage that changes nothing: requests take route()'s fast path."""
    return LiveStage(stage.deployment_id, dict(stage.variables), None)


def _load(store: Path | None) -> dict[str, Any]:
    if store is None or not store.is_file():
        return {}
    try:
        data = json.loads(store.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
