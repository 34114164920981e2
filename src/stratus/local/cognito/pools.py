"""Read (and, for trigger outcomes, adjust) moto's user pools in place.

The registry's stated way to reach moto is a boto3 client through the endpoint; the triggers
are the exception that `core.context` allows: they run inside Cognito's own hooks, on every
sign-up and sign-in, and need what the API does not show (a user's `sub` by client id, the
status the pre sign-up answer sets). So this module, and only it, touches moto's cognito-idp
backend objects directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stratus.local.core.durable import mutate, operation

# Cognito's callerContext.clientId for operations made with IAM credentials (AdminCreateUser,
# AdminConfirmSignUp, ...), which name no app client.
NO_CLIENT = "CLIENT_ID_NOT_APPLICABLE"


def _pools() -> Iterator[Any]:
    from moto.cognitoidp.models import cognitoidp_backends

    for regions in list(cognitoidp_backends.values()):
        for backend in list(regions.values()):
            yield from list(backend.user_pools.values())


def all_pools() -> list[Any]:
    """Every user pool of every account and region moto holds."""
    return list(_pools())


def pool_by_id(pool_id: str) -> Any | None:
    for pool in _pools():
        if pool.id == pool_id:
            return pool
    return None


def pool_by_client(client_id: str) -> Any | None:
    for pool in _pools():
        if client_id in pool.clients:
            return pool
    return None


def lambda_config(pool: Any) -> dict[str, Any]:
    """The pool's LambdaConfig as the API shows it (CreateUserPool / UpdateUserPool)."""
    config = pool.extended_config.get("LambdaConfig") or {}
    return dict(config) if isinstance(config, dict) else {}


def find_user(pool: Any, username: str) -> Any | None:
    """A user by username or alias attribute, as Cognito resolves sign-in names."""
    return pool._get_user(username) if username else None


def user_attributes(user: Any) -> dict[str, str]:
    """`request.userAttributes` as Cognito sends it: the attributes plus `sub` and status.

    https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-identity-pools-working-with-aws-lambda-triggers.html
    (common parameters; the `sub` and `cognito:user_status` keys appear in every event
    Cognito sends about an existing user).
    """
    attributes = {str(a["Name"]): str(a["Value"]) for a in user.attributes}
    attributes.setdefault("sub", str(user.id))
    status = user.status
    attributes["cognito:user_status"] = str(getattr(status, "value", status))
    return attributes


def confirm(user: Any) -> None:
    # Through the journal: a direct change of moto's objects must survive a restart too.
    mutate("cognito.confirm", pool_id=str(user.user_pool_id), username=str(user.username))


@operation("cognito.confirm", services=("cognito-idp",))
def _confirm(pool_id: str, username: str) -> None:
    from moto.cognitoidp.models import UserStatus

    pool = pool_by_id(pool_id)
    user = find_user(pool, username) if pool is not None else None
    if user is not None:
        user.status = UserStatus.CONFIRMED


def is_confirmed(user: Any) -> bool:
    from moto.cognitoidp.models import UserStatus

    return bool(user.status == UserStatus.CONFIRMED)


def mark_verified(user: Any, attribute: str) -> None:
    """Set `<attribute>_verified` to true (e.g. email -> email_verified)."""
    mutate(
        "cognito.mark-verified",
        pool_id=str(user.user_pool_id),
        username=str(user.username),
        attribute=attribute,
    )


@operation("cognito.mark-verified", services=("cognito-idp",))
def _mark_verified(pool_id: str, username: str, attribute: str) -> None:
    pool = pool_by_id(pool_id)
    user = find_user(pool, username) if pool is not None else None
    if user is not None:
        user.update_attributes([{"Name": f"{attribute}_verified", "Value": "true"}])
