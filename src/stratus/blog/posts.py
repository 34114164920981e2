"""Posts in DynamoDB: one table, a post item per slug plus one tag item per tag while published.

Layout (generic key names, so one table serves every access pattern):

| item      | pk            | sk          | gsi1pk (ByLanguage)      | gsi2pk (ByDate) |
| --------- | ------------- | ----------- | ------------------------ | --------------- |
| post      | `POST#{slug}` | `POST`      | `LANG#{lang}` if public  | `ALL` if public |
| tag entry | `POST#{slug}` | `TAG#{tag}` | `TAG#{tag}#LANG#{lang}`  | `TAG#{tag}`     |

Both GSIs sort by `{published_at}#{slug}` (gsi1sk = gsi2sk), and only published posts carry
them (sparse indexes), so "newest published first, by language and/or tag" is one Query.
A tag item repeats the post's summary fields, which is all a list projects (INCLUDE), so
lists never read bodies. Why items and not a tags table: the tag entries are written in the
same transaction as the post they describe, so a list can never show a tag the post lost.
A third GSI (ByTranslation, on `translation_key`) finds a post's other languages.
`ALL` is one partition for every published post: fine for a blog (a few writes a day, reads
served by the stage cache and CloudFront); a busier site would shard it by year.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from stratus.blog.domain import Post, PostCreate, PostSummary, PostUpdate, Translation, iso
from stratus.blog.items import cursor_to_key, error_code, from_item, key_to_cursor, to_item
from stratus.blog.render import render_post, summary
from stratus.runtime.errors import ConflictError, NotFoundError, ValidationError

BY_LANGUAGE = "ByLanguage"
BY_DATE = "ByDate"
BY_TRANSLATION = "ByTranslation"
# The attributes lists read; the GSIs project exactly these (infra reads this tuple).
SUMMARY_FIELDS = (
    "slug", "title", "summary", "lang", "tags", "author", "published_at", "translation_key",
)  # fmt: skip
TRANSLATION_FIELDS = ("slug", "lang", "title", "status")
POST_SK = "POST"


def post_pk(slug: str) -> str:
    return f"POST#{slug}"


def listing_partition(lang: str | None, tag: str | None) -> tuple[str, str]:
    """(index, partition value) of the list for these filters."""
    if tag and lang:
        return BY_LANGUAGE, f"TAG#{tag}#LANG#{lang}"
    if tag:
        return BY_DATE, f"TAG#{tag}"
    if lang:
        return BY_LANGUAGE, f"LANG#{lang}"
    return BY_DATE, "ALL"


_INDEX_KEYS = {BY_LANGUAGE: ("gsi1pk", "gsi1sk"), BY_DATE: ("gsi2pk", "gsi2sk")}


class PostStore:
    def __init__(self, client: Any, table: str, clock: Callable[[], datetime]) -> None:
        self._db = client
        self._table = table
        self._clock = clock

    # -- reads ------------------------------------------------------------------------------
    def find(self, slug: str) -> Post | None:
        found = self._db.get_item(
            TableName=self._table,
            Key=to_item({"pk": post_pk(slug), "sk": POST_SK}),
            ConsistentRead=True,
        ).get("Item")
        return _post(from_item(found)) if found else None

    def get(self, slug: str) -> Post:
        post = self.find(slug)
        if post is None:
            raise NotFoundError(f"no post {slug!r}")
        return post

    def get_published(self, slug: str) -> Post:
        post = self.find(slug)
        if post is None or post.status != "published":
            raise NotFoundError(f"no published post {slug!r}")
        return post

    def translations(self, post: Post, published_only: bool = True) -> list[Translation]:
        response = self._db.query(
            TableName=self._table,
            IndexName=BY_TRANSLATION,
            KeyConditionExpression="translation_key = :k",
            # Tag items repeat translation_key too (a summary field): post items only.
            FilterExpression="sk = :s",
            ExpressionAttributeValues=to_item({":k": post.translation_key, ":s": POST_SK}),
        )
        out = []
        for raw in response.get("Items", []):
            item = from_item(raw)
            if item["slug"] == post.slug or (published_only and item["status"] != "published"):
                continue
            out.append(Translation(lang=item["lang"], slug=item["slug"], title=item["title"]))
        return sorted(out, key=lambda t: t.lang)

    def list_published(
        self,
        *,
        lang: str | None = None,
        tag: str | None = None,
        limit: int = 20,
        after: dict[str, str] | None = None,
    ) -> tuple[list[PostSummary], dict[str, str] | None]:
        """Newest first. `after`: a previous page's last key (checked against this listing)."""
        index, partition = listing_partition(lang, tag)
        pk_name, sk_name = _INDEX_KEYS[index]
        params: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": f"{pk_name} = :p",
            "ExpressionAttributeValues": to_item({":p": partition}),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if after is not None:
            if set(after) != {"pk", "sk", pk_name, sk_name} or after[pk_name] != partition:
                raise ValidationError("cursor does not belong to this listing", field="cursor")
            params["ExclusiveStartKey"] = cursor_to_key(after)
        response = self._db.query(**params)
        items = [PostSummary(**_summary_fields(from_item(i))) for i in response.get("Items", [])]
        last = response.get("LastEvaluatedKey")
        return items, key_to_cursor(last) if last else None

    def all_published(
        self, *, lang: str | None = None, tag: str | None = None
    ) -> list[PostSummary]:
        """Every published post of a listing, newest first (what a site rebuild renders)."""
        out: list[PostSummary] = []
        after = None
        while True:
            page, after = self.list_published(lang=lang, tag=tag, limit=100, after=after)
            out.extend(page)
            if after is None:
                return out

    def iter_all(self) -> Iterator[Post]:
        """Every post, drafts too (a scan: for seeding and maintenance only)."""
        params: dict[str, Any] = {
            "TableName": self._table,
            "FilterExpression": "sk = :s",
            "ExpressionAttributeValues": to_item({":s": POST_SK}),
        }
        while True:
            response = self._db.scan(**params)
            for raw in response.get("Items", []):
                yield _post(from_item(raw))
            if "LastEvaluatedKey" not in response:
                return
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # -- writes -----------------------------------------------------------------------------
    def create(self, author: str, body: PostCreate) -> Post:
        now = iso(self._clock())
        html = render_post(body.body)
        post = Post(
            slug=body.slug,
            title=body.title,
            body=body.body,
            html=html,
            summary=summary(html),
            lang=body.lang,
            tags=body.tags,
            author=author,
            status="draft",
            translation_key=body.translation_key or body.slug,
            created_at=now,
            updated_at=now,
        )
        try:
            self._db.put_item(
                TableName=self._table,
                Item=to_item(_post_item(post)),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise ConflictError(f"a post with slug {body.slug!r} exists") from None
            raise
        return post

    def update(self, slug: str, change: PostUpdate) -> tuple[Post, Post]:
        """(before, after). A published post stays published: its index entries follow."""
        before = self.get(slug)
        fields = change.model_dump(exclude_none=True)
        after = before.model_copy(update={**fields, "updated_at": iso(self._clock())})
        if "body" in fields:
            after.html = render_post(after.body)
            after.summary = summary(after.html)
        self._save(before, after)
        return before, after

    def set_status(self, slug: str, status: str) -> tuple[Post, Post]:
        before = self.get(slug)
        now = iso(self._clock())
        published_at = before.published_at if status == "published" else None
        if status == "published" and not published_at:
            published_at = now
        after = before.model_copy(
            update={"status": status, "published_at": published_at, "updated_at": now}
        )
        self._save(before, after)
        return before, after

    def _save(self, before: Post, after: Post) -> None:
        """Post item and tag items in one transaction, guarded by the version read."""
        actions: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(_post_item(after)),
                    "ConditionExpression": "updated_at = :seen",
                    "ExpressionAttributeValues": to_item({":seen": before.updated_at}),
                }
            }
        ]
        old_tags = set(before.tags) if before.status == "published" else set()
        new_tags = set(after.tags) if after.status == "published" else set()
        for tag in sorted(old_tags - new_tags):
            key = to_item({"pk": post_pk(after.slug), "sk": f"TAG#{tag}"})
            actions.append({"Delete": {"TableName": self._table, "Key": key}})
        for tag in sorted(new_tags):
            actions.append(
                {"Put": {"TableName": self._table, "Item": to_item(_tag_item(after, tag))}}
            )
        try:
            self._db.transact_write_items(TransactItems=actions)
        except Exception as exc:
            if error_code(exc) == "TransactionCanceledException":
                raise ConflictError(f"post {after.slug!r} changed meanwhile; retry") from None
            raise


