"""Comments in DynamoDB, and the per-reader rate limit on posting them.

Comments: pk `POST#{slug}`, sk `C#{created_at}#{id}` (oldest first). Rate windows live in the
same table: pk `RATE#{sub}`, sk the window's start; one conditional `ADD` per comment counts
it and refuses the one over the limit, so concurrent posts cannot slip past (no read-then-
write race). Window items expire through the table's TTL attribute.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from stratus.blog.domain import Comment, CommentCreate, iso
from stratus.blog.items import cursor_to_key, error_code, from_item, key_to_cursor, to_item
from stratus.blog.posts import post_pk
from stratus.blog.render import render_comment
from stratus.runtime.errors import StratusError, ValidationError

TTL_ATTRIBUTE = "expires_at"


class TooManyRequestsError(StratusError):
    status = 429
    code = "TooManyRequests"


class CommentStore:
    def __init__(
        self,
        client: Any,
        table: str,
        clock: Callable[[], datetime],
        *,
        limit: int = 5,
        window_seconds: int = 600,
    ) -> None:
        self._db = client
        self._table = table
        self._clock = clock
        self._limit = limit
        self._window = window_seconds

    def add(self, slug: str, sub: str, author: str, body: CommentCreate) -> Comment:
        self._count(sub)
        now = self._clock()
        comment = Comment(
            id=secrets.token_hex(8),
            slug=slug,
            author=author,
            body=body.body,
            html=render_comment(body.body),
            created_at=iso(now),
        )
        item = {
            "pk": post_pk(slug),
            "sk": f"C#{comment.created_at}#{comment.id}",
            "sub": sub,
            **comment.model_dump(),
        }
        self._db.put_item(TableName=self._table, Item=to_item(item))
        return comment

    def list(
        self, slug: str, *, limit: int = 50, after: dict[str, str] | None = None
    ) -> tuple[list[Comment], dict[str, str] | None]:
        params: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :p AND begins_with(sk, :c)",
            "ExpressionAttributeValues": to_item({":p": post_pk(slug), ":c": "C#"}),
            "Limit": limit,
        }
        if after is not None:
            if set(after) != {"pk", "sk"} or after["pk"] != post_pk(slug):
                raise ValidationError("cursor does not belong to this listing", field="cursor")
            params["ExclusiveStartKey"] = cursor_to_key(after)
        response = self._db.query(**params)
        items = [
            Comment(**{k: v for k, v in from_item(raw).items() if k in Comment.model_fields})
            for raw in response.get("Items", [])
        ]
        last = response.get("LastEvaluatedKey")
        return items, key_to_cursor(last) if last else None

    def _count(self, sub: str) -> None:
        now = int(self._clock().timestamp())
        start = now - now % self._window
        try:
            self._db.update_item(
                TableName=self._table,
                Key=to_item({"pk": f"RATE#{sub}", "sk": str(start)}),
                UpdateExpression="ADD n :one SET #ttl = :ttl",
                ConditionExpression="attribute_not_exists(n) OR n < :limit",
                ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
                ExpressionAttributeValues=to_item(
                    {":one": 1, ":limit": self._limit, ":ttl": start + 2 * self._window}
                ),
            )
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise TooManyRequestsError(
                    f"at most {self._limit} comments per {self._window // 60} minutes",
                    details={"retry_after": start + self._window - now},
                ) from None
            raise
