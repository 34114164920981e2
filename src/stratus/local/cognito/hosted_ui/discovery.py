"""The OIDC discovery document of a user pool, naming the local endpoints.

Cognito serves it at
`https://cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/openid-configuration`
(https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-userpools-server-contract-reference.html):
the issuer is that URL's base (the tokens' `iss`), `jwks_uri` is beside it, and the
authorization, token, userInfo, revocation and logout endpoints are on the pool's domain.
Locally the pool's JWKS is on the AWS endpoint and the endpoints on the domain's local URL.
"""

from __future__ import annotations

from typing import Any

from stratus.local.cognito.jwt_verify import issuer_for


def document(region: str, pool_id: str, aws_endpoint: str, hosted: str | None) -> dict[str, Any]:
    """`hosted`: the pool's domain's local base URL (None: the pool has no domain yet)."""
    doc: dict[str, Any] = {
        "issuer": issuer_for(region, pool_id),
        "jwks_uri": f"{aws_endpoint.rstrip('/')}/{pool_id}/.well-known/jwks.json",
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "token"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
    }
    if hosted is not None:
        doc.update(
            {
                "authorization_endpoint": f"{hosted}/oauth2/authorize",
                "token_endpoint": f"{hosted}/oauth2/token",
                "userinfo_endpoint": f"{hosted}/oauth2/userInfo",
                "revocation_endpoint": f"{hosted}/oauth2/revoke",
                "end_session_endpoint": f"{hosted}/logout",
            }
        )
    return doc
