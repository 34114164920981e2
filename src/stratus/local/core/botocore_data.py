"""One botocore data loader for every boto3 session of the local cloud's process, reading
lean documents.

Each botocore session makes its own `Loader`, and a loader keeps every JSON document it
read (service models, endpoint rulesets, partitions) parsed in memory for the life of the
process. `stratus up` opens a session per region for its own clients, one for the request
router's service index and more for its services, so the same models were held three
times over (measured: 13.4 MB of JSON, 9.3 MB of it distinct, ~4x that as Python objects).
The documents are read-only to botocore, so sessions made here share one loader; moto's own
loader (its models carry moto's extras) stays apart.

Lean documents (`LeanJSONFileLoader`). botocore parses every document into `OrderedDict`s
(a habit from before dicts kept their order) and keeps each shape's and operation's
`documentation` HTML, which only the docstrings of `help(client.method)` read. Parsed into
plain dicts, without those strings, EC2's model takes 6.8 MB of Python objects instead of
14.6 (RDS 1.6 instead of 3.9; measured with tracemalloc, botocore 1.44). No botocore, boto3
or moto code tests for `OrderedDict` or reads `documentation` while serving a call but
`ServiceModel.client_context_parameters`, which gets an empty one;
`documentation` is dropped only where its value is a string, so a member or shape that
happens to be named "documentation" (its value a dict) stays.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from typing import Any

import boto3.session
import botocore.loaders
import botocore.session

log = logging.getLogger(__name__)
_DROPPED = ("documentation", "documentationUrl")


def _lean(obj: dict[str, Any]) -> dict[str, Any]:
    for key in _DROPPED:
        if isinstance(obj.get(key), str):
            del obj[key]
    return obj


class LeanJSONFileLoader(botocore.loaders.JSONFileLoader):
    """botocore's JSON file loader, parsing into plain dicts without documentation."""

    def _load_file(self, full_path: str, open_method: Any) -> Any:
        if not os.path.isfile(full_path):
            return None
        with open_method(full_path, "rb") as fp:
            payload = fp.read().decode("utf-8")
        log.debug("Loading JSON file (lean): %s", full_path)
        data = json.loads(payload, object_hook=_lean)
        if isinstance(data, dict):
            # The one place botocore indexes `documentation` (ServiceModel's
            # client_context_parameters): an empty one, as the docstrings would show it.
            for param in (data.get("clientContextParams") or {}).values():
                param.setdefault("documentation", "")
        return data


def lean_everywhere() -> None:
    """Every botocore `Loader` made from now on in this process reads lean documents (moto
    makes one per model it loads; a plain `boto3.Session()` makes its own)."""
    botocore.loaders.Loader.FILE_LOADER_CLASS = LeanJSONFileLoader


@functools.cache
def shared_loader() -> botocore.loaders.Loader:
    loader = botocore.loaders.create_loader()
    loader.file_loader = LeanJSONFileLoader()
    return loader


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
