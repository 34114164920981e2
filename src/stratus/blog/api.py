"""The blog's two Powertools resolvers: the public API and the authors' API.

Public (no sign-in unless noted): `GET /api/posts` (`?tag=&lang=&cursor=&limit=`),
`GET /api/posts/{slug}`, `GET /api/posts/{slug}/comments`, `POST .../comments` (a signed-in
reader: the Cognito authorizer ran), `POST /api/subscriptions` (202),
`GET /api/subscriptions/confirm|unsubscribe?token=`.
Authors (Cognito + the `authors` group, checked here from the verified claims):
`GET|POST /api/admin/posts`, `GET|PUT /api/admin/posts/{slug}`,
`POST /api/admin/posts/{slug}/publish|unpublish`, `POST /api/admin/preview` (Markdown to the
sanitised HTML the site would show, from the same renderer), `POST /api/uploads` (a
pre-signed POST for a photo, see `stratus.blog.uploads`) and `GET /api/uploads/{name}` (what
the photo pipeline made of it).

The confirm and unsubscribe links are opened from a mail in a browser: a caller that prefers
`text/html` gets a small page saying what happened; others get JSON.

Slugs in paths are validated by the domain's rule before any lookup, so `..`, `%2F` or an
over-long segment is a 400 naming `slug`, never a key or an S3 path.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from stratus.blog.comments import CommentStore
from stratus.blog.domain import (
    LANGUAGES,
    Accepted,
    CommentCreate,
    CommentPage,
    Post,
    PostCreate,
    PostDetail,
    PostPage,
    PostUpdate,
    Preview,
    PreviewRequest,
    PublishResult,
    SubscriptionRequest,
    SubscriptionStatus,
    normalise_tags,
    valid_slug,
)
from stratus.blog.posts import PostStore
from stratus.blog.publisher import Publisher, PublishOutcome
from stratus.blog.render import render_post
from stratus.blog.subscribers import Subscriptions
from stratus.blog.tokens import Cursors
from stratus.blog.uploads import PhotoUploads, UploadRequest, UploadStatus, UploadTicket
from stratus.runtime.auth import caller_sub, claims
from stratus.runtime.bodies import install_json_only_validation
from stratus.runtime.errors import ForbiddenError, NotFoundError, ValidationError
from stratus.runtime.responses import (
    MAX_BODY_BYTES,
    cors_config,
    json_body_loader,
    json_response,
    register_error_handlers,
)

AUTHORS_GROUP = "authors"
# Public reads: browsers for a minute, shared caches (CloudFront) five
# (https://www.rfc-editor.org/rfc/rfc9111#name-s-maxage).
LIST_CACHE_CONTROL = "public, max-age=60, s-maxage=300"
POST_CACHE_CONTROL = "public, max-age=60, s-maxage=300"
COMMENTS_CACHE_CONTROL = "public, max-age=10"
NO_STORE = "no-store"


@dataclass
class Dependencies:
    """What the routes need; callables so production builds clients lazily, once."""

    posts: Callable[[], PostStore]
    comments: Callable[[], CommentStore]
    subscriptions: Callable[[], Subscriptions]
    publisher: Callable[[], Publisher]
    cursors: Cursors
    uploads: Callable[[], PhotoUploads] | None = None  # None: no photo pipeline deployed
    # Where readers reach the site, for mail links: a URL, or a callable read at run time
    # (None: the URL this API was called by).
    public_base_url: str | Callable[[], str | None] | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    cors: CORSConfig = field(default_factory=cors_config)
    logger: Any = None


def _resolver(deps: Dependencies) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(
        enable_validation=True,
        cors=deps.cors,
        json_body_deserializer=json_body_loader(deps.max_body_bytes),
    )
    install_json_only_validation(app)
    register_error_handlers(app, deps.logger)
    return app


def checked_slug(value: str) -> str:
    try:
        return valid_slug(value)
    except ValueError as exc:
        raise ValidationError(f"slug {exc}", field="slug") from None


def _lang(value: str | None) -> str | None:
    if value is not None and value not in LANGUAGES:
        raise ValidationError(f"lang must be one of {', '.join(LANGUAGES)}", field="lang")
    return value


def _tag(value: str | None) -> str | None:
    if value is None:
        return None
    tag = value.strip().lower()
    try:
        return normalise_tags([tag])[0]
    except ValueError:
        raise ValidationError(
            "tag must be lower-case letters, digits and hyphens", field="tag"
        ) from None


def links_base(event: Mapping[str, Any]) -> str:
    """The URL prefix the caller reached this API by (scheme, host and stage path)."""
    context = event.get("requestContext") or {}
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    host = context.get("domainName") or headers.get("host") or "localhost"
    scheme = headers.get("x-forwarded-proto", "https").split(",")[0].strip() or "https"
    full, path = str(context.get("path") or ""), str(event.get("path") or "")
    prefix = full[: -len(path)] if path and full.endswith(path) else ""
    return f"{scheme}://{host}{prefix}"


def author_name(event: Mapping[str, Any]) -> str:
    found = claims(event)
    for key in ("name", "preferred_username", "given_name"):
        value = found.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:100]
    return f"reader-{caller_sub(event)[:8]}"


def groups(event: Mapping[str, Any]) -> set[str]:
    """`cognito:groups` as a REST API event carries it: a string ("a,b", "[a b]") or a list."""
    raw = claims(event).get("cognito:groups")
    if isinstance(raw, list | tuple):
        return {str(g) for g in raw}
    text = str(raw or "").strip().strip("[]")
    return {part for part in text.replace(",", " ").split() if part}


def build_public_app(deps: Dependencies) -> APIGatewayRestResolver:
    app = _resolver(deps)

    @app.get("/api/posts", operation_id="list_posts", summary="Published posts, newest first")
    def list_posts(
        tag: Annotated[str | None, Query(max_length=64)] = None,
        lang: Annotated[str | None, Query(max_length=8)] = None,
        cursor: Annotated[str | None, Query(max_length=2048)] = None,
        limit: Annotated[int, Query(ge=1, le=50)] = 10,
    ) -> Response[PostPage]:
        tag, lang = _tag(tag), _lang(lang)
        listing = f"{lang or '*'}|{tag or '*'}"
        after = deps.cursors.decode(listing, cursor) if cursor else None
        items, last = deps.posts().list_published(lang=lang, tag=tag, limit=limit, after=after)
        token = deps.cursors.encode(listing, last) if last else None
        page = PostPage(items=items, next=token)
        return json_response(200, page.model_dump(), {"Cache-Control": LIST_CACHE_CONTROL})

    @app.get("/api/posts/<slug>", operation_id="get_post", summary="One published post")
    def get_post(slug: str) -> Response[PostDetail]:
        store = deps.posts()
        post = store.get_published(checked_slug(slug))
        detail = PostDetail(**post.model_dump(), translations=store.translations(post))
        return json_response(200, detail.model_dump(), {"Cache-Control": POST_CACHE_CONTROL})

    @app.get(
        "/api/posts/<slug>/comments",
        operation_id="list_comments",
        summary="A post's comments, oldest first",
    )
    def list_comments(
        slug: str,
        cursor: Annotated[str | None, Query(max_length=2048)] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
    ) -> Response[CommentPage]:
        slug = checked_slug(slug)
        deps.posts().get_published(slug)
        listing = f"comments|{slug}"
        after = deps.cursors.decode(listing, cursor) if cursor else None
        items, last = deps.comments().list(slug, limit=limit, after=after)
        page = CommentPage(items=items, next=deps.cursors.encode(listing, last) if last else None)
        return json_response(200, page.model_dump(), {"Cache-Control": COMMENTS_CACHE_CONTROL})

    @app.post(
        "/api/posts/<slug>/comments",
        operation_id="add_comment",
        summary="Comment on a post (signed-in readers)",
    )
    def add_comment(slug: str, body: CommentCreate) -> Response[Any]:
        event = app.current_event.raw_event
        sub, name = caller_sub(event), author_name(event)
        slug = checked_slug(slug)
        deps.posts().get_published(slug)
        comment = deps.comments().add(slug, sub, name, body)
        return json_response(201, comment.model_dump(), {"Cache-Control": NO_STORE})

    @app.post(
        "/api/subscriptions",
        operation_id="subscribe",
        summary="Subscribe; a welcome mail asks to confirm",
    )
    def subscribe(body: SubscriptionRequest) -> Response[Accepted]:
        known = deps.public_base_url
        if callable(known):
            known = known()
        base = known or links_base(app.current_event.raw_event)
        deps.subscriptions().subscribe(body, base)
        accepted = Accepted(message="check your inbox to confirm the subscription")
        return json_response(202, accepted.model_dump(), {"Cache-Control": NO_STORE})

    @app.get(
        "/api/subscriptions/confirm",
        operation_id="confirm_subscription",
        summary="Confirm a subscription (the link in the welcome mail)",
    )
    def confirm(token: Annotated[str, Query(min_length=1, max_length=2048)]) -> Response[Any]:
        subscriber = deps.subscriptions().confirm(token)
        status = SubscriptionStatus(email=subscriber.email, status=subscriber.status)
        if wants_html(app.current_event.raw_event):
            return status_page(status)
        return json_response(200, status.model_dump(), {"Cache-Control": NO_STORE})

    @app.get(
        "/api/subscriptions/unsubscribe",
        operation_id="unsubscribe",
        summary="Unsubscribe (the link in every mail)",
    )
    def unsubscribe(token: Annotated[str, Query(min_length=1, max_length=2048)]) -> Response[Any]:
        subscriber = deps.subscriptions().unsubscribe(token)
        status = SubscriptionStatus(email=subscriber.email, status=subscriber.status)
        if wants_html(app.current_event.raw_event):
            return status_page(status)
        return json_response(200, status.model_dump(), {"Cache-Control": NO_STORE})

    return app


_STATUS_TEXT = {
    "confirmed": "Your subscription is confirmed. Thank you!",
    "unsubscribed": "You are unsubscribed. You will get no more mail from us.",
    "suppressed": "This address no longer receives our mail.",
    "pending": "This subscription is not confirmed yet.",
}


def wants_html(event: Mapping[str, Any]) -> bool:
    """Whether the caller ranks text/html above JSON (a browser following a mail's link)."""
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    accept = headers.get("accept", "")
    html_at, json_at = accept.find("text/html"), accept.find("application/json")
    return html_at >= 0 and (json_at < 0 or html_at < json_at)


def status_page(status: SubscriptionStatus) -> Response[Any]:
    text = html.escape(_STATUS_TEXT.get(status.status, status.status))
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Subscription {html.escape(status.status)}</title></head>"
        f'<body><main><h1 data-testid="subscription-status">{text}</h1>'
        '<p><a href="/">MyBlog</a></p></main></body></html>'
    )
    return Response(
        status_code=200,
        content_type="text/html; charset=utf-8",
        body=body,
        headers={"Cache-Control": NO_STORE, "Content-Language": "en"},
    )


