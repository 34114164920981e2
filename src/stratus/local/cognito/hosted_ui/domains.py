"""User-pool domains and the local names they are served under.

A prefix domain `<prefix>.auth.<region>.amazoncognito.com` is served locally as
`https://<prefix>.auth.<region>.localhost:<gateway port>/` (Chromium and curl resolve
`*.localhost` to loopback, RFC 6761), and, for clients that cannot resolve it, at
`https://127.0.0.1:<port>/_stratus/domains/<local name>/` — the gateway's alias path for
custom domains. A custom domain (CustomDomainConfig) keeps its own name, served by Host and
alias the same way.

Domains are read live from moto's cognito-idp backend (CreateUserPoolDomain through the API
counts as much as a CloudFormation resource), so nothing here is kept in step by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

ALIAS_PREFIX = "/_stratus/domains/"  # the gateway's (gateway/domains.py) alias path
AWS_SUFFIX = "amazoncognito.com"
LOCAL_SUFFIX = "localhost"


@dataclass(frozen=True)
class HostedDomain:
    domain: str  # as CreateUserPoolDomain named it: a prefix, or a custom domain's FQDN
    pool_id: str
    region: str
    custom: bool

    @property
    def aws_name(self) -> str:
        return self.domain if self.custom else f"{self.domain}.auth.{self.region}.{AWS_SUFFIX}"

    @property
    def local_name(self) -> str:
        return self.domain if self.custom else f"{self.domain}.auth.{self.region}.{LOCAL_SUFFIX}"


def live_domains() -> Iterator[HostedDomain]:
    """Every user-pool domain moto holds, in every region."""
    from moto.cognitoidp.models import cognitoidp_backends

    for regions in list(cognitoidp_backends.values()):
        for region, backend in list(regions.items()):
            for name, domain in list(backend.user_pool_domains.items()):
                custom = bool(domain.custom_domain_config)
                yield HostedDomain(name.lower(), domain.user_pool_id, region, custom)


def by_name(name: str) -> HostedDomain | None:
    """The domain whose local (or AWS) name is `name` (lower-cased, no port)."""
    name = name.lower()
    for domain in live_domains():
        if name in (domain.local_name, domain.aws_name):
            return domain
    return None


def for_pool(pool_id: str) -> list[HostedDomain]:
    return [d for d in live_domains() if d.pool_id == pool_id]


def split_alias(path: str) -> tuple[str, str] | None:
    """`/_stratus/domains/<name>/<rest>` -> (name, "/<rest>"); None for other paths."""
    if not path.startswith(ALIAS_PREFIX):
        return None
    name, _, rest = path[len(ALIAS_PREFIX) :].partition("/")
    return (name.lower(), "/" + rest) if name else None


def local_url(domain: HostedDomain, gateway_origin: str, *, alias: bool = True) -> str:
    """The domain's local base URL (no trailing slash). `alias`: the gateway path form,
    which every client can resolve; else `https://<local name>:<port>`."""
    if alias:
        return f"{gateway_origin}{ALIAS_PREFIX}{domain.local_name}"
    port = gateway_origin.rsplit(":", 1)[-1]
    return f"https://{domain.local_name}:{port}"
