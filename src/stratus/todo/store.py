"""TodoStore: a user's to-dos in DynamoDB, read through DAX, with read-your-writes.

Table layout: pk=<user sub>, sk=`todo#<ULID>` (ULIDs sort by creation time, so a descending
Query is "newest first"), plus one meta item per user, pk=<sub>, sk=`#meta`, holding
`last_write_at` (epoch seconds). The meta item never appears in listings because the Query
asks for `begins_with(sk, "todo#")`.

Why the meta item — DAX and read-your-writes
--------------------------------------------
The store talks to a low-level DynamoDB *client*, which may be a DAX client. DAX keeps two
caches with different rules:
- the ITEM cache (GetItem) is write-through: a PutItem/UpdateItem/DeleteItem sent through DAX
  updates it, so GetItem after one's own write is fresh;
- the QUERY cache is keyed by the exact request and is NOT invalidated by writes: a Query
  cached before a write keeps answering with the old result until its TTL (default 5 min)
  runs out. A user who adds a to-do and lists again could not see it.

So every write first stamps the user's meta item (through the same client, hence
write-through), then writes the to-do. `list` GetItems the meta item (an item-cache hit,
fresh after the user's own writes) and:
- if the user wrote less than one query-cache TTL ago (plus a small clock-skew margin), it
  Queries with `ConsistentRead=True`: DAX passes strongly consistent reads straight to
  DynamoDB and does not cache them, so the result includes every acknowledged write;
- otherwise it issues a normal Query, which DAX may serve from its query cache: any cached
  result was produced before now - TTL, i.e. after the user's last write, so it is current.
Stamping the meta item *before* the to-do write means the consistent-read window covers the
write itself. Repeated listings by a user who is not writing are served from DAX; a user
who writes pays DynamoDB reads only for the next TTL. Single items (GET /todos/{id}) are
plain GetItems: the write-through item cache already gives read-your-writes.
Known limit: in a multi-node DAX cluster, replicas' item caches trail the primary by
milliseconds; a list on another node within that instant could still read an old meta item.

PATCH is a conditional UpdateItem (`attribute_exists(pk) AND version IN (...)`); when the
condition fails a consistent GetItem tells 404 (gone / never yours) from 412 (stale).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from stratus.runtime.errors import NotFoundError, PreconditionFailedError
from stratus.todo.domain import (
    Clock,
    IfMatch,
    Todo,
    TodoCreate,
    TodoPatch,
    is_todo_id,
    iso,
)

TODO_PREFIX = "todo#"
META_SK = "#meta"
CLOCK_SKEW_MARGIN_SECONDS = 5
_ser = TypeSerializer()
_de = TypeDeserializer()
_FIELDS = ("id", "title", "notes", "due", "done", "created_at", "updated_at", "version")


def _condition_failed(exc: ClientError) -> bool:
    # amazondax raises ClientError subclasses carrying the same error codes as DynamoDB.
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _to_todo(item: Mapping[str, Any]) -> Todo:
    plain = {k: _de.deserialize(v) for k, v in item.items() if k in _FIELDS}
    plain["version"] = int(plain["version"])
    return Todo.model_validate(plain)


class TodoStore:
    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        clock: Clock,
        new_id: Callable[[], str],
        query_cache_ttl_seconds: int = 300,
    ) -> None:
        self._db = client
        self._table = table_name
        self._clock = clock
        self._new_id = new_id
        self._fresh_window = query_cache_ttl_seconds + CLOCK_SKEW_MARGIN_SECONDS

    # --- helpers -------------------------------------------------------------------------

    @staticmethod
    def _key(sub: str, todo_id: str) -> dict[str, Any]:
        return {"pk": {"S": sub}, "sk": {"S": TODO_PREFIX + todo_id}}

    def _touch(self, sub: str) -> None:
        """Stamp the user's meta item (write-through in DAX) before any to-do write."""
        self._db.update_item(
            TableName=self._table,
            Key={"pk": {"S": sub}, "sk": {"S": META_SK}},
            UpdateExpression="SET last_write_at = :now",
            ExpressionAttributeValues={":now": {"N": str(self._clock().timestamp())}},
        )

    def _recently_written(self, sub: str) -> bool:
        meta = self._db.get_item(
            TableName=self._table, Key={"pk": {"S": sub}, "sk": {"S": META_SK}}
        ).get("Item")
        if not meta or "last_write_at" not in meta:
            return False
        last = float(meta["last_write_at"]["N"])
        return self._clock().timestamp() - last < self._fresh_window

    # --- operations ----------------------------------------------------------------------

    def create(self, sub: str, data: TodoCreate) -> Todo:
        now = iso(self._clock())
        todo = Todo(
            id=self._new_id(),
            title=data.title,
            notes=data.notes,
            due=data.due,
            done=False,
            created_at=now,
            updated_at=now,
            version=1,
        )
        item = {k: _ser.serialize(v) for k, v in todo.model_dump().items() if v is not None}
        self._touch(sub)
        self._db.put_item(
            TableName=self._table,
            Item={**self._key(sub, todo.id), **item},
            ConditionExpression="attribute_not_exists(pk)",
        )
        return todo

    def get(self, sub: str, todo_id: str, *, consistent: bool = False) -> Todo:
        if not is_todo_id(todo_id):
            raise NotFoundError("to-do not found")
        item = self._db.get_item(
            TableName=self._table, Key=self._key(sub, todo_id), ConsistentRead=consistent
        ).get("Item")
        if not item:
            raise NotFoundError("to-do not found")
        return _to_todo(item)

    def list(
        self, sub: str, *, limit: int, after: str | None = None
    ) -> tuple[list[Todo], str | None]:
        """Newest first. `after` is the sk of the last item already returned; the second
        value is the sk to continue from, or None when there is nothing more."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": sub}, ":prefix": {"S": TODO_PREFIX}},
            "ScanIndexForward": False,
            "Limit": limit + 1,  # one extra tells us whether a next page exists
        }
        if after is not None:
            request["ExclusiveStartKey"] = {"pk": {"S": sub}, "sk": {"S": after}}
        if self._recently_written(sub):
            request["ConsistentRead"] = True  # bypasses DAX's query cache, see module doc
        items = self._db.query(**request).get("Items", [])
        page = [_to_todo(item) for item in items[:limit]]
        more = len(items) > limit
        return page, (TODO_PREFIX + page[-1].id if more and page else None)

    def update(self, sub: str, todo_id: str, patch: TodoPatch, if_match: IfMatch | None) -> Todo:
        if not is_todo_id(todo_id):
            raise NotFoundError("to-do not found")
        sets = ["version = version + :one", "updated_at = :now"]
        removes: list[str] = []
        names: dict[str, str] = {}
        values: dict[str, Any] = {":one": {"N": "1"}, ":now": {"S": iso(self._clock())}}
        for field, value in sorted(patch.changes().items()):
            names[f"#{field}"] = field
            if value is None:
                removes.append(f"#{field}")
            else:
                sets.append(f"#{field} = :{field}")
                values[f":{field}"] = _ser.serialize(value)
        condition = "attribute_exists(pk)"
        if isinstance(if_match, tuple):
            if not if_match:  # nothing matchable: 412 if it exists, else 404
                self.get(sub, todo_id, consistent=True)
                raise PreconditionFailedError("If-Match does not name the current version")
            tags = [f":v{i}" for i in range(len(if_match))]
            condition += f" AND version IN ({', '.join(tags)})"
            values.update({tag: {"N": str(v)} for tag, v in zip(tags, if_match, strict=True)})
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        self._touch(sub)
        try:
            result = self._db.update_item(
                TableName=self._table,
                Key=self._key(sub, todo_id),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,  # a TodoPatch is never empty
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if not _condition_failed(exc):
                raise
            self.get(sub, todo_id, consistent=True)  # raises 404 when it is gone
            raise PreconditionFailedError("the to-do has changed; fetch it again") from None
        return _to_todo(result["Attributes"])

    def delete(self, sub: str, todo_id: str) -> None:
        if not is_todo_id(todo_id):
            raise NotFoundError("to-do not found")
        self._touch(sub)
        try:
            self._db.delete_item(
                TableName=self._table,
                Key=self._key(sub, todo_id),
                ConditionExpression="attribute_exists(pk)",
            )
        except ClientError as exc:
            if _condition_failed(exc):
                raise NotFoundError("to-do not found") from None
            raise
