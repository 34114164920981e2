"""One botocore data loader for every boto3 session of the local cloud's process.

Each botocore session makes its own `Loader`, and a loader keeps every JSON document it
read (service models, endpoint rulesets, partitions) parsed in memory for the life of the
process. `stratus up` opens a session per region for its own clients, one for the request
router's service index and more for its services, so the same models were held three
times over (measured: 13.4 MB of JSON, 9.3 MB of it distinct, ~4x that as Python objects).
The documents are read-only to botocore, so sessions made here share one loader; moto's own
loader (its models carry moto's extras) stays apart.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3.session
import botocore.loaders
import botocore.session


@functools.cache
def shared_loader() -> botocore.loaders.Loader:
    return botocore.loaders.create_loader()


def botocore_session() -> botocore.session.Session:
    """A new botocore session whose data comes from the shared loader."""
    session = botocore.session.get_session()
    session.register_component("data_loader", shared_loader())
    return session


def boto3_session(**kwargs: Any) -> boto3.session.Session:
    """`boto3.session.Session(**kwargs)` on the shared loader."""
    session = boto3.session.Session(botocore_session=botocore_session(), **kwargs)
    # boto3 appends its own data directory to the loader's search paths on every session.
    paths = shared_loader().search_paths
    paths[:] = list(dict.fromkeys(paths))
    return session
