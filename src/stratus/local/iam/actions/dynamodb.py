"""DynamoDB and DynamoDB Streams: which action on which table, index, stream or backup.

From https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
(resources `table/T`, `table/T/index/I`, `table/T/stream/L`, `table/T/backup/B`):
- BatchGetItem / BatchWriteItem are authorized once per table they name;
- TransactGetItems / TransactWriteItems have no action of their own: each entry needs the
  item action it performs (GetItem, PutItem, UpdateItem, DeleteItem, ConditionCheckItem;
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html);
- PartiQL (ExecuteStatement, BatchExecuteStatement, ExecuteTransaction) needs
  PartiQLSelect/Insert/Update/Delete on the table (or index) its statement names;
- Query and Scan with IndexName act on the index.

Condition keys (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html):
`dynamodb:LeadingKeys` (partition key values), `dynamodb:Attributes` (top-level attribute
names the request names), `dynamodb:Select`, `dynamodb:ReturnValues`,
`dynamodb:ReturnConsumedCapacity`. The partition key of a two-attribute key is only known
from the table's schema: with the `dynamodb_hash_key` lookup it is exact; without it every
key value is listed, which can only make a `ForAllValues` condition stricter, never looser.
"""

from __future__ import annotations

import re
from typing import Any

from stratus.local.iam.actions.base import Need, Request, dedupe, is_arn, items

