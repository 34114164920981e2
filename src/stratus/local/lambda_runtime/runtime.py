"""The local Lambda service: functions, versions, aliases, layers, warm worker pools, invoke.

Lambda's behaviour copied: a cold start on first use then warm reuse (LIFO, like Lambda's
preference for the most recently used environment), one pool of environments per function
version, Lambda's concurrency rules (account limit, reserved concurrency shared by a
function's versions, throttles answered with TooManyRequestsException: concurrency.py),
timeouts that kill the environment, Event invocations queued and
retried (async_invoke), START/END/REPORT lines in the function's log group. Qualifiers are
honoured wherever a function is named (`name:qualifier`, qualified ARNs): `$LATEST`, a
published version number, or an alias, whose weighted routing picks a version per call
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-aliases.html). No library runs
Lambda handlers in warm local processes without Docker, hence this module.

The machine's own bound on worker processes (capacity.py) is separate from Lambda's rules:
invocations beyond it wait in a fair queue, they are never throttled for it.

An init that outlives the init phase's 10 s does not fail the invocation: Lambda logs the
phase's timeout and retries the init within the invocation, bounded by the function's
timeout. Locally the init that is already running goes on (its module code runs once, not
twice): on a busy laptop a cold start slowed by the CPU it shares would only be slower the
second time, and the client sees the same bounds (10 s, then the function's timeout).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import json
import logging
import random
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stratus.local.core import durable
from stratus.local.core.contracts import FunctionNotFoundError, InvokeResult
from stratus.local.core.linked_copy import copy_code_tree
from stratus.local.core.settings import LocalSettings
from stratus.local.iam.credentials import CredentialStore, Principal
from stratus.local.lambda_runtime import platform_log
from stratus.local.lambda_runtime.async_invoke import (
    AsyncDelivery,
    AsyncEvent,
    DestinationSender,
    EventInvokeConfig,
)
from stratus.local.lambda_runtime.capacity import (
    DEFAULT_MAX_WAIT_S,
    ESTIMATE_WEIGHT,
    Estimates,
    WorkerPool,
    cold_start_crowding,
    default_per_function_limit,
    default_worker_limit,
    warm_waits_enabled,
)
from stratus.local.lambda_runtime.concurrency import (
    DEFAULT_ACCOUNT_LIMIT,
    AccountConcurrency,
    FunctionConcurrency,
    FunctionThrottledError,
    Lease,
)
from stratus.local.lambda_runtime.function import (
    BOOTSTRAP,
    LATEST,
    LOCAL_PYTHON,
    NODE_BOOTSTRAP,
    FunctionConfig,
    new_log_stream_name,
    worker_environment,
)
from stratus.local.lambda_runtime.logs import LogSink
from stratus.local.lambda_runtime.metrics import InvocationMetrics
from stratus.local.lambda_runtime.recent import InvocationRecord, RecentInvocations
from stratus.local.lambda_runtime.spares import Spares, enabled_by_environment, spare_key
from stratus.local.lambda_runtime.store import LambdaStore
from stratus.local.lambda_runtime.worker import InitReport, LogEvents, Outcome, Worker, now_ms
from stratus.local.provision.model import Deployment, Resource
from stratus.local.xray import recorder as xray_recorder

logger = logging.getLogger("stratus.local.lambda_runtime")
EVENT_KIND = "lambda-event"  # an accepted Event invocation, journaled until it has run

INIT_TIMEOUT_S = 10.0  # Lambda's limit for the init phase of an on-demand environment
TAIL_BYTES = 4096
MAX_RESPONSE_BYTES = 6_291_556  # Lambda's synchronous response limit, as its message states
# Lambda retries a failed Event invocation twice, after ~1 and ~2 minutes; locally seconds.
DEFAULT_ASYNC_RETRY_DELAYS = (1.0, 2.0)
LOCAL_NODE_MAJOR = "20"
ASSET_DIR_KEY = "stratus:asset_dir"  # provisioner's metadata key: a Lambda asset's directory


@dataclass
class RuntimeInvokeResult(InvokeResult):
    """InvokeResult plus the request id the function saw (x-amzn-RequestId)."""

    request_id: str = ""


@dataclass
class FunctionStats:
    cold_starts: int = 0
    init_durations_ms: list[float] = field(default_factory=list)
    invocations: int = 0
    errors: int = 0
    timeouts: int = 0
    throttles: int = 0
    workers: int = 0


@dataclass(frozen=True)
class AliasConfig:
    """AWS::Lambda::Alias: a name for a version, maybe weighted with a second one."""

    name: str
    function: str
    arn: str
    version: str
    weights: tuple[tuple[str, float], ...] = ()  # AdditionalVersionWeights
    description: str = ""

    @property
    def revision_id(self) -> str:
        text = json.dumps([self.version, self.weights, self.description])
        return str(uuid.UUID(hashlib.md5(text.encode()).hexdigest()))


@dataclass(eq=False)
class _Function:
    """One version of a function ($LATEST or N); its idle environments are kept by the
    runtime's WorkerPool under this object as key."""

    config: FunctionConfig
    concurrency: FunctionConcurrency  # shared by every version of the function
    busy: int = 0
    stats: FunctionStats = field(default_factory=FunctionStats)
    # Moving averages (seconds) of a warm invocation and of a cold start's init, for the
    # pool's choice between waiting for a busy worker and starting one (capacity.Estimates).
    warm_s: float | None = None
    cold_s: float | None = None

    def estimates(self, crowding: float = 1.0) -> Estimates | None:
        if self.warm_s is None or self.cold_s is None:
            return None
        return Estimates(self.warm_s, self.cold_s, crowding)

    def measured(self, duration_ms: float, init_ms: float | None) -> None:
        if init_ms is not None:
            self.cold_s = _moving(self.cold_s, init_ms / 1000)
        else:
            self.warm_s = _moving(self.warm_s, duration_ms / 1000)


