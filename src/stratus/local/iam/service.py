"""IAM roles and policies (moto keeps them; the local cloud evaluates them), and STS
answered by the local cloud (`sts.py`): who the caller is and the sessions it starts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService, Hook
from stratus.local.iam.providers import (
    ManagedPolicyProvider,
    OidcProviderProvider,
    PolicyProvider,
    RoleProvider,
)
from stratus.local.iam.sts import StsApi
from stratus.local.iam.users import (
    AccessKeyProvider,
    GroupProvider,
    UserProvider,
    UserToGroupAdditionProvider,
    install_user_ids,
)
from stratus.local.iam.web_identity import WebIdentityVerifier
from stratus.local.provision.provider import Provider


def _local_pool_exists(pool_id: str) -> bool:
    from stratus.local.cognito.pools import pool_by_id

    return pool_by_id(pool_id) is not None


class IamService(EmulatedService):
    name = "iam"
    order = 5
    moto_backends = ("iam", "sts")
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::IAM::Role": RoleProvider(),
        "AWS::IAM::Policy": PolicyProvider(),
        "AWS::IAM::ManagedPolicy": ManagedPolicyProvider(),
        "AWS::IAM::OIDCProvider": OidcProviderProvider(),
        "AWS::IAM::User": UserProvider(),
        "AWS::IAM::Group": GroupProvider(),
        "AWS::IAM::AccessKey": AccessKeyProvider(),
        "AWS::IAM::UserToGroupAddition": UserToGroupAdditionProvider(),
    }

    def __init__(self) -> None:
        self.sts: StsApi | None = None

    def hooks(self) -> Iterable[Hook]:
        async def sts(call: AwsCall) -> Response | None:
            return None if self.sts is None else await self.sts(call)

        return [Hook("sts", op, before=sts) for op in StsApi.OPERATIONS]

    async def prepare(self, cloud: CloudContext) -> None:
        """Before provisioning: custom resources' functions may already call STS."""
        install_user_ids()
        directory = cloud.credentials.directory
        verifier = WebIdentityVerifier(directory.oidc_provider, cloud.keys.jwks, _local_pool_exists)
        self.sts = StsApi(cloud.credentials, verifier, account=cloud.settings.account_id)


SERVICES = [IamService]