_NAME = re.compile(r"#[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*")
_EXPRESSION_WORDS = frozenset(
    {
        "SET", "REMOVE", "ADD", "DELETE", "AND", "OR", "NOT", "BETWEEN", "IN", "if_not_exists",
        "list_append", "attribute_exists", "attribute_not_exists", "attribute_type",
        "begins_with", "contains", "size",
    }
)  # fmt: skip
_EQUALS = re.compile(r"(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)")
# The target of a statement: `FROM "T"."I"`, `INTO "T"`, `UPDATE T`, `DELETE FROM T`.
_PARTIQL_TARGET = re.compile(
    r'^\s*UPDATE\s+((?:"(?:[^"]|"")+"|[A-Za-z0-9_.-]+)(?:\s*\.\s*"(?:[^"]|"")+")?)'
    r'|\b(?:FROM|INTO)\s+((?:"(?:[^"]|"")+"|[A-Za-z0-9_.-]+)(?:\s*\.\s*"(?:[^"]|"")+")?)',
    re.IGNORECASE,
)
_PARTIQL_PART = re.compile(r'"((?:[^"]|"")+)"|([A-Za-z0-9_-]+)')
_PARTIQL_ACTIONS = {
    "SELECT": "PartiQLSelect",
    "EXISTS": "PartiQLSelect",
    "INSERT": "PartiQLInsert",
    "UPDATE": "PartiQLUpdate",
    "DELETE": "PartiQLDelete",
}
_ITEM_OPS = {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan"}
_TRANSACT_WRITE = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def table_arn(req: Request, table: str) -> str:
    """A TableName is a name or (since 2024) the table's ARN."""
    return table if is_arn(table) else req.arn("dynamodb", f"table/{table}")


def _scalar(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        ((kind, inner),) = value.items()
        if kind in ("S", "N", "B") and isinstance(inner, str):
            return inner
    return None


def _names(expression: str | None, aliases: dict[str, str]) -> list[str]:
    """Top-level attribute names in a projection/update expression (`a.b[1]` -> `a`)."""
    if not expression:
        return []
    out: list[str] = []
    for path in re.split(r"[,()=+\-<>\s]+", expression):
        head = re.split(r"[.\[]", path, maxsplit=1)[0]
        match = _NAME.fullmatch(head)
        if not match or head in _EXPRESSION_WORDS or head.upper() in _EXPRESSION_WORDS:
            continue
        name = aliases.get(head, head) if head.startswith("#") else head
        if name not in out:
            out.append(name)
    return out


def _leading_keys(req: Request, table: str, key: dict[str, Any]) -> list[str]:
    values = {name: _scalar(v) for name, v in key.items()}
    if len(values) == 1:
        return [v for v in values.values() if v is not None]
    hash_key = req.lookup("dynamodb_hash_key", table)
    if hash_key is not None and hash_key in values:
        found = values[hash_key]
        return [found] if found is not None else []
    return [v for v in values.values() if v is not None]  # unknown schema: every value


def _query_leading_keys(req: Request, table: str, params: dict[str, Any]) -> list[str]:
    aliases = params.get("ExpressionAttributeNames") or {}
    values = params.get("ExpressionAttributeValues") or {}
    candidates: dict[str, Any] = {}
    expression = params.get("KeyConditionExpression")
    if isinstance(expression, str):
        for name, placeholder in _EQUALS.findall(expression):
            candidates[aliases.get(name, name)] = values.get(placeholder)
    for name, cond in (params.get("KeyConditions") or {}).items():
        if isinstance(cond, dict) and cond.get("ComparisonOperator") == "EQ":
            listed = cond.get("AttributeValueList") or [None]
            candidates[name] = listed[0]
    return _leading_keys(req, table, candidates) if candidates else []


def _context(req: Request, op: str, table: str, params: dict[str, Any]) -> dict[str, Any]:
    ctx: dict[str, Any] = {}
    aliases = params.get("ExpressionAttributeNames") or {}
    if op == "Query":
        index = params.get("IndexName")
        # On an index the leading key is the index's partition key: ask for "T/index/I".
        keyed = f"{table}/index/{index}" if isinstance(index, str) and index else table
        leading = _query_leading_keys(req, keyed, params)
    elif isinstance(params.get("Key"), dict):
        leading = _leading_keys(req, table, params["Key"])
    elif isinstance(params.get("Item"), dict) and op == "PutItem":
        leading = _leading_keys(req, table, params["Item"])
    else:
        leading = []
    if leading:
        ctx["dynamodb:LeadingKeys"] = leading
    attributes: list[str] = []
    for source in (params.get("Key"), params.get("Item"), params.get("AttributeUpdates")):
        if isinstance(source, dict):
            attributes += [a for a in source if a not in attributes]
    attributes += [a for a in params.get("AttributesToGet") or [] if a not in attributes]
    for expr in ("ProjectionExpression", "UpdateExpression"):
        attributes += [a for a in _names(params.get(expr), aliases) if a not in attributes]
    if attributes:
        ctx["dynamodb:Attributes"] = attributes
    select = params.get("Select")
    if isinstance(select, str):
        ctx["dynamodb:Select"] = select
    elif params.get("ProjectionExpression") or params.get("AttributesToGet"):
        ctx["dynamodb:Select"] = "SPECIFIC_ATTRIBUTES"
    for name in ("ReturnValues", "ReturnConsumedCapacity"):
        if isinstance(params.get(name), str):
            ctx[f"dynamodb:{name}"] = params[name]
    return ctx


def _item_need(req: Request, action: str, params: dict[str, Any]) -> Need:
    table = str(params.get("TableName") or "")
    resource = table_arn(req, table) if table else "*"
    index = params.get("IndexName")
    if isinstance(index, str) and index and resource != "*":
        resource = f"{resource}/index/{index}"
    return Need(f"dynamodb:{action}", resource, _context(req, action, table, params))


def _partiql(req: Request, statement: str) -> Need:
    verb = (statement.strip().split(None, 1) or ["SELECT"])[0].upper()
    action = _PARTIQL_ACTIONS.get(verb, "PartiQLSelect")
    match = _PARTIQL_TARGET.search(statement)
    if match is None:
        return Need(f"dynamodb:{action}", "*")
    parts = [
        (quoted.replace('""', '"') if quoted else bare)
        for quoted, bare in _PARTIQL_PART.findall(match.group(1) or match.group(2))
    ]
    resource = table_arn(req, parts[0])
    if len(parts) > 1 and action == "PartiQLSelect":
        resource = f"{resource}/index/{parts[1]}"
    return Need(f"dynamodb:{action}", resource)


def _batch_records(action: str, request: Any) -> list[dict[str, Any]]:
    """The keys or items one RequestItems entry names."""
    if not isinstance(request, dict):
        return []
    if action == "BatchGetItem":
        return [k for k in request.get("Keys") or [] if isinstance(k, dict)]
    records = []
    for part, field_name in (("PutRequest", "Item"), ("DeleteRequest", "Key")):
        inner = request.get(part)
        if isinstance(inner, dict) and isinstance(inner.get(field_name), dict):
            records.append(inner[field_name])
    return records


def _batch(req: Request, action: str) -> list[Need]:
    needs = []
    for table, entry in (req.params.get("RequestItems") or {}).items():
        leading: list[str] = []
        attributes: list[str] = []
        for request in entry if isinstance(entry, list) else [entry]:
            for record in _batch_records(action, request):
                leading += _leading_keys(req, table, record)
                attributes += [a for a in record if a not in attributes]
        ctx: dict[str, Any] = {}
        if leading:
            ctx["dynamodb:LeadingKeys"] = list(dict.fromkeys(leading))
        if attributes:
            ctx["dynamodb:Attributes"] = attributes
        needs.append(Need(f"dynamodb:{action}", table_arn(req, table), ctx))
    return needs


def _stream_of_iterator(iterator: str) -> str:
    """DynamoDB Streams shard iterators begin with the stream ARN: `arn:...|1|AAAA...`."""
    head = iterator.split("|", 1)[0]
    return head if is_arn(head) else "*"


def dynamodb(req: Request) -> list[Need]:
    op, params = req.operation, req.params
    if op in _ITEM_OPS:
        return [_item_need(req, op, params)]
    if op in ("BatchGetItem", "BatchWriteItem"):
        return _batch(req, op)
    if op == "TransactGetItems":
        gets = [e["Get"] for e in items(params, "TransactItems") if isinstance(e.get("Get"), dict)]
        return dedupe([_item_need(req, "GetItem", g) for g in gets])
    if op == "TransactWriteItems":
        needs = []
        for entry in items(params, "TransactItems"):
            for part, action in _TRANSACT_WRITE.items():
                if isinstance(entry.get(part), dict):
                    needs.append(_item_need(req, action, entry[part]))
        return dedupe(needs)
    if op == "ExecuteStatement":
        return [_partiql(req, str(params.get("Statement") or ""))]
    if op in ("BatchExecuteStatement", "ExecuteTransaction"):
        key = "Statements" if op == "BatchExecuteStatement" else "TransactStatements"
        return dedupe([_partiql(req, str(s.get("Statement") or "")) for s in items(params, key)])
    if op in ("DescribeBackup", "DeleteBackup"):
        return [Need(f"dynamodb:{op}", req.text("BackupArn") or "*")]
    if op == "RestoreTableFromBackup":
        target = table_arn(req, req.text("TargetTableName") or "*")
        return [
            Need("dynamodb:RestoreTableFromBackup", req.text("BackupArn") or "*"),
            Need("dynamodb:RestoreTableFromBackup", target),
        ]
    if op == "RestoreTableToPointInTime":
        source = req.text("SourceTableArn") or table_arn(req, req.text("SourceTableName") or "*")
        target = table_arn(req, req.text("TargetTableName") or "*")
        return dedupe([Need("dynamodb:RestoreTableToPointInTime", r) for r in (source, target)])
    resource = req.text("ResourceArn") or req.text("TableArn")
    table = req.text("TableName")
    if resource is None and table is not None:
        resource = table_arn(req, table)
    return [Need(f"dynamodb:{op}", resource or "*")]


def dynamodbstreams(req: Request) -> list[Need]:
    """DescribeStream / GetShardIterator name the stream; GetRecords only its iterator."""
    op = req.operation
    if op == "GetRecords":
        return [Need("dynamodb:GetRecords", _stream_of_iterator(req.text("ShardIterator") or ""))]
    return [Need(f"dynamodb:{op}", req.text("StreamArn") or "*")]


MAPPERS = {"dynamodb": dynamodb, "dynamodbstreams": dynamodbstreams}