def _result(post: Post, outcome: PublishOutcome) -> Response[PublishResult]:
    result = PublishResult(
        slug=post.slug,
        status=post.status,
        changed=outcome.changed,
        invalidation_id=outcome.invalidation_id,
        invalidation_error=outcome.invalidation_error,
    )
    return json_response(200, result.model_dump(), {"Cache-Control": NO_STORE})


def build_admin_app(deps: Dependencies) -> APIGatewayRestResolver:
    app = _resolver(deps)

    def author() -> str:
        event = app.current_event.raw_event
        caller_sub(event)  # 401 without verified claims
        if AUTHORS_GROUP not in groups(event):
            raise ForbiddenError(f"only members of the {AUTHORS_GROUP!r} group may write posts")
        return author_name(event)

    def private(status: int, body: Any) -> Response[Any]:
        return json_response(status, body, {"Cache-Control": NO_STORE})

    @app.post(
        "/api/admin/preview",
        operation_id="preview_post",
        summary="Markdown to the sanitised HTML a post page would show (nothing is stored)",
    )
    def preview(body: PreviewRequest) -> Response[Preview]:
        author()
        return private(200, Preview(html=render_post(body.body)).model_dump())

    @app.get("/api/admin/posts", operation_id="list_all_posts", summary="Every post, drafts too")
    def list_all() -> Response[Any]:
        author()
        posts = sorted(deps.posts().iter_all(), key=lambda p: p.updated_at, reverse=True)
        return private(200, {"items": [p.model_dump() for p in posts]})

    @app.post("/api/admin/posts", operation_id="create_post", summary="Create a draft")
    def create(body: PostCreate) -> Response[Post]:
        post = deps.posts().create(author(), body)
        return json_response(
            201,
            post.model_dump(),
            {"Location": f"/api/admin/posts/{post.slug}", "Cache-Control": NO_STORE},
        )

    @app.get("/api/admin/posts/<slug>", operation_id="get_any_post", summary="A post or draft")
    def get_any(slug: str) -> Response[Post]:
        author()
        return private(200, deps.posts().get(checked_slug(slug)).model_dump())

    @app.put(
        "/api/admin/posts/<slug>",
        operation_id="update_post",
        summary="Change a post (a published one is re-published)",
    )
    def update(slug: str, body: PostUpdate) -> Response[Any]:
        author()
        before, after = deps.posts().update(checked_slug(slug), body)
        if after.status == "published":
            outcome = deps.publisher().publish_change(before, after)
            return _result(after, outcome)
        return private(200, after.model_dump())

    @app.post(
        "/api/admin/posts/<slug>/publish",
        operation_id="publish_post",
        summary="Publish: render the static pages and invalidate them",
    )
    def publish(slug: str) -> Response[PublishResult]:
        author()
        before, after = deps.posts().set_status(checked_slug(slug), "published")
        return _result(after, deps.publisher().publish_change(before, after))

    @app.post(
        "/api/admin/posts/<slug>/unpublish",
        operation_id="unpublish_post",
        summary="Unpublish: remove the post's page and update the lists",
    )
    def unpublish(slug: str) -> Response[PublishResult]:
        author()
        before, after = deps.posts().set_status(checked_slug(slug), "draft")
        return _result(after, deps.publisher().publish_change(before, after))

    def uploads() -> PhotoUploads:
        if deps.uploads is None:
            raise NotFoundError("photo uploads are not enabled on this stage")
        return deps.uploads()

    @app.post(
        "/api/uploads",
        operation_id="create_upload",
        summary="A pre-signed POST for one photo (size, type and key fixed by S3's policy)",
    )
    def create_upload(body: UploadRequest) -> Response[UploadTicket]:
        author()
        ticket = uploads().presign(body)
        return private(201, ticket.model_dump())

    @app.get(
        "/api/uploads/<name>",
        operation_id="get_upload",
        summary="What the photo pipeline made of an upload: processing, ready or rejected",
    )
    def get_upload(name: str) -> Response[UploadStatus]:
        author()
        return private(200, uploads().status(name).model_dump())

    return app
