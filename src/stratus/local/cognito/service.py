"""Cognito as an emulated service: moto's user and identity pools plus what moto lacks —
our signing key and JWKS, checked confirmation codes, per-user identity-pool credentials,
and the user pools' Lambda triggers (`flows`, `sign_in`, `tokens`, run through our Lambda
runtime by function ARN)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, ClassVar

from starlette.responses import JSONResponse, Response

from stratus.local.cognito import email_mfa, jwt_verify, pools, secret_hash, sessions, srp, tokens
from stratus.local.cognito.auth_flows import AuthFlows
from stratus.local.cognito.auth_sessions import AuthSessions
from stratus.local.cognito.codes import OUTBOX_FILE, ConfirmationCodes
from stratus.local.cognito.custom_auth import CustomAuth
from stratus.local.cognito.email_mfa import MfaPreferences, PoolEmailMfa
from stratus.local.cognito.flows import SignUpFlows
from stratus.local.cognito.hosted_ui.providers import ResourceServerProvider
from stratus.local.cognito.hosted_ui.site import HostedUi
from stratus.local.cognito.identity_pool import IdentityPoolService
from stratus.local.cognito.keys import JWKS_PATH
from stratus.local.cognito.mfa import SoftwareTokens
from stratus.local.cognito.moto_sign_in import MotoSignIn
from stratus.local.cognito.providers import (
    IdentityPoolProvider,
    UserPoolClientProvider,
    UserPoolDomainProvider,
    UserPoolGroupProvider,
    UserPoolProvider,
)
from stratus.local.cognito.recorded import IdentityPoolAttachmentProvider
from stratus.local.cognito.session_ops import SessionFlows
from stratus.local.cognito.sign_in import SignInTriggers
from stratus.local.cognito.triggers import TriggerInvoker
from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall
from stratus.local.core.context import CloudContext
from stratus.local.core.contracts import InvokeResult
from stratus.local.core.registry import EmulatedService, Hook, PathRoute
from stratus.local.provision.provider import Provider

# The pool settings that name a trigger function (LambdaConfig keys).
_TRIGGER_KEYS = (
    "PreSignUp",
    "PostConfirmation",
    "PreAuthentication",
    "PostAuthentication",
    "PreTokenGeneration",
    "CustomMessage",
    "DefineAuthChallenge",
    "CreateAuthChallenge",
    "VerifyAuthChallengeResponse",
    "UserMigration",
)
_NOT_EMULATED = (
    "UserMigration",
    "CustomEmailSender",
    "CustomSMSSender",
)
_IDENTITY_OPERATIONS = ("GetId", "GetCredentialsForIdentity")
# moto answers this with no authorization or token endpoint; ours lists the hosted UI's.
_DISCOVERY_PATH = r"^/([\w-]+_[0-9A-Za-z]+)/\.well-known/openid-configuration$"


class CognitoService(EmulatedService):
    name = "cognito"
    order = 20
    moto_backends = ("cognito-idp", "cognito-identity")
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::Cognito::UserPool": UserPoolProvider(),
        "AWS::Cognito::UserPoolClient": UserPoolClientProvider(),
        "AWS::Cognito::UserPoolDomain": UserPoolDomainProvider(),
        "AWS::Cognito::UserPoolGroup": UserPoolGroupProvider(),
        "AWS::Cognito::UserPoolResourceServer": ResourceServerProvider(),
        "AWS::Cognito::IdentityPool": IdentityPoolProvider(),
        "AWS::Cognito::IdentityPoolRoleAttachment": IdentityPoolAttachmentProvider(),
        "AWS::Cognito::IdentityPoolPrincipalTag": IdentityPoolAttachmentProvider(),
    }

    def __init__(self) -> None:
        self.codes: ConfirmationCodes | None = None
        self.flows: SignUpFlows | None = None
        self.sign_in: SignInTriggers | None = None
        self.sessions: SessionFlows | None = None
        self.invoker: TriggerInvoker | None = None
        self.identity: IdentityPoolService | None = None
        self.software_tokens: SoftwareTokens | None = None
        self.pool_email: PoolEmailMfa | None = None
        self._cloud: CloudContext | None = None
        # The hosted UI and OAuth endpoints; the gateway serves it on the pools' domains.
        self.gateway_site: HostedUi | None = None

    def paths(self) -> Iterable[PathRoute]:
        async def jwks(request: AwsRequest) -> Response | None:
            return None if self._cloud is None else JSONResponse(self._cloud.keys.jwks())

        async def openid_configuration(request: AwsRequest) -> Response | None:
            if self.gateway_site is None:
                return None
            pool_id = request.path.split("/")[1]
            if pools.pool_by_id(pool_id) is None:
                return None
            region = self._cloud.settings.region if self._cloud is not None else "us-east-1"
            return JSONResponse(self.gateway_site.discovery(pool_id, region))

        return [
            PathRoute(frozenset({"GET", "HEAD"}), JWKS_PATH.pattern, jwks),
            PathRoute(frozenset({"GET", "HEAD"}), _DISCOVERY_PATH, openid_configuration),
        ]

    def hooks(self) -> Iterable[Hook]:
        def flow(method: str) -> Callable[[AwsCall], Awaitable[Response | None]]:
            async def hook(call: AwsCall) -> Response | None:
                return None if self.flows is None else await getattr(self.flows, method)(call)

            return hook

        async def sign_in(call: AwsCall) -> Response | None:
            return None if self.sign_in is None else await self.sign_in.sign_in(call)

        async def pool_email(call: AwsCall) -> Response | None:
            return None if self.pool_email is None else await self.pool_email(call)

        async def software_token(call: AwsCall) -> Response | None:
            return None if self.software_tokens is None else await self.software_tokens(call)

        async def identity(call: AwsCall) -> Response | None:
            return None if self.identity is None else await self.identity(call.request)

        def session(method: str) -> Callable[[AwsCall], Awaitable[Response | None]]:
            async def hook(call: AwsCall) -> Response | None:
                flows = self.sessions
                return None if flows is None else await getattr(flows, method)(call)

            return hook

        return [
            # SECRET_HASH first: a call without it is refused before any code or trigger runs.
            *(
                Hook("cognito-idp", op, before=secret_hash.check_operation)
                for op in secret_hash.OPERATIONS
            ),
            *(Hook("cognito-idp", op, before=flow(m)) for op, m in SignUpFlows.OPERATIONS.items()),
            *(Hook("cognito-idp", op, before=sign_in) for op in SignInTriggers.OPERATIONS),
            *(Hook("cognito-idp", op, before=software_token) for op in SoftwareTokens.OPERATIONS),
            *(Hook("cognito-idp", op, before=MfaPreferences()) for op in MfaPreferences.OPERATIONS),
            *(Hook("cognito-idp", op, before=pool_email) for op in PoolEmailMfa.OPERATIONS),
            *(Hook("cognito-identity", op, before=identity) for op in _IDENTITY_OPERATIONS),
            Hook("cognito-idp", None, before=session("check_access_token")),
            *(
                Hook("cognito-idp", op, before=session(m))
                for op, m in SessionFlows.OPERATIONS.items()
            ),
        ]

    async def prepare(self, cloud: CloudContext) -> None:
        self._cloud = cloud
        cloud.keys.install()
        # Sessions and token times on the cloud clock; revoked sessions refused wherever a
        # token is verified (jwt_verify: gateway authorizers, identity pools).
        sessions.install_clock(cloud.clock)
        jwt_verify.install_revocations(sessions.is_revoked)
        self.sessions = SessionFlows(cloud.keys.jwks, cloud.forward_to_moto)
        self.codes = ConfirmationCodes(
            cloud.settings.snapshot_dir / OUTBOX_FILE,
            clock=cloud.clock.now,
            announce=lambda user, code: cloud.reporter.info(
                f"confirmation code for {user}: {code}"
            ),
        )
        self.invoker = self._trigger_invoker(cloud)
        # Before the journal replays: tokens made again on replay get the same times and
        # the same (recorded) pre token generation answers as the first time.
        loop = asyncio.get_running_loop()
        tokens.install(None if self.invoker is None else tokens.TokenTriggers(self.invoker, loop))
        self.flows = SignUpFlows(self.codes, cloud.forward_to_moto, self.invoker)
        srp.install()  # every password moto sets stores an SRP verifier
        email_mfa.install()  # moto's user and pool JSON show e-mail MFA
        auth_sessions = AuthSessions(cloud.clock.now)  # the cloud clock: tests may move it
        engine = AuthFlows(
            cloud.forward_to_moto, auth_sessions, CustomAuth(self.invoker), self.codes
        )
        self.sign_in = SignInTriggers(cloud.forward_to_moto, self.invoker, answer=engine)
        self.software_tokens = SoftwareTokens(auth_sessions, cloud.clock.now)
        self.pool_email = PoolEmailMfa(MotoSignIn(cloud.forward_to_moto))

    @staticmethod
    def _trigger_invoker(cloud: CloudContext) -> TriggerInvoker | None:
        """Triggers run in our Lambda runtime (RequestResponse, by function ARN)."""
        from stratus.local.lambda_runtime.service import LambdaService

        try:
            lambdas = cloud.service(LambdaService)
        except LookupError:
            return None

        async def invoke(function: str, payload: bytes) -> InvokeResult:
            if lambdas.runtime is None:
                raise RuntimeError("the Lambda runtime is not running")
            return await lambdas.runtime.invoke(function, payload)

        return TriggerInvoker(invoke)

    async def start(self, cloud: CloudContext) -> None:
        self.identity = IdentityPoolService(
            cloud.require_deployment(),
            cloud.credentials,
            cloud.keys,
            region=cloud.settings.region,
            policies_for_role=cloud.policies_for_role,
            token_clock=cloud.clock,
        )
        self._report_triggers(cloud)
        self.gateway_site = _hosted_ui(cloud)
        await asyncio.to_thread(_relocalize_clients, cloud)

    async def stop(self) -> None:
        tokens.install(None)
        jwt_verify.install_revocations(None)
        sessions.install_clock(None)

    def _report_triggers(self, cloud: CloudContext) -> None:
        """Name each deployed pool's triggers once; warn about what will not run."""
        from stratus.local.lambda_runtime.service import LambdaService

        runtime = None
        with contextlib.suppress(LookupError):
            runtime = cloud.service(LambdaService).runtime
        deployment = cloud.require_deployment()
        for resource in deployment.resources("AWS::Cognito::UserPool"):
            config: dict[str, Any] = resource.properties.get("LambdaConfig") or {}
            live = pools.pool_by_id(resource.physical_id)
            if live is not None:
                config = pools.lambda_config(live) or config
            named = {k: v for k, v in config.items() if k in _TRIGGER_KEYS and v}
            versioned = config.get("PreTokenGenerationConfig") or {}
            if isinstance(versioned, dict) and versioned.get("LambdaArn"):
                named["PreTokenGeneration"] = versioned["LambdaArn"]
            if not named:
                continue
            where = f"{resource.stack}/{resource.logical_id}"
            cloud.reporter.info(f"user pool {where}: triggers {', '.join(sorted(named))}")
            for key in sorted(set(named) & set(_NOT_EMULATED)):
                cloud.reporter.warn(f"user pool {where}: {key} trigger is not emulated")
            for key, function in sorted(named.items()):
                if runtime is None or self.invoker is None:
                    cloud.reporter.warn(f"user pool {where}: no Lambda runtime for {key}")
                    continue
                try:
                    runtime.get(str(function))
                except Exception:
                    cloud.reporter.warn(f"user pool {where}: {key} function {function} not found")


def _relocalize_clients(cloud: CloudContext) -> None:
    """App clients' callback URLs follow the gateway's port of this run (hosted_ui.clients)."""
    from stratus.local.cognito.hosted_ui.clients import relocalize
    from stratus.local.gateway.app import local_origins

    relocalize(cloud.require_deployment(), local_origins(cloud.settings))


def _hosted_ui(cloud: CloudContext) -> HostedUi | None:
    """The hosted UI over the in-process AWS endpoint (every Cognito hook applies)."""
    from stratus.local.gateway.app import local_origins

    if cloud.aws_endpoint is None:
        return None
    return HostedUi(
        cloud.aws_endpoint,
        cloud.keys,
        region=cloud.settings.region,
        aws_endpoint=cloud.settings.aws_endpoint,
        gateway_origin=cloud.settings.gateway_origin,
        origins=local_origins(cloud.settings),
        state_dir=cloud.settings.snapshot_dir,
    )


SERVICES = [CognitoService]
