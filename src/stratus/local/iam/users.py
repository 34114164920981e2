"""IAM users' unique ids as AWS forms them.

moto 5.2.5 gives a user a random 20-character lower-case id, where IAM answers `AIDA` plus
17 upper-case characters (and `AGPA...` for a group): the prefix tells what the id is
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids).
GetUser, GetCallerIdentity and `aws:userid` must agree, so moto's constructors are wrapped
once, before any user exists, with the same generator moto uses for role ids (AROA...).
"""

from __future__ import annotations

import functools
from typing import Any

_INSTALLED = False


def install_user_ids() -> None:
    """Make moto's new IAM users and groups carry AIDA... / AGPA... ids (idempotent)."""
    global _INSTALLED
    if _INSTALLED:
        return
    from moto.iam import models
    from moto.iam.utils import generate_access_key_id_from_account_id

    def wrap(cls: Any, prefix: str) -> None:
        original = cls.__init__

        @functools.wraps(original)
        def init(self: Any, account_id: str, *args: Any, **kwargs: Any) -> None:
            original(self, account_id, *args, **kwargs)
            self.id = generate_access_key_id_from_account_id(
                account_id, prefix=prefix, total_length=21
            )

        cls.__init__ = init

    wrap(models.User, "AIDA")
    wrap(models.Group, "AGPA")
    _INSTALLED = True