def _moving(average: float | None, sample: float) -> float:
    return sample if average is None else average + ESTIMATE_WEIGHT * (sample - average)


@dataclass(frozen=True)
class _Target:
    fn: _Function
    invoked_arn: str  # what context.invoked_function_arn shows
    qualifier: str  # "$LATEST", "3" or an alias name: the key of event-invoke configs
    named: str | None = None  # the qualifier the caller wrote (None: unqualified)


def split_reference(ref: str) -> tuple[str, str | None]:
    """'name', 'name:q', 'arn:...:function:name[:q]', '123:function:name[:q]' -> (name, q)."""
    if ":function:" in ref:
        rest = ref.split(":function:", 1)[1]
        name, _, qualifier = rest.partition(":")
        return name, qualifier or None
    name, _, qualifier = ref.partition(":")
    return name, qualifier or None


class LambdaRuntime:
    """Implements contracts.LambdaInvoker with warm subprocess workers."""

    def __init__(
        self,
        settings: LocalSettings,
        credentials: CredentialStore,
        *,
        log_sink: LogSink,
        policies_for_role: Callable[[str], list[dict[str, Any]]] = lambda arn: [],
        account_concurrency: int | None = None,
        local_workers: int | None = None,
        local_wait_s: float = DEFAULT_MAX_WAIT_S,
        async_retry_delays: Sequence[float] = DEFAULT_ASYNC_RETRY_DELAYS,
        destinations: DestinationSender | None = None,
        rng: random.Random | None = None,
        node_executable: str = "node",
        node_path: Sequence[Path] = (),
        store: LambdaStore | None = None,
    ) -> None:
        self.settings = settings
        self._credentials = credentials
        self._log_sink = log_sink
        self._policies_for_role = policies_for_role
        # Lambda's rules (what throttles) and this machine's bound (what queues): separate.
        self.account = AccountConcurrency(
            account_concurrency or settings.lambda_concurrency or DEFAULT_ACCOUNT_LIMIT
        )
        self.pool: WorkerPool[Worker] = WorkerPool(
            local_workers or settings.lambda_workers or default_worker_limit(),
            max_wait_s=local_wait_s,
            discard=self._dispose,
            per_key_limit=default_per_function_limit(),
        )
        self._warm_waits = warm_waits_enabled()  # read once, not on every invocation
        self._delivery = AsyncDelivery(destinations, async_retry_delays)
        self._rng = rng or random.Random()
        self._node = node_executable
        self._node_path = tuple(Path(p) for p in node_path)
        self.store = store or LambdaStore.for_settings(settings)
        self._functions: dict[str, _Function] = {}  # name -> $LATEST
        self._latest_props: dict[str, tuple[dict[str, Any], Path]] = {}
        self._versions: dict[str, dict[str, _Function]] = {}
        self._aliases: dict[str, dict[str, AliasConfig]] = {}
        self._index: dict[str, tuple[str, str | None]] = {}  # ref -> (name, qualifier)
        self._layers: dict[str, Path] = {}
        self._event_configs: dict[tuple[str, str], EventInvokeConfig] = {}
        self._principals: dict[str, tuple[str | None, Principal]] = {}
        self._warnings: list[str] = []
        self._warned: set[str] = set()
        self._events: set[asyncio.Task[None]] = set()  # queued/running Event invocations
        self._closers: set[asyncio.Task[None]] = set()  # workers being killed and reaped
        self._workers: set[Worker] = set()
        self._cold_starts_under_way = 0  # machine-wide: they share the cores
        self.spares = Spares(enabled=enabled_by_environment())
        self.metrics: InvocationMetrics | None = None  # AWS/Lambda metrics, set by the service
        self.recent_invocations = RecentInvocations()  # the console's recent invocations
        self._closing = False

    @property
    def destinations(self) -> DestinationSender | None:
        return self._delivery.sender

    @destinations.setter
    def destinations(self, sender: DestinationSender | None) -> None:
        self._delivery.sender = sender

    # Registry -------------------------------------------------------------------------
    def register(self, resource: Resource, asset_dir: Path | None = None) -> FunctionConfig:
        """Add an AWS::Lambda::Function (properties resolved) whose code is in `asset_dir`
        (None for inline Code.ZipFile, written under the state dir)."""
        name = resource.physical_id or str(
            resource.properties.get("FunctionName") or resource.logical_id
        )
        code_dir = self.store.materialize(name, resource.properties, asset_dir)
        config = FunctionConfig.from_resource(resource, code_dir, self.settings)
        if not config.asset_dir.is_dir():
            raise ValueError(f"{config.name}: code asset {config.asset_dir} is not a directory")
        self._check_runtime(config)
        previous = self._functions.get(config.name)
        concurrency = self.account.reserve(config.name, config.reserved_concurrency)
        fn = _Function(config=config, concurrency=concurrency)
        if previous is not None:  # re-deployed: new code and config need new environments
            for worker in self.pool.retire(previous):
                self._dispose(worker)
        self._functions[config.name] = fn
        self._latest_props[config.name] = (dict(resource.properties), config.asset_dir)
        for key in (config.name, config.arn):
            self._index[key] = (config.name, None)
        self._index[f"{config.arn}:{LATEST}"] = (config.name, LATEST)
        if config.stack and config.logical_id:
            self._index[f"{config.stack}/{config.logical_id}"] = (config.name, None)
        return config

    def _check_runtime(self, config: FunctionConfig) -> None:
        """One warning per function whose runtime is not the local interpreter's."""
        local = LOCAL_PYTHON if config.family == "python" else f"nodejs{LOCAL_NODE_MAJOR}.x"
        if config.runtime != local and config.name not in self._warned:
            self._warned.add(config.name)
            message = (
                f"{config.name}: declares {config.runtime} but runs on the local {local}; "
                "behaviour specific to that runtime version is not emulated"
            )
            self._warnings.append(message)
            logger.warning(message)

    def warnings(self) -> list[str]:
        """Start-up warnings to report (runtime mismatches, missing layers, ...)."""
        return list(self._warnings)

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self._warnings.append(message)
            logger.warning(message)

    def publish_version(self, function: str, description: str = "") -> str:
        """PublishVersion: snapshot $LATEST's code and configuration; returns the number."""
        name, _ = split_reference(self._canonical(function))
        if name not in self._latest_props:
            raise FunctionNotFoundError(function)
        props, code_dir = self._latest_props[name]
        number = self.store.publish(name, props, code_dir, description=description)
        if number not in self._versions.get(name, {}):
            self._add_version(name, number)
        return number

    def register_version(self, resource: Resource) -> FunctionConfig:
        """Add an AWS::Lambda::Version whose snapshot the provider published in the store."""
        name, _ = split_reference(str(resource.properties["FunctionName"]))
        name = self._index.get(name, (name, None))[0]
        number = str(resource.attributes.get("Version") or resource.physical_id.rsplit(":", 1)[1])
        fn = self._add_version(name, number)
        if resource.stack and resource.logical_id:
            self._index[f"{resource.stack}/{resource.logical_id}"] = (name, number)
        return fn.config

    def _add_version(self, name: str, number: str) -> _Function:
        snapshot = self.store.version(name, number)
        if snapshot is None:
            raise ValueError(f"{name}: version {number} was never published locally")
        latest = self._functions.get(name)
        arn = latest.config.arn if latest else self.function_arn(name)
        source = Resource(
            stack=latest.config.stack if latest else "",
            logical_id=latest.config.logical_id if latest else name,
            type="AWS::Lambda::Function",
            properties=snapshot["properties"],
            physical_id=name,
            attributes={"Arn": arn},
        )
        config = FunctionConfig.from_resource(
            source,
            Path(snapshot["code_dir"]),
            self.settings,
            version=number,
            last_modified=float(snapshot.get("published") or time.time()),
        )
        config = dataclasses.replace(config, description=str(snapshot.get("description") or ""))
        self._check_runtime(config)
        concurrency = latest.concurrency if latest else self.account.function(name)
        fn = _Function(config=config, concurrency=concurrency)
        self._versions.setdefault(name, {})[number] = fn
        self._index[f"{arn}:{number}"] = (name, number)
        return fn

    def register_alias(self, resource: Resource) -> AliasConfig:
        props = resource.properties
        routing = (props.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or []
        return self.put_alias(
            str(props["FunctionName"]),
            str(props["Name"]),
            str(props["FunctionVersion"]),
            weights=[(str(w["FunctionVersion"]), float(w["FunctionWeight"])) for w in routing],
            description=str(props.get("Description") or ""),
        )

    def put_alias(
        self,
        function: str,
        alias: str,
        version: str,
        *,
        weights: Sequence[tuple[str, float]] = (),
        description: str = "",
    ) -> AliasConfig:
        name, _ = split_reference(self._canonical(function))
        for v, weight in [(version, 1.0), *weights]:
            if v != LATEST and v not in self._versions.get(name, {}):
                raise ValueError(f"{name}: alias {alias} points at unknown version {v}")
            if not 0.0 <= weight <= 1.0:
                raise ValueError(f"{name}: alias {alias} weight {weight} is not within 0..1")
        arn = f"{self.function_arn(name)}:{alias}"
        latest = self._functions.get(name)
        if latest is not None:
            arn = f"{latest.config.arn}:{alias}"
        config = AliasConfig(
            name=alias,
            function=name,
            arn=arn,
            version=version,
            weights=tuple(weights),
            description=description,
        )
        self._aliases.setdefault(name, {})[alias] = config
        self._index[arn] = (name, alias)
        return config

    def register_layer(self, resource: Resource, asset_dir: Path) -> str:
        """Add an AWS::Lambda::LayerVersion (physical id: its version ARN) with its contents."""
        arn = resource.physical_id
        if not Path(asset_dir).is_dir():
            raise ValueError(f"layer {arn}: content {asset_dir} is not a directory")
        self._layers[arn] = Path(asset_dir).resolve()
        return arn

    def register_event_invoke_config(self, resource: Resource) -> EventInvokeConfig:
        props = resource.properties
        return self.put_event_invoke_config(
            str(props["FunctionName"]), str(props.get("Qualifier") or LATEST), props
        )

    def put_event_invoke_config(
        self, function: str, qualifier: str, props: dict[str, Any]
    ) -> EventInvokeConfig:
        name, _ = split_reference(self._canonical(function))
        config = EventInvokeConfig.from_properties(f"{self.function_arn(name)}:{qualifier}", props)
        self._event_configs[(name, qualifier)] = config
        return config

    def register_deployment(self, deployment: Deployment) -> list[str]:
        """Register every Lambda resource of a provisioned deployment, in dependency order.

        Returns one warning per resource that could not be registered (and the runtime
        warnings); the others are registered."""
        problems: list[str] = []
        order = (
            "AWS::Lambda::LayerVersion",
            "AWS::Lambda::Function",
            "AWS::Lambda::Version",
            "AWS::Lambda::Alias",
            "AWS::Lambda::EventInvokeConfig",
        )
        for type_name in order:
            for resource in deployment.resources(type_name):
                where = f"{resource.stack}/{resource.logical_id}"
                try:
                    if type_name == "AWS::Lambda::LayerVersion":
                        asset = asset_dir_of(deployment, resource)
                        if asset is None:
                            raise ValueError("no content asset")
                        self.register_layer(resource, asset)
                    elif type_name == "AWS::Lambda::Function":
                        self.register(resource, asset_dir_of(deployment, resource))
                    elif type_name == "AWS::Lambda::Version":
                        self.register_version(resource)
                    elif type_name == "AWS::Lambda::Alias":
                        self.register_alias(resource)
                    else:
                        self.register_event_invoke_config(resource)
                except (ValueError, KeyError, FunctionNotFoundError) as e:
                    problems.append(f"{where}: not runnable: {e}")
        return problems + self.warnings()

    def start_spares(self) -> None:
        """One spare environment per Python function (`spares`, `limit` in all), so that
        each first cold start finds boto3 imported. Call on the event loop."""
        command = (sys.executable, str(BOOTSTRAP))
        wanted: dict[Any, tuple[str, dict[str, str], int]] = {}
        for fn in self._functions.values():
            config = fn.config
            if config.family != "python":
                continue
            env = worker_environment(config, self.settings, None, "", opt_dir=self._opt_dir(config))
            cwd = str(config.asset_dir)
            key = spare_key(command, cwd, env)
            count = wanted[key][2] + 1 if key in wanted else 1
            wanted[key] = (cwd, env, count)
        for key, (cwd, env, count) in wanted.items():
            self.spares.ensure(key, command, cwd, env, count)

    def function_arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.settings.region}:{self.settings.account_id}:function:{name}"

    # Reading (the control plane) ------------------------------------------------------
    def get(self, function: str) -> FunctionConfig:
        """The configuration a reference names (an alias: its primary version's)."""
        name, qualifier = self._locate(function)
        return self._select(name, qualifier, weighted=False).fn.config

    def functions(self) -> list[FunctionConfig]:
        return [fn.config for fn in self._functions.values()]

    def versions(self, function: str) -> list[FunctionConfig]:
        """$LATEST then the published versions in order."""
        name, _ = self._locate(function)
        published = sorted(self._versions.get(name, {}).items(), key=lambda kv: int(kv[0]))
        latest = [self._functions[name].config] if name in self._functions else []
        return latest + [fn.config for _, fn in published]

    def aliases(self, function: str) -> list[AliasConfig]:
        name, _ = self._locate(function)
        return sorted(self._aliases.get(name, {}).values(), key=lambda a: a.name)

    def alias(self, function: str, alias: str) -> AliasConfig:
        name, _ = self._locate(function)
        found = self._aliases.get(name, {}).get(alias)
        if found is None:
            raise FunctionNotFoundError(f"{self.function_arn(name)}:{alias}")
        return found

    def event_invoke_config(self, function: str, qualifier: str | None = None) -> EventInvokeConfig:
        """The qualifier's config; one with Lambda's defaults (configured=False) if none."""
        name, ref_qualifier = self._locate(function)
        q = qualifier or ref_qualifier or LATEST
        self._select(name, q, weighted=False)  # unknown qualifier: ResourceNotFound
        found = self._event_configs.get((name, q))
        return found or EventInvokeConfig(function_arn=f"{self.function_arn(name)}:{q}")

    def layer_dir(self, arn: str) -> Path | None:
        return self._layers.get(arn)

    # Resolution -----------------------------------------------------------------------
    def _canonical(self, ref: str) -> str:
        hit = self._index.get(ref)
        if hit is not None:
            return hit[0] if hit[1] is None else f"{hit[0]}:{hit[1]}"
        return ref

    def _locate(self, ref: str) -> tuple[str, str | None]:
        hit = self._index.get(ref)
        if hit is not None:
            return hit
        name, qualifier = split_reference(ref)
        hit = self._index.get(name)
        if hit is None or hit[1] is not None:
            raise FunctionNotFoundError(ref)
        return hit[0], qualifier

    def _select(self, name: str, qualifier: str | None, *, weighted: bool = True) -> _Target:
        latest = self._functions.get(name)
        arn = latest.config.arn if latest else self.function_arn(name)
        if qualifier is None or qualifier == LATEST:
            if latest is None:
                raise FunctionNotFoundError(arn)
            if qualifier is None:
                return _Target(latest, arn, LATEST)
            return _Target(latest, f"{arn}:{LATEST}", LATEST, LATEST)
        version = self._versions.get(name, {}).get(qualifier)
        if version is not None:
            return _Target(version, f"{arn}:{qualifier}", qualifier, qualifier)
        alias = self._aliases.get(name, {}).get(qualifier)
        if alias is None:
            raise FunctionNotFoundError(f"{arn}:{qualifier}")
        chosen = alias.version
        if weighted and alias.weights:
            roll = self._rng.random()
            for other, weight in alias.weights:
                if roll < weight:
                    chosen = other
                    break
                roll -= weight
        fn = latest if chosen == LATEST else self._versions.get(name, {}).get(chosen)
        if fn is None:
            raise FunctionNotFoundError(f"{arn}:{qualifier}")
        return _Target(fn, alias.arn, qualifier, qualifier)

    def _resolve(self, ref: str) -> _Target:
        name, qualifier = self._locate(ref)
        return self._select(name, qualifier)

    def recent(self, name: str) -> list[InvocationRecord]:
        """The function's last invocations (every version), newest first."""
        return self.recent_invocations.of(name)

    def stats(self) -> dict[str, FunctionStats]:
        """Per function ($LATEST by name) and per published version ('name:N')."""
        pools = [(name, fn) for name, fn in self._functions.items()]
        for name, versions in self._versions.items():
            pools += [(f"{name}:{number}", fn) for number, fn in versions.items()]
        out = {}
        for key, fn in pools:
            s = fn.stats
            out[key] = FunctionStats(
                cold_starts=s.cold_starts,
                init_durations_ms=list(s.init_durations_ms),
                invocations=s.invocations,
                errors=s.errors,
                timeouts=s.timeouts,
                throttles=s.throttles,
                workers=self.pool.idle_count(fn) + fn.busy,
            )
        return out

    # Invoke ---------------------------------------------------------------------------
    async def invoke(
        self,
        function: str,
        payload: bytes,
        *,
        invocation_type: str = "RequestResponse",
        client_context: str | None = None,
        log_type: str | None = None,
    ) -> InvokeResult:
        target = self._resolve(function)
        if invocation_type == "DryRun":
            return RuntimeInvokeResult(
                status_code=204, payload=b"", executed_version=target.fn.config.version
            )
        request_id = str(uuid.uuid4())
        if invocation_type == "Event":
            # Accepted means queued on disk (core.pending): run again after a crash.
            state = durable.active()
            token = None
            if state is not None and not self._closing:
                token, ticket = state.delivery_accepted(
                    EVENT_KIND,
                    {
                        "function": function,
                        "payload": payload,
                        "request_id": request_id,
                        "client_context": client_context,
                    },
                )
                await state.durable(ticket)
            self._enqueue(target, payload, request_id, client_context, token)
            return RuntimeInvokeResult(
                status_code=202,
                payload=b"",
                request_id=request_id,
                executed_version=target.fn.config.version,
            )
        return await self._execute(target, payload, request_id, client_context, log_type == "Tail")

    def redeliver_events(self) -> int:
        """Queue again the Event invocations the last run accepted and did not finish."""
        state = durable.active()
        if state is None:
            return 0
        count = 0
        for token, kind, data in state.deliveries.outstanding():
            if kind != EVENT_KIND:
                continue
            try:
                target = self._resolve(data["function"])
            except FunctionNotFoundError:
                logger.warning("Event invocation of %s not run again: no such function", data)
                state.delivery_done(token)
                continue
            self._enqueue(
                target, data["payload"], data["request_id"], data["client_context"], token
            )
            count += 1
        return count

    def _enqueue(
        self,
        target: _Target,
        payload: bytes,
        request_id: str,
        client_context: str | None,
        token: str | None = None,
    ) -> None:
        name = target.fn.config.name
        config = self._event_configs.get((name, target.qualifier)) or EventInvokeConfig()
        record_arn = target.invoked_arn
        if target.qualifier == LATEST and not record_arn.endswith(f":{LATEST}"):
            record_arn = f"{record_arn}:{LATEST}"  # the record names $LATEST explicitly
        event = AsyncEvent(
            request_id=request_id,
            payload=payload,
            function_arn=record_arn,
            enqueued_at=time.time(),
            dead_letter_arn=target.fn.config.dead_letter_arn,
        )

        async def attempt() -> InvokeResult:
            # Queued Event invocations wait for a local worker as long as it takes.
            return await self._execute(
                target, payload, request_id, client_context, False, bounded=False
            )

        async def run() -> None:
            await self._delivery.run(event, config, attempt, self.account.wait_for_release)
            state = durable.active()
            if token is not None and state is not None:
                state.delivery_done(token)  # ran (or went to its destination/DLQ) for good

        self._track(self._events, run())

    def _current(self, fn: _Function) -> bool:
        """Still the deployed code (not replaced by a re-register meanwhile)."""
        if fn.config.version == LATEST:
            return self._functions.get(fn.config.name) is fn
        return self._versions.get(fn.config.name, {}).get(fn.config.version) is fn

    async def _execute(
        self,
        target: _Target,
        payload: bytes,
        request_id: str,
        client_context: str | None,
        tail: bool,
        *,
        bounded: bool = True,
    ) -> RuntimeInvokeResult:
        fn = target.fn
        if self._closing:
            raise FunctionThrottledError(fn.config.name, "ShuttingDown")
        try:
            lease = self.account.acquire(fn.concurrency)  # AWS's limits: may throttle
        except FunctionThrottledError:
            fn.stats.throttles += 1
            if self.metrics is not None:
                self.metrics.throttled(fn.config.name, target.named, fn.config.version)
            raise
        fn.busy += 1
        if self.metrics is not None:
            self.metrics.started(fn.config.name, target.named, fn.config.version)
        try:
            # The machine's bound: may wait, never throttles. The function's timeout starts
            # once a worker runs it.
            estimates = (
                fn.estimates(cold_start_crowding(self._cold_starts_under_way))
                if self._warm_waits
                else None
            )
            worker = await self.pool.checkout(fn, bounded=bounded, estimates=estimates)
        except BaseException:
            self._ended(target, lease)
            raise
        try:
            return await self._run(target, fn, worker, payload, request_id, client_context, tail)
        finally:
            self._ended(target, lease)

    def _ended(self, target: _Target, lease: Lease) -> None:
        fn = target.fn
        fn.busy -= 1
        self.account.release(lease)
        if self.metrics is not None:
            self.metrics.ended(fn.config.name, target.named, fn.config.version)

    async def _run(
        self,
        target: _Target,
        fn: _Function,
        worker: Worker | None,
        payload: bytes,
        request_id: str,
        client_context: str | None,
        tail: bool,
    ) -> RuntimeInvokeResult:
        config = fn.config
        events: LogEvents = []
        init_ms: float | None = None
        report: InitReport | None = None
        trace = xray_recorder.lambda_begin(config.tracing_mode)
        try:
            late_ms = 0.0  # of a suppressed init: spent in the invocation's time
            if worker is None:  # a slot for a cold start
                worker, report = await self._cold_start(fn)
                init_ms = report.duration_ms
                events.extend(report.logs)
                if report.suppressed_ms is not None:
                    # The init ran past the phase's limit: Lambda "retries the Init phase at
                    # the time of the first function invocation with the configured function
                    # timeout" (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html).
                    # Locally the same init goes on rather than starting again (module doc).
                    events.append(platform_log.init_timed_out(config, report.suppressed_ms))
                    late_ms = report.late_ms
            fn.stats.invocations += 1
            events.append(platform_log.start(config, request_id))
            if report is not None:
                events.extend(report.late_logs)
            if report is not None and (report.error is not None or report.timed_out):
                outcome = _init_failure(report, request_id, config.family)
                _traced(trace, target, request_id, init_ms, None, outcome)
                reported_init = None if report.suppressed_ms is not None else init_ms
                result = self._finish(
                    fn, worker, request_id, events, outcome, late_ms, reported_init, tail
                )
                return self._measured(target, result, late_ms)
            remaining_s = max(config.timeout_s - late_ms / 1000, 0.001)
            meta = {
                "id": request_id,
                "arn": target.invoked_arn,
                "deadline_ms": now_ms() + int(remaining_s * 1000),
                "client_context": client_context,
                "trace_id": trace.function_header,  # _X_AMZN_TRACE_ID for this invocation
            }
            started = time.perf_counter()
            invoked_at = time.time()
            outcome = await worker.invoke(meta, payload, remaining_s, events)
            duration_ms = (time.perf_counter() - started) * 1000
            fn.measured(duration_ms, init_ms)
            if report is not None and report.suppressed_ms is not None:
                # Billed and reported as the invocation's time; no Init Duration of its own.
                duration_ms += late_ms
                invoked_at -= late_ms / 1000
                init_ms = None
            _traced(trace, target, request_id, init_ms, (invoked_at, duration_ms), outcome)
            result = self._finish(
                fn, worker, request_id, events, outcome, duration_ms, init_ms, tail
            )
            return self._measured(target, result, duration_ms)
        finally:
            if worker is None:
                self.pool.release_slot(fn)  # the cold start itself raised
            else:
                reusable = worker.alive and self._current(fn) and not self._closing
                self.pool.checkin(fn, worker, reusable=reusable)
                if not reusable:
                    self._dispose(worker)

    def _measured(
        self, target: _Target, result: RuntimeInvokeResult, duration_ms: float
    ) -> RuntimeInvokeResult:
        """Record the invocation's AWS/Lambda metrics under the qualifier it was called by."""
        self.recent_invocations.called_as(target.fn.config.name, result.request_id, target.named)
        if self.metrics is not None:
            config = target.fn.config
            self.metrics.invoked(
                config.name,
                target.named,
                config.version,
                error=result.function_error is not None,
                duration_ms=duration_ms,
            )
        return result

    def _dispose(self, worker: Worker) -> None:
        """Kill a worker the runtime or the pool drops, and reap it in the background."""
        self._workers.discard(worker)
        worker.kill()
        self._track(self._closers, worker.aclose())

    def principal_of(self, function: str) -> Principal:
        """The credentials (and the execution role's policies) a function runs with."""
        return self._principal(self.get(function))

    def _principal(self, config: FunctionConfig) -> Principal:
        known = self._principals.get(config.name)
        if known is not None and known[0] == config.role_arn:
            return known[1]
        role = config.role_arn or ""
        principal = self._credentials.issue(
            kind="function",
            role_arn=config.role_arn,
            policies=self._policies_for_role(role) if role else [],
            ttl_seconds=None,
            subject=config.name,
        )
        self._principals[config.name] = (config.role_arn, principal)
        return principal

    def _opt_dir(self, config: FunctionConfig) -> Path | None:
        """The layers merged in order under one directory standing in for /opt (a later
        layer's file replaces an earlier one's, as Lambda extracts them in order)."""
        dirs = []
        for arn in config.layers:
            layer = self._layers.get(arn)
            if layer is None:
                self._warn_once(
                    f"layer:{config.name}:{arn}",
                    f"{config.name}: layer {arn} is not known locally; running without it",
                )
                continue
            dirs.append(layer)
        if not dirs:
            return None
        key = hashlib.sha256("\n".join(str(d) for d in dirs).encode()).hexdigest()[:16]
        opt = self.store.root / "opt" / key
        if not opt.is_dir():
            staging = opt.with_name(f"{key}.{uuid.uuid4().hex[:8]}.tmp")
            for layer in dirs:
                copy_code_tree(layer, staging, merge=True)
            staging.mkdir(parents=True, exist_ok=True)
            try:
                staging.replace(opt)
            except OSError:  # built meanwhile by another cold start
                shutil.rmtree(staging, ignore_errors=True)
        return opt

    async def _cold_start(self, fn: _Function) -> tuple[Worker, InitReport]:
        self._cold_starts_under_way += 1
        try:
            return await self._start_worker(fn)
        finally:
            self._cold_starts_under_way -= 1

    async def _start_worker(self, fn: _Function) -> tuple[Worker, InitReport]:
        config = fn.config
        principal = self._principal(config)
        stream = new_log_stream_name(config.version)
        env = worker_environment(
            config,
            self.settings,
            principal,
            stream,
            opt_dir=self._opt_dir(config),
            node_path=self._node_path,
        )
        if config.family == "node":
            command: tuple[str, ...] = (self._node, str(NODE_BOOTSTRAP))
        else:
            command = (sys.executable, str(BOOTSTRAP))
        init_start = platform_log.init_start(config)
        cwd = str(config.asset_dir)
        key = spare_key(command, cwd, env)
        spare = self.spares.take(key) if config.family == "python" else None

        def on_stray_log(w: Worker, ts: int, text: str) -> None:
            self._ship(config, w.log_stream, [(ts, text)])

        if spare is not None:
            worker = spare
            report = await spare.assign(
                env,
                log_stream=stream,
                init_timeout_s=INIT_TIMEOUT_S,
                on_stray_log=on_stray_log,
                then_s=config.timeout_s,
            )
        else:
            worker, report = await Worker.start(
                cwd=cwd,
                env=env,
                command=command,
                log_stream=stream,
                init_timeout_s=INIT_TIMEOUT_S,
                on_stray_log=on_stray_log,
                then_s=config.timeout_s,
            )
        if config.family == "python" and not self._closing:
            self.spares.ensure(key, command, cwd, env)  # for the next cold start on this code
        self._workers.add(worker)
        fn.stats.cold_starts += 1
        fn.stats.init_durations_ms.append(report.duration_ms)
        report.logs.insert(0, init_start)
        return worker, report

    def _finish(
        self,
        fn: _Function,
        worker: Worker,
        request_id: str,
        events: LogEvents,
        outcome: Outcome,
        duration_ms: float,
        init_ms: float | None,
        tail: bool,
    ) -> RuntimeInvokeResult:
        config = fn.config
        function_error = None
        body = outcome.body
        if outcome.kind == "timeout":
            fn.stats.timeouts += 1
            function_error = "Unhandled"
            # Lambda's exact payload and log line for a timeout.
            message = (
                f"{_iso_now()} {request_id} Task timed out after {config.timeout_s:.2f} seconds"
            )
            body = json.dumps({"errorMessage": message}).encode()
            events.append((now_ms(), message))
        elif outcome.kind == "exit":
            function_error = "Unhandled"
            message = (
                f"RequestId: {request_id} Error: Runtime exited with error: {outcome.exit_status}"
            )
            body = json.dumps({"errorType": "Runtime.ExitError", "errorMessage": message}).encode()
            events.append((now_ms(), message))
        elif outcome.kind != "ok":
            function_error = "Unhandled"
        elif len(body) > MAX_RESPONSE_BYTES:
            function_error = "Unhandled"
            body = json.dumps(
                {
                    "errorMessage": "Response payload size exceeded maximum allowed payload size "
                    f"({MAX_RESPONSE_BYTES} bytes).",
                    "errorType": "Function.ResponseSizeTooLarge",
                }
            ).encode()
        if function_error:
            fn.stats.errors += 1
        events.extend(
            platform_log.end_and_report(
                config,
                request_id,
                duration_ms,
                outcome.max_memory_mb,
                init_ms,
                failed=function_error is not None,
            )
        )
        self._ship(config, worker.log_stream, events)
        self.recent_invocations.finished(
            config, request_id, outcome, body, duration_ms, init_ms, function_error
        )
        log_result = None
        if tail:
            text = "\n".join(message for _, message in events) + "\n"
            log_result = base64.b64encode(text.encode("utf-8")[-TAIL_BYTES:]).decode("ascii")
        return RuntimeInvokeResult(
            status_code=200,
            payload=body,
            function_error=function_error,
            log_result=log_result,
            executed_version=config.version,
            request_id=request_id,
        )

    def _ship(self, config: FunctionConfig, stream: str, events: LogEvents) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            for _, message in events:
                logger.debug("[%s] %s", config.name, message)
        try:
            self._log_sink.put(config.log_group, stream, events)
        except Exception as e:  # logs must never fail an invocation
            logger.warning("log sink failed for %s: %s", config.name, e)

    # Shutdown -------------------------------------------------------------------------
    @staticmethod
    def _track(tasks: set[asyncio.Task[None]], coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def aclose(self) -> None:
        """Kill every worker and drop queued Event invocations."""
        self._closing = True
        for task in list(self._events):
            task.cancel()
        await self.spares.aclose()
        workers = list(self._workers)
        self._workers.clear()
        self.pool.clear()
        await asyncio.gather(*(w.aclose() for w in workers), return_exceptions=True)
        await asyncio.gather(*self._events, *self._closers, return_exceptions=True)


def asset_dir_of(deployment: Deployment, resource: Resource) -> Path | None:
    absolute = resource.metadata.get(ASSET_DIR_KEY)
    if absolute:
        return Path(absolute)
    asset = resource.metadata.get("aws:asset:path")
    stack = deployment.stacks.get(resource.stack)
    if asset is None or stack is None or stack.assembly_dir is None:
        return None
    return stack.assembly_dir / str(asset)


def _traced(
    trace: xray_recorder.LambdaTrace,
    target: _Target,
    request_id: str,
    init_ms: float | None,
    invocation: tuple[float, float] | None,
    outcome: Outcome,
) -> None:
    """The invocation's X-Ray segments (recorder.lambda_end), from the measured windows."""
    init = None if init_ms is None else (trace.start, trace.start + init_ms / 1000.0)
    window = None if invocation is None else (invocation[0], invocation[0] + invocation[1] / 1000)
    error = None
    if outcome.kind == "error":
        try:
            error = str(json.loads(outcome.body).get("errorMessage", ""))[:500]
        except (ValueError, AttributeError):
            error = None
    xray_recorder.lambda_end(
        trace,
        function_name=target.fn.config.name,
        function_arn=target.invoked_arn,
        request_id=request_id,
        init=init,
        invocation=window,
        status=outcome.kind,
        error=error,
    )


def _init_failure(report: InitReport, request_id: str, family: str) -> Outcome:
    if report.timed_out:
        return Outcome("timeout")
    error = report.error or {}
    if family == "node":  # the Node.js runtime's shape: errorType, errorMessage, trace
        node_body = {
            "errorType": error.get("errorType", "Runtime.Unknown"),
            "errorMessage": error.get("errorMessage", ""),
            "trace": error.get("trace", []),
        }
        return Outcome("init", json.dumps(node_body).encode())
    body = {
        "errorMessage": error.get("errorMessage", ""),
        "errorType": error.get("errorType", "Runtime.Unknown"),
        "requestId": request_id,
        "stackTrace": error.get("stackTrace", []),
    }
    return Outcome("init", json.dumps(body).encode())


def _iso_now() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
