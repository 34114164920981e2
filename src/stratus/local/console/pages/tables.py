"""Tables: the deployment's DynamoDB tables per Region, and one table's items page by page.

Items are read with Scan (or Query by partition key) and `Limit`, the next page starting at
the previous page's LastEvaluatedKey (ExclusiveStartKey), as
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.Pagination
describes: the console never reads a whole table. The page token is that key as URL-safe
base64 JSON, checked against the table's key attributes on the way back (`data.dynamo`).
"""

from __future__ import annotations

import asyncio
import fnmatch
import re
from typing import Any

from botocore.exceptions import ClientError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stratus.local.console.app import console_of
from stratus.local.console.context import ConsoleContext
from stratus.local.console.data import dynamo, regions, tokens, web
from stratus.local.console.layout import ConsoleError
from stratus.local.console.pages import Page

MAX_TABLES = 100  # per Region on the list page (ListTables' own page size)
PAGE_SIZE = 25
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")


def _dax_clusters(console: ConsoleContext) -> list[tuple[str, list[str]]]:
    """Each DAX cluster of the deployment with the table ARN patterns its role may read:
    DAX is not bound to a table, it reads what its IAMRoleARN allows
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DAX.access-control.html)."""
    deployment = console.deployment
    if deployment is None:
        return []
    out = []
    for cluster in deployment.resources("AWS::DAX::Cluster"):
        role = str(cluster.properties.get("IAMRoleARN") or "")
        patterns: list[str] = []
        try:
            policies = console.cloud.policies_for_role(role) if role else []
        except Exception:  # a role the provisioner does not know: no tables named
            policies = []
        for policy in policies:
            statements = policy.get("Statement") or []
            for statement in statements if isinstance(statements, list) else [statements]:
                if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
                    continue
                resources = statement.get("Resource") or []
                patterns += [resources] if isinstance(resources, str) else list(resources)
        name = str(cluster.properties.get("ClusterName") or cluster.physical_id)
        out.append((name, [str(p) for p in patterns]))
    return out


def _describe(console: ConsoleContext, region: str, name: str) -> dynamo.TableInfo:
    client = console.aws("dynamodb", region)
    table = client.describe_table(TableName=name)["Table"]
    try:
        ttl = client.describe_time_to_live(TableName=name).get("TimeToLiveDescription")
    except ClientError:
        ttl = None
    info = dynamo.table_info(table, region, ttl)
    for cluster, patterns in _dax_clusters(console):
        if any(fnmatch.fnmatchcase(info.arn, p) for p in patterns if p.startswith("arn:")):
            info.dax.append(cluster)
    return info


def _list(console: ConsoleContext, wanted: list[str]) -> tuple[list[dynamo.TableInfo], bool]:
    found: list[dynamo.TableInfo] = []
    more = False
    for region in wanted:
        answer = console.aws("dynamodb", region).list_tables(Limit=MAX_TABLES)
        more = more or bool(answer.get("LastEvaluatedTableName"))
        for name in answer.get("TableNames") or []:
            try:
                found.append(_describe(console, region, name))
            except ClientError:
                continue  # deleted between the two calls
    return found, more


async def tables(request: Request) -> Response:
    console = console_of(request)
    try:
        wanted = regions.chosen(console, web.text(request, "region", 40))
    except ValueError as exc:
        raise ConsoleError(400, str(exc)) from None
    found, more = await asyncio.to_thread(_list, console, wanted)
    return web.page(
        request,
        "tables/index.html",
        title="Tables",
        active="tables",
        tables=found,
        more=more,
        limit=MAX_TABLES,
        size_text=dynamo.size_text,
    )


def _find(console: ConsoleContext, name: str, wanted: list[str]) -> dynamo.TableInfo:
    for region in wanted:
        try:
            return _describe(console, region, name)
        except ClientError as exc:
            if web.aws_error(exc, f"Table {name}").status != 404:
                raise
    raise ConsoleError(404, f"Table {name} does not exist.")


def _read(console: ConsoleContext, info: dynamo.TableInfo, params: dict[str, Any]) -> Any:
    client = console.aws("dynamodb", info.region)
    if "KeyConditionExpression" in params:
        return client.query(**params)
    return client.scan(**params)


async def table(request: Request) -> Response:
    console = console_of(request)
    name = request.path_params["name"]
    if not _TABLE_NAME.match(name):
        raise ConsoleError(404, "No table has that name.")
    try:
        wanted = regions.chosen(console, web.text(request, "region", 40))
    except ValueError as exc:
        raise ConsoleError(400, str(exc)) from None
    info = await asyncio.to_thread(_find, console, name, wanted)
    limit = web.number(request, "limit", PAGE_SIZE, 1, 100)
    index = web.text(request, "index", 255)
    if index and index not in {i.name for i in info.indexes}:
        raise ConsoleError(400, f"Table {name} has no index {index[:60]!r}.")
    pk = web.text(request, "pk", 2048)
    try:
        pager = tokens.Pager.from_query(
            web.text(request, "page", tokens.MAX_TOKEN), request.query_params.get("trail")
        )
        start = dynamo.start_key(pager.current, info.key_names(index or None))
    except tokens.TokenError as exc:
        raise ConsoleError(400, f"{exc}: open the table's first page again.") from None
    params: dict[str, Any] = {"TableName": info.name, "Limit": limit}
    if index:
        params["IndexName"] = index
    if start:
        params["ExclusiveStartKey"] = start
    hash_key = info.partition_key
    if index:
        chosen = next(i for i in info.indexes if i.name == index)
        hash_key = next((n for n, role in chosen.keys if role == "HASH"), hash_key)
    if pk:
        try:
            value = dynamo.typed_key_value(info.types.get(hash_key, "S"), pk)
        except ValueError as exc:
            raise ConsoleError(400, f"{hash_key}: {exc}") from None
        params["KeyConditionExpression"] = "#pk = :pk"
        params["ExpressionAttributeNames"] = {"#pk": hash_key}
        params["ExpressionAttributeValues"] = {":pk": value}
    try:
        answer = await asyncio.to_thread(_read, console, info, params)
    except ClientError as exc:
        raise web.aws_error(exc, f"Table {name}") from None
    items: list[dict[str, Any]] = answer.get("Items") or []
    keys = [n for n, _ in info.keys]
    cols = dynamo.columns(items, keys)
    rows = [[dynamo.show(item[c]) if c in item else None for c in cols] for item in items]
    base = f"{web.base(request)}/tables/{web.segment(info.name)}"
    keep = {
        "region": info.region,
        "limit": limit if limit != PAGE_SIZE else "",
        "index": index,
        "pk": pk,
    }
    last = answer.get("LastEvaluatedKey")
    next_link = web.link(base, {**keep, **pager.next(dynamo.key_token(last))}) if last else None
    back = pager.previous()
    prev_link = web.link(base, {**keep, **back}) if back is not None else None
    return web.page(
        request,
        "tables/table.html",
        title=info.name,
        active="tables",
        info=info,
        columns=cols,
        rows=rows,
        next_link=next_link,
        prev_link=prev_link,
        first_link=web.link(base, keep) if pager.current else None,
        number=pager.number,
        limit=limit,
        index=index,
        pk=pk,
        hash_key=hash_key,
        size_text=dynamo.size_text,
        scanned=answer.get("ScannedCount"),
    )


PAGE = Page(
    "tables",
    "Tables",
    50,
    lambda console: [
        Route("/tables", tables, methods=["GET", "HEAD"]),
        Route("/tables/{name}", table, methods=["GET", "HEAD"]),
    ],
)
