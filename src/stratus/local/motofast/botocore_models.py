"""moto's botocore models read lean, and its region lists without whole service models.

Two costs measured in `stratus up` after a load run (moto 5.2.5, botocore 1.44;
tracemalloc): 157 MB of botocore JSON documents held, of which

- every model moto or boto3 loads is parsed into `OrderedDict`s with each shape's HTML
  `documentation` kept: `core.botocore_data.lean_everywhere` makes every `Loader` made
  from here on read plain dicts without it (about half the size; see that module);
- each moto backend lists its regions through `AccountSpecificBackend.get_session()`, a
  plain `boto3.Session()` with its own loader, whose `get_available_regions` loads the
  service's *whole* model to read one field, `metadata.endpointPrefix`, and keeps it (and
  botocore's 7 MB `endpoints.json`, a second copy) for the life of the process: 96 documents,
  EC2's 14.6 MB among them. Here that session is one on the process's shared loader, and the
  endpoint prefix of a service botocore knows comes from the router's metadata index
  (`core.service_index`, built from the same models), so no model is loaded for it. The
  regions are the endpoint resolver's, partition by partition, exactly as botocore's
  `Session.get_available_regions` lists them
  (https://docs.aws.amazon.com/botocore/latest/reference/session.html); a name botocore does
  not know goes to moto's own method (which answers an empty list).

moto's fix would be the same: list regions from `endpoints.json` by endpoint prefix
(worth sending upstream).
"""

from __future__ import annotations

import functools
from typing import Any

_installed = False


@functools.cache
def _session() -> Any:
    from stratus.local.core.botocore_data import boto3_session

    return boto3_session()


@functools.cache
def _regions_by_prefix(endpoint_prefix: str) -> tuple[str, ...]:
    resolver = _session()._session._get_internal_component("endpoint_resolver")
    regions: list[str] = []
    for partition in resolver.get_available_partitions():
        regions += resolver.get_available_endpoints(endpoint_prefix, partition, False)
    return tuple(regions)


def regions(service_name: str) -> list[str] | None:
    """The regions moto lists for `service_name`, or None when botocore has no such
    service (moto's own method answers then)."""
    from stratus.local.core.service_index import all_services

    meta = all_services().get(service_name)
    return None if meta is None else list(_regions_by_prefix(meta.endpoint_prefix))


def install() -> None:
    global _installed
    if _installed:
        return
    from moto.core.base_backend import AccountSpecificBackend

    from stratus.local.core.botocore_data import lean_everywhere

    lean_everywhere()
    original = AccountSpecificBackend._generate_regions

    def _generate_regions(self: Any, service_name: str) -> list[str]:
        found = regions(service_name)
        return found if found is not None else list(original(self, service_name))

    AccountSpecificBackend.get_session = classmethod(lambda cls: _session())  # type: ignore[assignment,method-assign]
    AccountSpecificBackend._generate_regions = _generate_regions  # type: ignore[method-assign,assignment]
    _installed = True
