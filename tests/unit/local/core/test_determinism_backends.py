"""A moto backend created on first use has the same ids however it is first reached: by a
read outside any journaled request (as the ALB provider's DescribeVpcs reaches EC2 on a
fresh start), by a journaled write, or by replay after `kill -9`. Found when a restart after
`kill -9` replayed CreateTargetGroup against a default VPC with another id."""

from __future__ import annotations

from typing import Any

from stratus.local.core import determinism

CLOCK = 1_764_500_000.0


def _ec2_backends() -> Any:
    """moto's EC2 backends, imported only after `determinism.install()`: motofast's EC2
    catalogue must be in place before anything imports moto's EC2 (at collection time too)."""
    determinism.install()
    from moto.ec2.models import ec2_backends

    return ec2_backends


def _default_vpc(account: str, region: str) -> tuple[str, list[str]]:
    """The default VPC's id and its subnets' ids."""
    backend: Any = _ec2_backends()[account][region]
    vpc = next(v for v in backend.vpcs.values() if v.is_default)
    subnets = sorted(s.id for zone in backend.subnets.values() for s in zone.values())
    return vpc.id, subnets


def _forget(account: str) -> None:
    dict.pop(_ec2_backends(), account, None)


def test_a_backend_first_reached_by_a_read_has_the_ids_replay_gives_it() -> None:
    determinism.install()
    account, region = "111122223333", "eu-west-3"
    _forget(account)
    by_read = _default_vpc(account, region)  # no journaled request around it
    _forget(account)
    with determinism.context(12345, CLOCK):
        by_write = _default_vpc(account, region)
    _forget(account)
    with determinism.context(999, CLOCK, replaying=True):
        by_replay = _default_vpc(account, region)
    _forget(account)
    assert by_read == by_write == by_replay


def test_the_seed_is_what_the_backend_is() -> None:
    determinism.install()
    _forget("111122223334")
    _forget("111122223335")
    assert _default_vpc("111122223334", "eu-west-3") != _default_vpc("111122223335", "eu-west-3")
    _forget("111122223334")
    _forget("111122223335")
