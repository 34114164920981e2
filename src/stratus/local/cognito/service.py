"""Cognito as an emulated service: moto's user and identity pools plus what moto lacks —
our signing key and JWKS, checked confirmation codes, per-user identity-pool credentials."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from starlette.responses import JSONResponse, Response

from stratus.local.aws_request import AwsRequest
from stratus.local.cognito_codes import ConfirmationCodes
from stratus.local.cognito_keys import JWKS_PATH
from stratus.local.core.call import AwsCall
from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService, Hook, PathRoute
from stratus.local.identity_pool import IdentityPoolService
from stratus.local.providers import cognito, recorded
from stratus.local.providers.base import Provider

_CODE_OPERATIONS = ("SignUp", "ResendConfirmationCode", "ConfirmSignUp")
_IDENTITY_OPERATIONS = ("GetId", "GetCredentialsForIdentity")


class CognitoService(EmulatedService):
    name = "cognito"
    order = 20
    moto_backends = ("cognito-idp", "cognito-identity")
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::Cognito::UserPool": cognito.UserPoolProvider(),
        "AWS::Cognito::UserPoolClient": cognito.UserPoolClientProvider(),
        "AWS::Cognito::UserPoolDomain": cognito.UserPoolDomainProvider(),
        "AWS::Cognito::IdentityPool": cognito.IdentityPoolProvider(),
        "AWS::Cognito::IdentityPoolRoleAttachment": recorded.IdentityPoolAttachmentProvider(),
        "AWS::Cognito::IdentityPoolPrincipalTag": recorded.IdentityPoolAttachmentProvider(),
    }

    def __init__(self) -> None:
        self.codes: ConfirmationCodes | None = None
        self.identity: IdentityPoolService | None = None
        self._cloud: CloudContext | None = None

    def paths(self) -> Iterable[PathRoute]:
        async def jwks(request: AwsRequest) -> Response | None:
            return None if self._cloud is None else JSONResponse(self._cloud.keys.jwks())

        return [PathRoute(frozenset({"GET", "HEAD"}), JWKS_PATH.pattern, jwks)]

    def hooks(self) -> Iterable[Hook]:
        async def codes(call: AwsCall) -> Response | None:
            return None if self.codes is None else await self.codes(call.request)

        async def identity(call: AwsCall) -> Response | None:
            return None if self.identity is None else await self.identity(call.request)

        return [
            *(Hook("cognito-idp", op, before=codes) for op in _CODE_OPERATIONS),
            *(Hook("cognito-identity", op, before=identity) for op in _IDENTITY_OPERATIONS),
        ]

    async def prepare(self, cloud: CloudContext) -> None:
        self._cloud = cloud
        cloud.keys.install()
        self.codes = ConfirmationCodes(
            cloud.settings.snapshot_dir / "outbox.jsonl",
            cloud.forward_to_moto,
            announce=lambda user, code: cloud.reporter.info(
                f"confirmation code for {user}: {code}"
            ),
        )

    async def start(self, cloud: CloudContext) -> None:
        self.identity = IdentityPoolService(
            cloud.require_deployment(),
            cloud.credentials,
            cloud.keys,
            region=cloud.settings.region,
            policies_for_role=cloud.policies_for_role,
        )


SERVICES = [CognitoService]
