"""AWS::Cognito::UserPoolResourceServer: the custom scopes the client credentials grant
issues (`<identifier>/<scope name>`). Ref is the identifier, as CloudFormation returns it:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cognito-userpoolresourceserver.html
"""

from __future__ import annotations

from typing import Any

from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    api_params,
    error_code,
)


class ResourceServerProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        idp = ctx.aws("cognito-idp")
        idp.create_resource_server(**api_params(idp, "CreateResourceServer", props))
        return str(props["Identifier"]), {}

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        if str(props.get("Identifier")) != physical_id:
            return None  # a new identifier replaces the resource server
        idp = ctx.aws("cognito-idp")
        idp.update_resource_server(**api_params(idp, "UpdateResourceServer", props))
        return physical_id, {}

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        pool = (ctx.old_properties or {}).get("UserPoolId")
        if not pool:
            return
        try:
            ctx.aws("cognito-idp").delete_resource_server(UserPoolId=pool, Identifier=physical_id)
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
