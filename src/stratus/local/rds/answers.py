"""moto's RDS describe answers with the local endpoints filled in.

moto names every DB `<id>.cluster-<random>.<region>.rds.amazonaws.com`; for the DBs the
local cloud serves, DescribeDBClusters / DescribeDBInstances (moto's XML, forwarded past the
hooks) are corrected to where the server listens: DBCluster's Endpoint / ReaderEndpoint /
Port and DBInstance's Endpoint.Address / Endpoint.Port / DbInstancePort
(https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBCluster.html,
https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html).
DBs that moto only records (created through the API, not a template) keep moto's values.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from stratus.local.rds.pool import Endpoint


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(parent: ET.Element, name: str) -> ET.Element | None:
    for child in parent:
        if _local(child.tag) == name:
            return child
    return None


def _set(parent: ET.Element, name: str, value: str) -> None:
    child = _child(parent, name)
    if child is not None:
        child.text = value


def rewrite(body: bytes, endpoints: Mapping[str, Endpoint]) -> bytes:
    """`body` with each served DB's endpoint replaced; unchanged when none is in it."""
    if not endpoints or b"<Endpoint" not in body:
        return body
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return body
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    changed = False
    for element in root.iter():
        kind = _local(element.tag)
        if kind not in ("DBCluster", "DBInstance"):
            continue
        arn = _child(element, f"{kind}Arn")
        endpoint = endpoints.get((arn.text or "") if arn is not None else "")
        if endpoint is None:
            continue
        changed = True
        port = str(endpoint.port)
        if kind == "DBCluster":
            _set(element, "Endpoint", endpoint.host)
            _set(element, "ReaderEndpoint", endpoint.host)
            _set(element, "Port", port)
            continue
        address = _child(element, "Endpoint")
        if address is not None:
            _set(address, "Address", endpoint.host)
            _set(address, "Port", port)
        _set(element, "DbInstancePort", port)
    if not changed:
        return body
    if namespace:
        ET.register_namespace("", namespace)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
