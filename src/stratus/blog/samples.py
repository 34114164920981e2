"""Sample posts in English, French and German, so a fresh site is worth opening at once.

`seed()` creates each sample that does not exist yet (an author's own post with the same
slug is never touched) and publishes it; then the whole site is rendered once.
"""

from __future__ import annotations

from stratus.blog.domain import LANGUAGES, Post, PostCreate
from stratus.blog.posts import PostStore
from stratus.blog.publisher import Publisher, PublishOutcome
from stratus.runtime.errors import ConflictError

AUTHOR = "MyBlog team"
SAMPLES: tuple[PostCreate, ...] = (
    PostCreate(
        slug="welcome",
        title="Welcome to MyBlog",
        lang="en",
        tags=["news", "meta"],
        translation_key="welcome",
        body=(
            "This blog is **static pages on S3** behind CloudFront, with a small API for "
            "comments and subscriptions.\n\n"
            "- Posts are written in Markdown\n- Publishing renders the pages and feeds\n"
            "- Only the changed pages are invalidated\n\n"
            "Subscribe to get a mail when something new appears."
        ),
    ),
    PostCreate(
        slug="bienvenue",
        title="Bienvenue sur MyBlog",
        lang="fr",
        tags=["news", "meta"],
        translation_key="welcome",
        body=(
            "Ce blog est fait de **pages statiques sur S3** derrière CloudFront, avec une petite "
            "API pour les commentaires et les abonnements.\n\n"
            "- Les articles sont écrits en Markdown\n- La publication produit les pages et les "
            "flux\n- Seules les pages modifiées sont invalidées"
        ),
    ),
    PostCreate(
        slug="willkommen",
        title="Willkommen bei MyBlog",
        lang="de",
        tags=["news", "meta"],
        translation_key="welcome",
        body=(
            "Dieser Blog besteht aus **statischen Seiten auf S3** hinter CloudFront, mit einer "
            "kleinen API für Kommentare und Abonnements.\n\n"
            "- Beiträge werden in Markdown geschrieben\n- Beim Veröffentlichen entstehen Seiten "
            "und Feeds\n- Nur geänderte Seiten werden invalidiert"
        ),
    ),
    PostCreate(
        slug="serverless-caching",
        title="Caching a serverless blog",
        lang="en",
        tags=["aws", "caching"],
        body=(
            "## Three layers\n\n1. CloudFront caches the pages for a day.\n"
            "2. API Gateway's stage cache answers repeated list requests.\n"
            "3. Browsers keep a page for a minute.\n\n"
            "```python\nCache-Control: public, max-age=60, s-maxage=86400\n```"
        ),
    ),
)


def seed(posts: PostStore, publisher: Publisher) -> PublishOutcome:
    for sample in SAMPLES:
        try:
            posts.create(AUTHOR, sample)
        except ConflictError:
            continue  # already there (a re-run, or an author's own post): leave it
        posts.set_status(sample.slug, "published")
    return render_all(posts, publisher)


def render_all(posts: PostStore, publisher: Publisher) -> PublishOutcome:
    """Every page of the site (post pages included), writing only what changed."""
    touched: dict[str, dict[str, Post | None]] = {lang: {} for lang in LANGUAGES}
    for post in posts.iter_all():
        if post.status == "published":
            touched[post.lang][post.slug] = post
    return publisher.rebuild(LANGUAGES, touched)