def _sort_key(post: Post) -> str:
    return f"{post.published_at}#{post.slug}"


def _post_item(post: Post) -> dict[str, Any]:
    item: dict[str, Any] = {"pk": post_pk(post.slug), "sk": POST_SK, **post.model_dump()}
    if post.status == "published":
        item |= {
            "gsi1pk": f"LANG#{post.lang}",
            "gsi1sk": _sort_key(post),
            "gsi2pk": "ALL",
            "gsi2sk": _sort_key(post),
        }
    return item


def _tag_item(post: Post, tag: str) -> dict[str, Any]:
    return {
        "pk": post_pk(post.slug),
        "sk": f"TAG#{tag}",
        "gsi1pk": f"TAG#{tag}#LANG#{post.lang}",
        "gsi1sk": _sort_key(post),
        "gsi2pk": f"TAG#{tag}",
        "gsi2sk": _sort_key(post),
        **{name: getattr(post, name) for name in SUMMARY_FIELDS},
    }


def _summary_fields(item: dict[str, Any]) -> dict[str, Any]:
    return {name: item.get(name) for name in SUMMARY_FIELDS} | {"tags": item.get("tags") or []}


def _post(item: dict[str, Any]) -> Post:
    return Post(
        **{name: item.get(name) for name in Post.model_fields} | {"tags": item.get("tags") or []}
    )
