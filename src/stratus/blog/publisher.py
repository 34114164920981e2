"""Publishing: render what a post change touches, write only the files that changed, and
invalidate exactly their URLs in CloudFront.

Each language keeps a manifest (`_site/{lang}.json`: path -> SHA-256 of the file) beside the
pages. A publish re-renders the language's list pages, tag pages and feeds (cheap: summaries
only) plus the pages of the posts it touched (the post and its translations, whose "also
in" links change), compares hashes with the manifest, and then:
- puts each new or changed file with `Content-Type`, `Content-Language` and `Cache-Control`;
- deletes files the language no longer has (an unpublished post, a page 3 that shrank away,
  a tag nobody uses);
- invalidates the URLs of exactly those files (both `/x/index.html` and `/x/`, the two URLs
  a page is read by), in one CreateInvalidation.
An unchanged file is neither written nor invalidated, so republishing is idempotent.

The files are the commit: an invalidation that fails (throttled, no distribution yet) is
logged and reported in the result, and CloudFront's TTL bounds the staleness; the publish
itself stands.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stratus.blog.domain import LANGUAGES, Post
from stratus.blog.items import error_code
from stratus.blog.posts import PostStore
from stratus.blog.site import (
    SiteFile,
    asset_files,
    language_files,
    post_page,
    post_path,
    root_files,
    url_of,
)

MANIFEST_PREFIX = "_site/"


@dataclass
class PublishOutcome:
    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    invalidation_id: str | None = None
    invalidation_error: str | None = None

    @property
    def changed(self) -> list[str]:
        return sorted({*self.written, *self.deleted})


def invalidation_paths(paths: Iterable[str]) -> list[str]:
    """Every URL a reader may have cached each file under (`*` only at the end, per AWS)."""
    out: set[str] = set()
    for path in paths:
        out.add(path)
        if path.endswith("/index.html"):
            out.add(url_of(path))
    return sorted(out)


class Publisher:
    def __init__(
        self,
        posts: PostStore,
        s3: Any,
        bucket: str,
        *,
        site_url: str,
        cloudfront: Callable[[], Any] | None = None,
        distribution_id: str | Callable[[], str | None] | None = None,
        api_paths: tuple[str, ...] = (),
        flush_api_cache: Callable[[], None] | None = None,
        site_config: Callable[[], Mapping[str, str] | None] | None = None,
        clock: Callable[[], datetime],
        logger: Any = None,
    ) -> None:
        self._posts = posts
        self._s3 = s3
        self._bucket = bucket
        self._site_url = site_url
        self._cloudfront = cloudfront
        self._distribution_id = distribution_id
        self._api_paths = api_paths
        self._flush_api_cache = flush_api_cache
        self._site_config = site_config
        self._clock = clock
        self._log = logger

    def publish_change(self, before: Post | None, after: Post) -> PublishOutcome:
        """Bring the site in line with one post's change (publish, update, unpublish)."""
        touched: dict[str, dict[str, Post | None]] = {lang: {} for lang in LANGUAGES}
        if (
            before is not None
            and before.status == "published"
            and (after.status != "published" or before.lang != after.lang)
        ):
            touched[before.lang][before.slug] = None  # its page goes away
        if after.status == "published":
            touched[after.lang][after.slug] = after
        related = [after] + ([before] if before is not None else [])
        for post in related:
            for tr in self._posts.translations(post):
                if tr.slug != after.slug:
                    touched[tr.lang].setdefault(tr.slug, self._posts.get_published(tr.slug))
        langs = {lang for lang, pages in touched.items() if pages}
        return self.rebuild(langs, touched)

    def rebuild(
        self, langs: Iterable[str], touched: dict[str, dict[str, Post | None]] | None = None
    ) -> PublishOutcome:
        outcome = PublishOutcome()
        touched = touched or {}
        for lang in sorted(set(langs)):
            self._rebuild_language(lang, touched.get(lang, {}), outcome)
        self._sync_root(outcome)
        self._invalidate(outcome)
        self._flush_api(outcome)
        return outcome

    # -- one language -----------------------------------------------------------------------
    def _rebuild_language(
        self, lang: str, touched: dict[str, Post | None], outcome: PublishOutcome
    ) -> None:
        manifest = self._read_manifest(lang)
        summaries = self._posts.all_published(lang=lang)
        files = language_files(lang, summaries, self._site_url)
        for post in touched.values():
            if post is not None:
                files.append(post_page(post, self._posts.translations(post)))
        generated = {f.path: f for f in files}
        post_pages = {k for k in manifest if k.startswith(f"/{lang}/posts/")}
        kept_posts = post_pages - {post_path(lang, slug) for slug in touched}
        new_manifest: dict[str, str] = {path: manifest[path] for path in kept_posts}
        for path, file in sorted(generated.items()):
            digest = hashlib.sha256(file.body).hexdigest()
            new_manifest[path] = digest
            if manifest.get(path) != digest:
                self._put(file, digest)
                outcome.written.append(path)
        for path in sorted(set(manifest) - set(new_manifest)):
            self._s3.delete_object(Bucket=self._bucket, Key=path.lstrip("/"))
            outcome.deleted.append(path)
        if new_manifest != manifest:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=f"{MANIFEST_PREFIX}{lang}.json",
                Body=json.dumps(new_manifest, sort_keys=True, indent=0).encode(),
                ContentType="application/json",
                CacheControl="no-store",
            )

    def _sync_root(self, outcome: PublishOutcome) -> None:
        """The assets every page links, the language chooser, the 404 page and the readers'
        sign-in `/config.json` (each when changed)."""
        settings = self._site_config() if self._site_config is not None else None
        for file in (*asset_files(), *root_files(settings)):
            digest = hashlib.sha256(file.body).hexdigest()
            try:
                head = self._s3.head_object(Bucket=self._bucket, Key=file.path.lstrip("/"))
                current = (head.get("Metadata") or {}).get("sha256")
            except Exception as exc:
                if error_code(exc) not in ("404", "NoSuchKey", "NotFound"):
                    raise
                current = None
            if current != digest:
                self._put(file, digest)
                outcome.written.append(file.path)

    def _flush_api(self, outcome: PublishOutcome) -> None:
        """Empty the API stage cache once pages changed: its post lists are stale too."""
        if not outcome.changed or self._flush_api_cache is None:
            return
        try:
            self._flush_api_cache()
        except Exception as exc:
            code = error_code(exc)
            if not code:
                raise
            if self._log is not None:
                self._log.error("stage cache flush failed", extra={"code": code})

    def _read_manifest(self, lang: str) -> dict[str, str]:
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=f"{MANIFEST_PREFIX}{lang}.json")
        except Exception as exc:
            if error_code(exc) in ("NoSuchKey", "404"):
                return {}
            raise
        data = json.loads(body["Body"].read())
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _put(self, file: SiteFile, digest: str) -> None:
        params: dict[str, Any] = {
            "Bucket": self._bucket,
            "Key": file.path.lstrip("/"),
            "Body": file.body,
            "ContentType": file.content_type,
            "CacheControl": file.cache_control,
            "Metadata": {"sha256": digest},
        }
        if file.language:
            params["ContentLanguage"] = file.language
        self._s3.put_object(**params)

    def _invalidate(self, outcome: PublishOutcome) -> None:
        distribution = self._distribution_id
        if callable(distribution):
            distribution = distribution()
        if not outcome.changed or not distribution or self._cloudfront is None:
            return
        paths = sorted({*invalidation_paths(outcome.changed), *self._api_paths})
        reference = f"publish-{int(self._clock().timestamp())}-{secrets.token_hex(4)}"
        try:
            answer = self._cloudfront().create_invalidation(
                DistributionId=distribution,
                InvalidationBatch={
                    "Paths": {"Quantity": len(paths), "Items": paths},
                    "CallerReference": reference,
                },
            )
        except Exception as exc:
            code = error_code(exc)
            if not code:
                raise
            outcome.invalidation_error = code
            if self._log is not None:
                self._log.error("invalidation failed", extra={"code": code, "paths": paths})
            return
        outcome.invalidation_id = answer["Invalidation"]["Id"]
